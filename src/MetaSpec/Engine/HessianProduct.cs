using System.Numerics;
using System.Numerics.Tensors;

namespace MetaSpec.Engine;

/// <summary>How a method multiplies by the support loss's Hessian: exactly, or by differences of gradients.</summary>
internal abstract class HessianProduct<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// <paramref name="product"/> = ∇²L_S(<paramref name="at"/>)·<paramref name="direction"/> on step <paramref name="step"/>'s
    /// support set, and ∇L_S(<paramref name="at"/>) into <paramref name="gradient"/> unless it is empty.
    /// </summary>
    public abstract void Times(AdaptedLoss<T> loss, int step, ReadOnlySpan<T> at, ReadOnlySpan<T> direction, Span<T> product, Span<T> gradient);
}

/// <summary>The exact product by forward-over-reverse differentiation; the gradient comes with it.</summary>
internal sealed class ExactHessianProduct<T>(int dimension) : HessianProduct<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _unusedGradient = new T[dimension];   // where the gradient goes when the caller does not want it

    public override void Times(AdaptedLoss<T> loss, int step, ReadOnlySpan<T> at, ReadOnlySpan<T> direction, Span<T> product, Span<T> gradient) =>
        loss.SupportHessianTimes(step, at, direction, gradient.IsEmpty ? _unusedGradient : gradient, product);
}

/// <summary>
/// H·v ≈ ‖v‖·(∇L(θ + δv̂) − ∇L(θ − δv̂))/(2δ): central differences of gradients along the unit direction v̂, so δ
/// keeps its meaning whatever ‖v‖ is (HF-MAML; and the smoothness estimate of gradient-only methods).
/// </summary>
internal sealed class FiniteDifferenceHessianProduct<T>(int dimension, double step) : HessianProduct<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T _delta = T.CreateTruncating(step);
    private readonly T[] _shifted = new T[dimension];         // θ ± δv̂
    private readonly T[] _minusGradient = new T[dimension];   // ∇L(θ − δv̂)

    public override void Times(AdaptedLoss<T> loss, int step, ReadOnlySpan<T> at, ReadOnlySpan<T> direction, Span<T> product, Span<T> gradient)
    {
        T norm = TensorPrimitives.Norm(direction);
        if (norm == T.Zero)
        {
            product.Clear();
        }
        else
        {
            T scale = _delta / norm;
            TensorPrimitives.MultiplyAdd(direction, scale, at, _shifted);
            loss.SupportGradient(step, _shifted, product);
            TensorPrimitives.MultiplyAdd(direction, -scale, at, _shifted);
            loss.SupportGradient(step, _shifted, _minusGradient);
            TensorPrimitives.Subtract(product, _minusGradient, product);
            TensorPrimitives.Multiply(product, norm / (_delta + _delta), product);
        }
        if (!gradient.IsEmpty) loss.SupportGradient(step, at, gradient);
    }
}
