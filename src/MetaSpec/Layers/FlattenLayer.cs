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
    public void Forward(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> output, Span<T> state, Span<T> scratch) =>
        Copy(batch, input, output);

    /// <inheritdoc/>
    public void Backward(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, ReadOnlySpan<T> output, ReadOnlySpan<T> state,
        ReadOnlySpan<T> outputGradient, Span<T> inputGradient, Span<T> parameterGradient, Span<T> scratch)
    {
        if (!inputGradient.IsEmpty) Copy(batch, outputGradient, inputGradient);
    }

    /// <inheritdoc/>
    public void ForwardTangent(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> parameterTangent, ReadOnlySpan<T> input,
        ReadOnlySpan<T> inputTangent, ReadOnlySpan<T> output, ReadOnlySpan<T> state, Span<T> outputTangent, Span<T> tangentState, Span<T> scratch)
    {
        if (inputTangent.IsEmpty) outputTangent.Slice(0, batch * InputShape.Size).Clear();
        else Copy(batch, inputTangent, outputTangent);
    }

    /// <inheritdoc/>
    public void BackwardTangent(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> parameterTangent, ReadOnlySpan<T> input,
        ReadOnlySpan<T> inputTangent, ReadOnlySpan<T> output, ReadOnlySpan<T> outputTangent, ReadOnlySpan<T> state,
        ReadOnlySpan<T> tangentState, ReadOnlySpan<T> outputGradient, ReadOnlySpan<T> outputGradientTangent,
        Span<T> inputGradientTangent, Span<T> parameterGradientTangent, Span<T> scratch)
    {
        if (!inputGradientTangent.IsEmpty) Copy(batch, outputGradientTangent, inputGradientTangent);
    }

    private void Copy(int batch, ReadOnlySpan<T> from, Span<T> to)
    {
        int n = batch * InputShape.Size;
        from.Slice(0, n).CopyTo(to.Slice(0, n));
    }
}
