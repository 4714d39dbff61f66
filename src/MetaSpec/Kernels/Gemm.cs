using System.Numerics;
using System.Numerics.Tensors;

namespace MetaSpec.Kernels;

/// <summary>General matrix multiply on row-major spans.</summary>
public static class Gemm
{
    /// <summary>
    /// C = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>, where op(X) = Xᵀ when the
    /// matching transpose flag is set. op(A) is m×k, op(B) is k×n, C is m×n; all row-major with leading
    /// dimensions <paramref name="lda"/>, <paramref name="ldb"/>, <paramref name="ldc"/>.
    /// </summary>
    public static void Multiply<T>(bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate(transposeA, transposeB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        if (!accumulate)
            for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
        if (k == 0) return;

        if (!transposeB)
        {
            // C[i,:] += Σ_p op(A)[i,p] · B[p,:]: contiguous rows of B and C, vectorised axpy.
            for (int i = 0; i < m; i++)
            {
                Span<T> ci = c.Slice(i * ldc, n);
                for (int p = 0; p < k; p++)
                {
                    T aip = transposeA ? a[p * lda + i] : a[i * lda + p];
                    if (aip == T.Zero) continue;
                    TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), aip, ci, ci);
                }
            }
        }
        else if (!transposeA)
        {
            // C[i,j] += A[i,:] · B[j,:]: both rows contiguous, vectorised dot product.
            for (int i = 0; i < m; i++)
            {
                ReadOnlySpan<T> ai = a.Slice(i * lda, k);
                for (int j = 0; j < n; j++)
                    c[i * ldc + j] += TensorPrimitives.Dot(ai, b.Slice(j * ldb, k));
            }
        }
        else
        {
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    T sum = T.Zero;
                    for (int p = 0; p < k; p++) sum += a[p * lda + i] * b[j * ldb + p];
                    c[i * ldc + j] += sum;
                }
        }
    }

    internal static void Validate(bool transposeA, bool transposeB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        if (m < 0 || n < 0 || k < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"Matrix sizes must be non-negative, got m={m}, n={n}, k={k}.");
        int aRows = transposeA ? k : m, aCols = transposeA ? m : k;
        int bRows = transposeB ? n : k, bCols = transposeB ? k : n;
        Check("A", aRows, aCols, aLength, lda);
        Check("B", bRows, bCols, bLength, ldb);
        Check("C", m, n, cLength, ldc);

        static void Check(string name, int rows, int cols, int length, int ld)
        {
            if (ld < Math.Max(1, cols))
                throw new ArgumentOutOfRangeException(nameof(ld), $"Leading dimension of {name} is {ld}, smaller than its {cols} columns.");
            if (rows > 0 && cols > 0 && (long)(rows - 1) * ld + cols > length)
                throw new ArgumentException($"{name} is {rows}×{cols} with leading dimension {ld} and needs {(long)(rows - 1) * ld + cols} values, but its span holds {length}.", name);
        }
    }
}
