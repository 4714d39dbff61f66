using System.Numerics;
using MetaSpec.Kernels;

namespace MetaSpec.Geometry;

/// <summary>
/// One axis group ("mode") of a row-major tensor, viewed as [outer, size, inner]: a learned size×size matrix A
/// multiplies every fibre along it. The mode product Y = X ×ₘ A is Y[i, j, l] = Σ_c A[j, c]·X[i, c, l].
/// </summary>
/// <param name="Outer">Product of the dimensions before the mode.</param>
/// <param name="Size">Length of the mode (A is Size × Size).</param>
/// <param name="Inner">Product of the dimensions after the mode.</param>
internal readonly record struct Mode(int Outer, int Size, int Inner)
{
    /// <summary>Values in the tensor.</summary>
    public int Length => Outer * Size * Inner;

    /// <summary>
    /// <paramref name="y"/> = <paramref name="x"/> ×ₘ op(A), op(A) = Aᵀ when <paramref name="transpose"/>;
    /// <paramref name="y"/> must not overlap <paramref name="x"/>.
    /// </summary>
    public void Multiply<T>(ReadOnlySpan<T> a, bool transpose, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = Size;
        if (Inner == 1)
        {
            // Rows of the [outer, n] matrix X are the fibres: Y = X·op(A)ᵀ.
            Gemm.Multiply(false, !transpose, Outer, n, n, x, n, a, n, y, n);
            return;
        }
        int slab = n * Inner;
        for (int i = 0; i < Outer; i++)
            Gemm.Multiply(transpose, false, n, Inner, n, a, n, x.Slice(i * slab, slab), Inner, y.Slice(i * slab, slab), Inner);
    }

    /// <summary>
    /// <paramref name="gradient"/> += ∂⟨<paramref name="v"/>, <paramref name="h"/> ×ₘ A⟩/∂A = Σ_{i,l} v[i, ·, l]·h[i, ·, l]ᵀ:
    /// the mode-m unfolding of v times that of h, transposed.
    /// </summary>
    public void AccumulateGradient<T>(ReadOnlySpan<T> v, ReadOnlySpan<T> h, Span<T> gradient) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = Size;
        if (Inner == 1)
        {
            Gemm.Multiply(true, false, n, n, Outer, v, n, h, n, gradient, n, accumulate: true);
            return;
        }
        int slab = n * Inner;
        for (int i = 0; i < Outer; i++)
            Gemm.Multiply(false, true, n, n, Inner, v.Slice(i * slab, slab), Inner, h.Slice(i * slab, slab), Inner, gradient, n, accumulate: true);
    }
}
