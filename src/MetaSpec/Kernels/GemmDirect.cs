using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MetaSpec.Kernels;

/// <summary>
/// The small-matrix path of <see cref="Gemm"/>: C (+)= op(A)·op(B) straight from the caller's A, without packing.
/// For the small products of an MLP (25×40×40, or 10×1×40 for a one-output head) packing op(A) and padding to
/// whole 14×32 tiles would cost as much as the arithmetic; here op(A) is read in place by broadcasts and C is tiled
/// 6 rows × 16 floats (8 doubles) with the columns of the last tile masked, so no work is spent on padding.
/// op(B) is read in place when its rows run along n and transposed into a scratch buffer first otherwise.
/// </summary>
internal static unsafe class GemmDirect
{
    /// <summary>Rows of C per tile.</summary>
    public const int Rows = 6;

    /// <summary>Columns of C per tile: two 256-bit vectors.</summary>
    public static int Columns<T>() where T : unmanaged => 2 * Vector256<T>.Count;

    private static int Lanes<T>() where T : unmanaged => Vector256<T>.Count;

    /// <summary>Whether this path runs <typeparamref name="T"/> on this machine (AVX2 and FMA, float or double).</summary>
    public static bool IsSupported<T>() where T : unmanaged =>
        Avx2.IsSupported && Fma.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    /// <summary>
    /// C[i·ldc + j] = (add ? C[i·ldc + j] : 0) + Σ_p a[i·aRowStride + p·aStep]·b[p·ldb + j], for i &lt; m, j &lt; n, p &lt; k.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply<T>(int m, int n, int k, T* a, nint aRowStride, nint aStep, T* b, nint ldb, T* c, nint ldc, bool add)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lanes = Lanes<T>(), width = 2 * lanes;
        for (int j = 0; j < n; j += width)
        {
            int cols = Math.Min(width, n - j);
            // The last vector of the tile covers the columns past the first `lanes`; masked where the tile is short.
            Vector256<T> mask = ColumnMask<T>(cols > lanes ? cols - lanes : cols);
            for (int i = 0; i < m; i += Rows)
            {
                int rows = Math.Min(Rows, m - i);
                T* ai = a + i * aRowStride, bj = b + j, cij = c + i * ldc + j;
                if (cols == width)
                    Tile<T, TwoWhole>(rows, k, ai, aRowStride, aStep, bj, ldb, cij, ldc, add, mask);
                else if (cols > lanes)
                    Tile<T, Two>(rows, k, ai, aRowStride, aStep, bj, ldb, cij, ldc, add, mask);
                else if (cols == lanes)
                    Tile<T, OneWhole>(rows, k, ai, aRowStride, aStep, bj, ldb, cij, ldc, add, mask);
                else
                    Tile<T, One>(rows, k, ai, aRowStride, aStep, bj, ldb, cij, ldc, add, mask);
            }
        }
    }

    private static Vector256<T> ColumnMask<T>(int count) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(count)).As<int, T>();
        return Vector256.LessThan(Vector256.Create(0L, 1, 2, 3), Vector256.Create((long)count)).As<long, T>();
    }

    /// <summary>
    /// How many vectors wide a tile is, and whether its last vector is whole, known to the JIT like <see cref="IRowCount"/>.
    /// Whole tiles use plain loads and stores: AVX's masked moves cost several times more (measured on AMD Zen 5,
    /// where the 10×40×40 products of the sinusoid MLP, whose last tile is 8 floats wide, ran 1.3× faster without them).
    /// </summary>
    private interface IVectorCount
    {
        static abstract bool IsTwo { get; }

        static abstract bool IsWhole { get; }
    }

    private readonly struct One : IVectorCount
    {
        public static bool IsTwo => false;
        public static bool IsWhole => false;
    }

    private readonly struct Two : IVectorCount
    {
        public static bool IsTwo => true;
        public static bool IsWhole => false;
    }

    private readonly struct OneWhole : IVectorCount
    {
        public static bool IsTwo => false;
        public static bool IsWhole => true;
    }

    private readonly struct TwoWhole : IVectorCount
    {
        public static bool IsTwo => true;
        public static bool IsWhole => true;
    }

    private static void Tile<T, TVectors>(int rows, int k, T* a, nint aRowStride, nint aStep, T* b, nint ldb, T* c, nint ldc, bool add, Vector256<T> mask)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TVectors : struct, IVectorCount
    {
        switch (rows)
        {
            case 6: Kernel<T, TVectors, Rows6>(k, a, aRowStride, aStep, b, ldb, c, ldc, add, mask); break;
            case 5: Kernel<T, TVectors, Rows5>(k, a, aRowStride, aStep, b, ldb, c, ldc, add, mask); break;
            case 4: Kernel<T, TVectors, Rows4>(k, a, aRowStride, aStep, b, ldb, c, ldc, add, mask); break;
            case 3: Kernel<T, TVectors, Rows3>(k, a, aRowStride, aStep, b, ldb, c, ldc, add, mask); break;
            case 2: Kernel<T, TVectors, Rows2>(k, a, aRowStride, aStep, b, ldb, c, ldc, add, mask); break;
            default: Kernel<T, TVectors, Rows1>(k, a, aRowStride, aStep, b, ldb, c, ldc, add, mask); break;
        }
    }

    /// <summary>
    /// One tile of up to 6 rows × (1 or 2 vectors) of C, accumulated in registers over all k. The last vector's
    /// loads and stores are masked, so a row of B or C is never touched past column n.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel<T, TVectors, TRows>(int k, T* a, nint aRowStride, nint aStep, T* b, nint ldb, T* c, nint ldc, bool add, Vector256<T> mask)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TVectors : struct, IVectorCount
        where TRows : struct, IRowCount
    {
        int rows = TRows.Value, lanes = Lanes<T>();
        bool two = TVectors.IsTwo;
        T* a0 = a, a1 = a + aRowStride, a2 = a + 2 * aRowStride, a3 = a + 3 * aRowStride, a4 = a + 4 * aRowStride, a5 = a + 5 * aRowStride;
        Vector256<T> c0a = default, c0b = default, c1a = default, c1b = default, c2a = default, c2b = default;
        Vector256<T> c3a = default, c3b = default, c4a = default, c4b = default, c5a = default, c5b = default;
        for (int p = 0; p < k; p++)
        {
            // With two vectors the first is whole and the second masked; with one, that one is masked.
            Vector256<T> ba = two || TVectors.IsWhole ? Vector256.Load(b) : MaskLoad(b, mask);
            Vector256<T> bb = !two ? default : TVectors.IsWhole ? Vector256.Load(b + lanes) : MaskLoad(b + lanes, mask);
            { var x = Vector256.Create(*a0); c0a = MultiplyAdd(x, ba, c0a); if (two) c0b = MultiplyAdd(x, bb, c0b); }
            if (rows > 1) { var x = Vector256.Create(*a1); c1a = MultiplyAdd(x, ba, c1a); if (two) c1b = MultiplyAdd(x, bb, c1b); }
            if (rows > 2) { var x = Vector256.Create(*a2); c2a = MultiplyAdd(x, ba, c2a); if (two) c2b = MultiplyAdd(x, bb, c2b); }
            if (rows > 3) { var x = Vector256.Create(*a3); c3a = MultiplyAdd(x, ba, c3a); if (two) c3b = MultiplyAdd(x, bb, c3b); }
            if (rows > 4) { var x = Vector256.Create(*a4); c4a = MultiplyAdd(x, ba, c4a); if (two) c4b = MultiplyAdd(x, bb, c4b); }
            if (rows > 5) { var x = Vector256.Create(*a5); c5a = MultiplyAdd(x, ba, c5a); if (two) c5b = MultiplyAdd(x, bb, c5b); }
            a0 += aStep;
            a1 += aStep;
            a2 += aStep;
            a3 += aStep;
            a4 += aStep;
            a5 += aStep;
            b += ldb;
        }
        StoreRow<T, TVectors>(c, c0a, c0b, add, mask);
        if (rows > 1) StoreRow<T, TVectors>(c + ldc, c1a, c1b, add, mask);
        if (rows > 2) StoreRow<T, TVectors>(c + 2 * ldc, c2a, c2b, add, mask);
        if (rows > 3) StoreRow<T, TVectors>(c + 3 * ldc, c3a, c3b, add, mask);
        if (rows > 4) StoreRow<T, TVectors>(c + 4 * ldc, c4a, c4b, add, mask);
        if (rows > 5) StoreRow<T, TVectors>(c + 5 * ldc, c5a, c5b, add, mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T, TVectors>(T* c, Vector256<T> x, Vector256<T> y, bool add, Vector256<T> mask)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TVectors : struct, IVectorCount
    {
        if (TVectors.IsTwo && TVectors.IsWhole)
        {
            if (add)
            {
                x += Vector256.Load(c);
                y += Vector256.Load(c + Lanes<T>());
            }
            x.Store(c);
            y.Store(c + Lanes<T>());
        }
        else if (TVectors.IsTwo)
        {
            if (add)
            {
                x += Vector256.Load(c);
                y += MaskLoad(c + Lanes<T>(), mask);
            }
            x.Store(c);
            MaskStore(c + Lanes<T>(), mask, y);
        }
        else if (TVectors.IsWhole)
        {
            if (add) x += Vector256.Load(c);
            x.Store(c);
        }
        else
        {
            if (add) x += MaskLoad(c, mask);
            MaskStore(c, mask, x);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> MaskLoad<T>(T* source, Vector256<T> mask) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Avx.MaskLoad((float*)source, mask.AsSingle()).As<float, T>();
        return Avx.MaskLoad((double*)source, mask.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaskStore<T>(T* destination, Vector256<T> mask, Vector256<T> value) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            Avx.MaskStore((float*)destination, mask.AsSingle(), value.AsSingle());
        else
            Avx.MaskStore((double*)destination, mask.AsDouble(), value.AsDouble());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> MultiplyAdd<T>(Vector256<T> x, Vector256<T> y, Vector256<T> sum) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Fma.MultiplyAdd(x.AsSingle(), y.AsSingle(), sum.AsSingle()).As<float, T>();
        return Fma.MultiplyAdd(x.AsDouble(), y.AsDouble(), sum.AsDouble()).As<double, T>();
    }
}
