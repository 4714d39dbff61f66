using System.Numerics;
using System.Runtime.CompilerServices;

namespace MetaSpec.Kernels;

/// <summary>
/// Products with a dimension of 1, which a dense layer with one input or one output makes (the sinusoid MLP's first
/// and last layers): k = 1 is an outer product, n = 1 a matrix-vector product, m = 1 a vector-matrix product. Each is
/// one pass of axpys or dot products over the operands, where a register-tiled kernel would fill 1 of its 16 or 32
/// lanes (measured: 100-150 ns for the 10×40×1 and 10×1×40 products, against 20-40 here). Vectorised along whichever
/// operand is contiguous; strided operands fall back to scalar loops.
/// </summary>
internal static unsafe class GemmThin
{
    /// <summary>Whether the product has a dimension of 1 (and so a path here).</summary>
    public static bool Applies(int m, int n, int k) => m == 1 || n == 1 || k == 1;

    /// <summary>
    /// Whether this path beats the direct kernel: for k = 1 and n = 1 (measured 43 against 106 ns for 10×40×1, 61 against
    /// 154 ns for 10×1×40); for m = 1 the direct kernel's one-row tile already keeps C in registers (47 against 54 ns for 1×40×10).
    /// </summary>
    public static bool Preferred(int m, int n, int k) => n == 1 || k == 1;

    /// <summary>C (+)= op(A)·op(B) as in <see cref="Gemm.Multiply{T}(bool, bool, int, int, int, ReadOnlySpan{T}, int, ReadOnlySpan{T}, int, Span{T}, int, bool, int)"/>, for m, n or k = 1.</summary>
    public static void Multiply<T>(bool transposeA, bool transposeB, int m, int n, int k, T* a, nint lda, T* b, nint ldb, T* c, nint ldc, bool add)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // op(A)[i, p] = a[i·ai + p·ap], op(B)[p, j] = b[p·bp + j·bj]
        nint ai = transposeA ? 1 : lda, ap = transposeA ? lda : 1;
        nint bp = transposeB ? 1 : ldb, bj = transposeB ? ldb : 1;
        if (k == 1)
        {
            // C[i, :] (+)= op(A)[i, 0]·op(B)[0, :]
            for (int i = 0; i < m; i++) Axpy(n, a[i * ai], b, bj, c + i * ldc, 1, add);
        }
        else if (n == 1)
        {
            if (ap == 1)
            {
                // C[i, 0] (+)= ⟨op(A)[i, :], op(B)[:, 0]⟩
                for (int i = 0; i < m; i++) Store(c + i * ldc, Dot(k, a + i * ai, b, bp), add);
            }
            else
            {
                // Rows of op(A) are strided, its columns contiguous: C[:, 0] (+)= Σ_p op(B)[p, 0]·op(A)[:, p]
                Combination(m, k, b, bp, a, ap, ai, c, ldc, add);
            }
        }
        else
        {
            if (bj == 1)
            {
                // C[0, :] (+)= Σ_p op(A)[0, p]·op(B)[p, :]
                Combination(n, k, a, ap, b, bp, 1, c, 1, add);
            }
            else
            {
                // Columns of op(B) are contiguous: C[0, j] (+)= ⟨op(A)[0, :], op(B)[:, j]⟩
                for (int j = 0; j < n; j++) Store(c + j, Dot(k, a, ap, b + j * bj, bp), add);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(T* c, T value, bool add) where T : unmanaged, IFloatingPointIeee754<T> =>
        *c = add ? *c + value : value;

    /// <summary>y[t·ys] (+)= α·x[t·xs] for t &lt; count.</summary>
    private static void Axpy<T>(int count, T alpha, T* x, nint xs, T* y, nint ys, bool add) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int t = 0;
        if (xs == 1 && ys == 1 && Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var va = new Vector<T>(alpha);
            for (; t <= count - Vector<T>.Count; t += Vector<T>.Count)
            {
                var product = va * Vector.Load(x + t);
                (add ? Vector.Load(y + t) + product : product).Store(y + t);
            }
        }
        for (; t < count; t++) Store(y + t * ys, alpha * x[t * xs], add);
    }

    /// <summary>
    /// y[t·ys] (+)= Σ_p w[p·ws]·x[p·xp + t·xs] for t &lt; count: a linear combination of k vectors, each block of y kept
    /// in a register across all k terms (written once, not once per term) when x's entries are contiguous.
    /// </summary>
    private static void Combination<T>(int count, int k, T* w, nint ws, T* x, nint xp, nint xs, T* y, nint ys, bool add)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int t = 0;
        if (xs == 1 && Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            for (; t <= count - Vector<T>.Count; t += Vector<T>.Count)
            {
                var sum = Vector<T>.Zero;
                for (int p = 0; p < k; p++) sum += new Vector<T>(w[p * ws]) * Vector.Load(x + p * xp + t);
                if (ys == 1)
                {
                    (add ? Vector.Load(y + t) + sum : sum).Store(y + t);
                }
                else
                {
                    for (int e = 0; e < Vector<T>.Count; e++) Store(y + (t + e) * ys, sum[e], add);
                }
            }
        }
        for (; t < count; t++)
        {
            T sum = T.Zero;
            for (int p = 0; p < k; p++) sum += w[p * ws] * x[p * xp + t * xs];
            Store(y + t * ys, sum, add);
        }
    }

    /// <summary>Σ x[t]·y[t·ys] over t &lt; count, x contiguous.</summary>
    private static T Dot<T>(int count, T* x, T* y, nint ys) where T : unmanaged, IFloatingPointIeee754<T> => Dot(count, x, 1, y, ys);

    /// <summary>Σ x[t·xs]·y[t·ys] over t &lt; count.</summary>
    private static T Dot<T>(int count, T* x, nint xs, T* y, nint ys) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int t = 0;
        T sum = T.Zero;
        if (xs == 1 && ys == 1 && Vector.IsHardwareAccelerated && Vector<T>.IsSupported && count >= Vector<T>.Count)
        {
            var acc = Vector<T>.Zero;
            for (; t <= count - Vector<T>.Count; t += Vector<T>.Count) acc += Vector.Load(x + t) * Vector.Load(y + t);
            sum = Vector.Sum(acc);
        }
        for (; t < count; t++) sum += x[t * xs] * y[t * ys];
        return sum;
    }
}
