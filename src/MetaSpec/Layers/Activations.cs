using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Kernels;

namespace MetaSpec.Layers;

/// <summary>y = max(x, 0). The derivative at 0 is taken as 0, as PyTorch does.</summary>
public sealed class ReLULayer<T>(Shape shape) : ElementwiseLayer<T>(shape) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Max(x, T.Zero, y);

    /// <inheritdoc/>
    protected override void MultiplyByDerivative(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> v, Span<T> dst) =>
        Elementwise.ScaleByStep(x, v, dst, T.Zero);

    /// <inheritdoc/>
    protected override void AddCurvature(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> outputTangent, ReadOnlySpan<T> outputGradient, Span<T> dst) { }
}

/// <summary>y = x for x &gt; 0, slope·x otherwise (PyTorch's default slope 0.01).</summary>
public sealed class LeakyReLULayer<T> : ElementwiseLayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _slope;

    /// <summary>A leaky ReLU with the given negative slope.</summary>
    public LeakyReLULayer(Shape shape, double negativeSlope = 0.01) : base(shape)
    {
        if (!double.IsFinite(negativeSlope)) throw new ArgumentOutOfRangeException(nameof(negativeSlope), "The negative slope must be finite.");
        _slope = T.CreateTruncating(negativeSlope);
    }

    /// <summary>The slope for negative inputs.</summary>
    public double NegativeSlope => double.CreateTruncating(_slope);

    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<T> x, Span<T> y) => Elementwise.ScaleByStep(x, x, y, _slope);

    /// <inheritdoc/>
    protected override void MultiplyByDerivative(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> v, Span<T> dst) =>
        Elementwise.ScaleByStep(x, v, dst, _slope);

    /// <inheritdoc/>
    protected override void AddCurvature(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> outputTangent, ReadOnlySpan<T> outputGradient, Span<T> dst) { }
}

/// <summary>y = tanh(x); σ' = 1 − y², σ'' = −2y(1 − y²).</summary>
public sealed class TanhLayer<T>(Shape shape) : ElementwiseLayer<T>(shape) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Tanh(x, y);

    /// <inheritdoc/>
    protected override void MultiplyByDerivative(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> v, Span<T> dst) =>
        Elementwise.TanhDerivativeTimes(y, v, dst);

    /// <inheritdoc/>
    protected override void AddCurvature(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> outputTangent, ReadOnlySpan<T> outputGradient, Span<T> dst) =>
        Elementwise.AddTanhCurvature(y, outputGradient, outputTangent, dst);
}

/// <summary>y = 1/(1 + e^(−x)); σ' = y(1 − y), σ'' = σ'(1 − 2y).</summary>
public sealed class SigmoidLayer<T>(Shape shape) : ElementwiseLayer<T>(shape) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    protected override void Apply(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sigmoid(x, y);

    /// <inheritdoc/>
    protected override void MultiplyByDerivative(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> v, Span<T> dst) =>
        Elementwise.SigmoidDerivativeTimes(y, v, dst);

    /// <inheritdoc/>
    protected override void AddCurvature(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> outputTangent, ReadOnlySpan<T> outputGradient, Span<T> dst) =>
        Elementwise.AddSigmoidCurvature(y, outputGradient, outputTangent, dst);
}
