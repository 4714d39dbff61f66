using System.Numerics;

namespace MetaSpec.Losses;

/// <summary>
/// A loss L(y, t) averaged over a batch, with its gradient ∂L/∂y and its Hessian-vector product
/// ∇²_y L·ẏ, the two pieces a network needs for exact gradients and Hessian-vector products.
/// </summary>
public interface ILoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>How many target values one sample has when the network outputs <paramref name="outputs"/> values.</summary>
    int TargetsPerSample(int outputs);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first target the loss cannot use.</summary>
    void ValidateTargets(int batch, int outputs, ReadOnlySpan<T> targets);

    /// <summary>Returns L and writes ∂L/∂y into <paramref name="outputGradient"/>.</summary>
    T Forward(int batch, int outputs, ReadOnlySpan<T> output, ReadOnlySpan<T> targets, Span<T> outputGradient);

    /// <summary>Returns L alone.</summary>
    T Value(int batch, int outputs, ReadOnlySpan<T> output, ReadOnlySpan<T> targets);

    /// <summary>Writes ∇²_y L·ẏ into <paramref name="outputGradientTangent"/>.</summary>
    void Tangent(int batch, int outputs, ReadOnlySpan<T> output, ReadOnlySpan<T> outputTangent, ReadOnlySpan<T> targets, Span<T> outputGradientTangent);
}
