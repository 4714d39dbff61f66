using System.Numerics;

namespace MetaSpec.Layers;

/// <summary>Reshapes [C, H, W] samples to [C·H·W] vectors; values keep their order (PyTorch's Flatten).</summary>
public sealed class FlattenLayer<T>(Shape input) : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public Shape InputShape { get; } = input;

    /// <inheritdoc/>
    public Shape OutputShape { get; } = Shape.Vector(input.Size);

    /// <inheritdoc/>
    public int ParameterCount => 0;

    /// <inheritdoc/>
    public IReadOnlyList<ParameterTensor> ParameterTensors => [];

    /// <inheritdoc/>
    public int StateLength(int batch) => 0;

    /// <inheritdoc/>
    public int TangentStateLength(int batch) => 0;

    /// <inheritdoc/>
    public int ScratchLength(int batch) => 0;

    /// <inheritdoc/>
    public void Initialize(Span<T> parameters, Random random) { }

    /// <inheritdoc/>
    public void Forward(in ForwardPass<T> pass) => Copy(pass.Batch, pass.Input, pass.Output);

    /// <inheritdoc/>
    public void Backward(in BackwardPass<T> pass)
    {
        if (!pass.InputGradient.IsEmpty) Copy(pass.Batch, pass.OutputGradient, pass.InputGradient);
    }

    /// <inheritdoc/>
    public void ForwardTangent(in ForwardTangentPass<T> pass)
    {
        if (pass.InputTangent.IsEmpty) pass.OutputTangent.Slice(0, pass.Batch * InputShape.Size).Clear();
        else Copy(pass.Batch, pass.InputTangent, pass.OutputTangent);
    }

    /// <inheritdoc/>
    public void BackwardTangent(in BackwardTangentPass<T> pass)
    {
        if (!pass.InputGradientTangent.IsEmpty) Copy(pass.Batch, pass.OutputGradientTangent, pass.InputGradientTangent);
    }

    private void Copy(int batch, ReadOnlySpan<T> from, Span<T> to)
    {
        int n = batch * InputShape.Size;
        from.Slice(0, n).CopyTo(to.Slice(0, n));
    }
}
