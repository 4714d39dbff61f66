using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MetaSpec.Kernels;

/// <summary>
/// <see cref="GemmDirect"/>'s unpacked small-matrix kernel on 512-bit vectors: tiles of 6 rows × 2 vectors (32 floats or
/// 16 doubles) straight from A and B, for the whole tiles only; the caller runs the columns left over on
/// <see cref="GemmDirect"/>'s 256-bit tiles. Twice the multiply-adds per instruction where the product has them
/// (the sinusoid MLP's 10×40×40 products: 32 of their 40 columns).
/// </summary>
internal static unsafe class GemmDirect512
{
    /// <summary>Rows of a tile.</summary>
    public const int Rows = 6;

    /// <summary>Columns of a tile: two 512-bit vectors.</summary>
    public static int Columns<T>() where T : unmanaged => 2 * Vector512<T>.Count;

    public static bool IsSupported<T>() where T : unmanaged =>
        Avx512F.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    /// <summary>
    /// C[0..m, 0..wide) (+)= op(A)·B over the first <c>wide</c> = n − n mod <see cref="Columns{T}"/> columns, with op(A)[i, p] at
    /// a[i·aRowStride + p·aStep] and B row-major; returns <c>wide</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Multiply<T>(int m, int n, int k, T* a, nint aRowStride, nint aStep, T* b, nint ldb, T* c, nint ldc, bool add)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Columns<T>(), wide = n - n % width;
        for (int j = 0; j < wide; j += width)
            for (int i = 0; i < m; i += Rows)
            {
                T* ai = a + i * aRowStride, bj = b + j, cij = c + i * ldc + j;
                switch (Math.Min(Rows, m - i))
                {
                    case 6: Kernel<T, Rows6>(k, ai, aRowStride, aStep, bj, ldb, cij, ldc, add); break;
                    case 5: Kernel<T, Rows5>(k, ai, aRowStride, aStep, bj, ldb, cij, ldc, add); break;
                    case 4: Kernel<T, Rows4>(k, ai, aRowStride, aStep, bj, ldb, cij, ldc, add); break;
                    case 3: Kernel<T, Rows3>(k, ai, aRowStride, aStep, bj, ldb, cij, ldc, add); break;
                    case 2: Kernel<T, Rows2>(k, ai, aRowStride, aStep, bj, ldb, cij, ldc, add); break;
                    default: Kernel<T, Rows1>(k, ai, aRowStride, aStep, bj, ldb, cij, ldc, add); break;
                }
            }
        return wide;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel<T, TRows>(int k, T* a, nint aRowStride, nint aStep, T* b, nint ldb, T* c, nint ldc, bool add)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRows : struct, IRowCount
    {
        int rows = TRows.Value, lanes = Vector512<T>.Count;
        T* a0 = a, a1 = a + aRowStride, a2 = a + 2 * aRowStride, a3 = a + 3 * aRowStride, a4 = a + 4 * aRowStride, a5 = a + 5 * aRowStride;
        Vector512<T> c0a = default, c0b = default, c1a = default, c1b = default, c2a = default, c2b = default;
        Vector512<T> c3a = default, c3b = default, c4a = default, c4b = default, c5a = default, c5b = default;
        for (int p = 0; p < k; p++)
        {
            var ba = Vector512.Load(b);
            var bb = Vector512.Load(b + lanes);
            { var x = Vector512.Create(*a0); c0a = MultiplyAdd(x, ba, c0a); c0b = MultiplyAdd(x, bb, c0b); }
            if (rows > 1) { var x = Vector512.Create(*a1); c1a = MultiplyAdd(x, ba, c1a); c1b = MultiplyAdd(x, bb, c1b); }
            if (rows > 2) { var x = Vector512.Create(*a2); c2a = MultiplyAdd(x, ba, c2a); c2b = MultiplyAdd(x, bb, c2b); }
            if (rows > 3) { var x = Vector512.Create(*a3); c3a = MultiplyAdd(x, ba, c3a); c3b = MultiplyAdd(x, bb, c3b); }
            if (rows > 4) { var x = Vector512.Create(*a4); c4a = MultiplyAdd(x, ba, c4a); c4b = MultiplyAdd(x, bb, c4b); }
            if (rows > 5) { var x = Vector512.Create(*a5); c5a = MultiplyAdd(x, ba, c5a); c5b = MultiplyAdd(x, bb, c5b); }
            a0 += aStep;
            a1 += aStep;
            a2 += aStep;
            a3 += aStep;
            a4 += aStep;
            a5 += aStep;
            b += ldb;
        }
        StoreRow(c, c0a, c0b, add);
        if (rows > 1) StoreRow(c + ldc, c1a, c1b, add);
        if (rows > 2) StoreRow(c + 2 * ldc, c2a, c2b, add);
        if (rows > 3) StoreRow(c + 3 * ldc, c3a, c3b, add);
        if (rows > 4) StoreRow(c + 4 * ldc, c4a, c4b, add);
        if (rows > 5) StoreRow(c + 5 * ldc, c5a, c5b, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T>(T* c, Vector512<T> x, Vector512<T> y, bool add) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (add)
        {
            x += Vector512.Load(c);
            y += Vector512.Load(c + Vector512<T>.Count);
        }
        x.Store(c);
        y.Store(c + Vector512<T>.Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> MultiplyAdd<T>(Vector512<T> x, Vector512<T> y, Vector512<T> sum) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Avx512F.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), sum.AsSingle()).As<float, T>();
        return Avx512F.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), sum.AsDouble()).As<double, T>();
    }
}
