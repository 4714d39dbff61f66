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
    public void Forward(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, Span<T> output, Span<T> state, Span<T> scratch)
    {
        int n = batch * InputShape.Size;
        Apply(input.Slice(0, n), output.Slice(0, n));
    }

    /// <inheritdoc/>
    public void Backward(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> input, ReadOnlySpan<T> output, ReadOnlySpan<T> state,
        ReadOnlySpan<T> outputGradient, Span<T> inputGradient, Span<T> parameterGradient, Span<T> scratch)
    {
        if (inputGradient.IsEmpty) return;
        int n = batch * InputShape.Size;
        MultiplyByDerivative(input.Slice(0, n), output.Slice(0, n), outputGradient.Slice(0, n), inputGradient.Slice(0, n));
    }

    /// <inheritdoc/>
    public void ForwardTangent(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> parameterTangent, ReadOnlySpan<T> input,
        ReadOnlySpan<T> inputTangent, ReadOnlySpan<T> output, ReadOnlySpan<T> state, Span<T> outputTangent, Span<T> tangentState, Span<T> scratch)
    {
        int n = batch * InputShape.Size;
        if (inputTangent.IsEmpty) outputTangent.Slice(0, n).Clear();
        else MultiplyByDerivative(input.Slice(0, n), output.Slice(0, n), inputTangent.Slice(0, n), outputTangent.Slice(0, n));
    }

    /// <inheritdoc/>
    public void BackwardTangent(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> parameterTangent, ReadOnlySpan<T> input,
        ReadOnlySpan<T> inputTangent, ReadOnlySpan<T> output, ReadOnlySpan<T> outputTangent, ReadOnlySpan<T> state,
        ReadOnlySpan<T> tangentState, ReadOnlySpan<T> outputGradient, ReadOnlySpan<T> outputGradientTangent,
        Span<T> inputGradientTangent, Span<T> parameterGradientTangent, Span<T> scratch)
    {
        if (inputGradientTangent.IsEmpty) return;
        int n = batch * InputShape.Size;
        Span<T> dst = inputGradientTangent.Slice(0, n);
        MultiplyByDerivative(input.Slice(0, n), output.Slice(0, n), outputGradientTangent.Slice(0, n), dst);
        if (!inputTangent.IsEmpty)
            AddCurvature(input.Slice(0, n), output.Slice(0, n), outputTangent.Slice(0, n), outputGradient.Slice(0, n), dst);
    }
}
