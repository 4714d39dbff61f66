using System.Numerics;

namespace MetaSpec.Layers;

/// <summary>
/// Base of the parameter-free elementwise activations y = σ(x). Subclasses supply σ, the Jacobian
/// product σ'(x)⊙v and the curvature term σ''(x)⊙ẋ⊙ȳ; the four kernels follow from them:
/// x̄ = σ'⊙ȳ, ẏ = σ'⊙ẋ, d/dε x̄ = σ'⊙ȳ̇ + σ''⊙ẋ⊙ȳ.
/// </summary>
public abstract class ElementwiseLayer<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>An activation over samples of <paramref name="shape"/>.</summary>
    protected ElementwiseLayer(Shape shape)
    {
        InputShape = shape;
        OutputShape = shape;
    }

    /// <inheritdoc/>
    public Shape InputShape { get; }

    /// <inheritdoc/>
    public Shape OutputShape { get; }

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

    /// <summary>y = σ(x).</summary>
    protected abstract void Apply(ReadOnlySpan<T> x, Span<T> y);

    /// <summary>dst = σ'(x)⊙v.</summary>
    protected abstract void MultiplyByDerivative(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> v, Span<T> dst);

    /// <summary>dst += σ''(x)⊙ẋ⊙ȳ, given ẏ = σ'(x)⊙ẋ; nothing for piecewise-linear σ.</summary>
    protected abstract void AddCurvature(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> outputTangent, ReadOnlySpan<T> outputGradient, Span<T> dst);

    /// <inheritdoc/>
    public void Forward(in ForwardPass<T> pass)
    {
        int n = pass.Batch * InputShape.Size;
        Apply(pass.Input.Slice(0, n), pass.Output.Slice(0, n));
    }

    /// <inheritdoc/>
    public void Backward(in BackwardPass<T> pass)
    {
        if (pass.InputGradient.IsEmpty) return;
        int n = pass.Batch * InputShape.Size;
        MultiplyByDerivative(pass.Input.Slice(0, n), pass.Output.Slice(0, n), pass.OutputGradient.Slice(0, n), pass.InputGradient.Slice(0, n));
    }

    /// <inheritdoc/>
    public void ForwardTangent(in ForwardTangentPass<T> pass)
    {
        int n = pass.Batch * InputShape.Size;
        if (pass.InputTangent.IsEmpty) pass.OutputTangent.Slice(0, n).Clear();
        else MultiplyByDerivative(pass.Input.Slice(0, n), pass.Output.Slice(0, n), pass.InputTangent.Slice(0, n), pass.OutputTangent.Slice(0, n));
    }

    /// <inheritdoc/>
    public void BackwardTangent(in BackwardTangentPass<T> pass)
    {
        if (pass.InputGradientTangent.IsEmpty) return;
        int n = pass.Batch * InputShape.Size;
        ReadOnlySpan<T> x = pass.Input.Slice(0, n), y = pass.Output.Slice(0, n);
        Span<T> dst = pass.InputGradientTangent.Slice(0, n);
        MultiplyByDerivative(x, y, pass.OutputGradientTangent.Slice(0, n), dst);
        if (!pass.InputTangent.IsEmpty)
            AddCurvature(x, y, pass.OutputTangent.Slice(0, n), pass.OutputGradient.Slice(0, n), dst);
    }
}
