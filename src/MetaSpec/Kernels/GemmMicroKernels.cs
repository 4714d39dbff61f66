using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MetaSpec.Kernels;

// The register-tiled micro-kernels under Gemm. Each computes one tile
//     C[i, j] (+)= Σ_p a[i + p·aStep] · b[j + p·bStep],   0 ≤ i < rows ≤ Rows, 0 ≤ j < cols ≤ Columns, 0 ≤ p < kc,
// keeping the whole tile of C in vector registers for the length of the k loop: per k step it loads the
// Columns/lanes vectors of B once and broadcasts each of the rows values of A once, so every load feeds
// several FMAs. The row count is a type argument (TRows) and so is the vector count (TVectors): the JIT
// compiles one copy per shape with the unused rows and vectors removed, so an edge tile costs no more than
// its own work. (This file is regular on purpose: each kernel is the same pattern at a different width.)

/// <summary>One register-tiled micro-kernel of <see cref="Gemm"/>: an MR×NR tile of C from packed panels of A and B.</summary>
internal interface IGemmMicroKernel<T> where T : unmanaged
{
    /// <summary>The most rows of C one tile covers (MR).</summary>
    static abstract int Rows { get; }

    /// <summary>The most columns of C one tile covers (NR); packed B panels are this wide.</summary>
    static abstract int Columns { get; }

    /// <summary>
    /// C[i·ldc + j] = (add ? C[i·ldc + j] : 0) + Σ_p a[i + p·aStep]·b[j + p·bStep] for i &lt; rows, j &lt; cols, p &lt; kc.
    /// Reads b[j + p·bStep] for all j &lt; Columns (packed panels are zero-padded) but writes only the cols columns.
    /// </summary>
    static abstract unsafe void Tile(int rows, int cols, int kc, T* a, nint aStep, T* b, nint bStep, T* c, nint ldc, bool add);
}

/// <summary>A row count known to the JIT, so that each micro-kernel instantiation keeps only its own rows.</summary>
internal interface IRowCount
{
    static abstract int Value { get; }
}

internal readonly struct Rows1 : IRowCount { public static int Value => 1; }
internal readonly struct Rows2 : IRowCount { public static int Value => 2; }
internal readonly struct Rows3 : IRowCount { public static int Value => 3; }
internal readonly struct Rows4 : IRowCount { public static int Value => 4; }
internal readonly struct Rows5 : IRowCount { public static int Value => 5; }
internal readonly struct Rows6 : IRowCount { public static int Value => 6; }
internal readonly struct Rows7 : IRowCount { public static int Value => 7; }
internal readonly struct Rows8 : IRowCount { public static int Value => 8; }
internal readonly struct Rows9 : IRowCount { public static int Value => 9; }
internal readonly struct Rows10 : IRowCount { public static int Value => 10; }
internal readonly struct Rows11 : IRowCount { public static int Value => 11; }
internal readonly struct Rows12 : IRowCount { public static int Value => 12; }
internal readonly struct Rows13 : IRowCount { public static int Value => 13; }
internal readonly struct Rows14 : IRowCount { public static int Value => 14; }

/// <summary>How many vectors wide a tile is, known to the JIT like <see cref="IRowCount"/>.</summary>
internal interface IVectorCount
{
    static abstract bool IsTwo { get; }
}

internal readonly struct One : IVectorCount { public static bool IsTwo => false; }
internal readonly struct Two : IVectorCount { public static bool IsTwo => true; }

/// <summary>AVX-512F: 14 rows × 2 vectors of 512 bits (28 accumulators, 2 B vectors and the broadcast A value in the 32 zmm registers).</summary>
internal readonly struct Avx512MicroKernel<T> : IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static int Lanes => Vector512<T>.Count;

    public static bool IsSupported => Avx512F.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    public static int Rows => 14;

    public static int Columns => 2 * Vector512<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Tile(int rows, int cols, int kc, T* a, nint aStep, T* b, nint bStep, T* c, nint ldc, bool add)
    {
        // Up to one vector of columns: a one-vector kernel, half the work. The last vector is stored under a mask
        // when the tile is short, so partial tiles need no scratch copy.
        if (cols > Lanes)
            Dispatch<Two>(rows, kc, a, aStep, b, bStep, c, ldc, add, cols < Columns, Mask(cols - Lanes));
        else
            Dispatch<One>(rows, kc, a, aStep, b, bStep, c, ldc, add, cols < Lanes, Mask(cols));
    }

    private static unsafe void Dispatch<TVectors>(int rows, int kc, T* a, nint aStep, T* b, nint bStep, T* c, nint ldc, bool add, bool partial, Vector512<T> mask)
        where TVectors : struct, IVectorCount
    {
        switch (rows)
        {
            case 14: Kernel<Rows14, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 13: Kernel<Rows13, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 12: Kernel<Rows12, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 11: Kernel<Rows11, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 10: Kernel<Rows10, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 9: Kernel<Rows9, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 8: Kernel<Rows8, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 7: Kernel<Rows7, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 6: Kernel<Rows6, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 5: Kernel<Rows5, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 4: Kernel<Rows4, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 3: Kernel<Rows3, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 2: Kernel<Rows2, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 1: Kernel<Rows1, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            default: throw new ArgumentOutOfRangeException(nameof(rows));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel<TRows, TVectors>(int kc, T* a, nint aStep, T* b, nint bStep, T* c, nint ldc, bool add, bool partial, Vector512<T> mask)
        where TRows : struct, IRowCount
        where TVectors : struct, IVectorCount
    {
        int rows = TRows.Value;
        bool two = TVectors.IsTwo;
        // Start fetching this tile of C now, so that it is in cache when the k loop ends; without this
        // every tile ends waiting on up to 2·rows cache misses (measured 2-3% at 1024² and 2048²).
        Prefetch(c + 0 * ldc, two);
        if (rows > 1) Prefetch(c + 1 * ldc, two);
        if (rows > 2) Prefetch(c + 2 * ldc, two);
        if (rows > 3) Prefetch(c + 3 * ldc, two);
        if (rows > 4) Prefetch(c + 4 * ldc, two);
        if (rows > 5) Prefetch(c + 5 * ldc, two);
        if (rows > 6) Prefetch(c + 6 * ldc, two);
        if (rows > 7) Prefetch(c + 7 * ldc, two);
        if (rows > 8) Prefetch(c + 8 * ldc, two);
        if (rows > 9) Prefetch(c + 9 * ldc, two);
        if (rows > 10) Prefetch(c + 10 * ldc, two);
        if (rows > 11) Prefetch(c + 11 * ldc, two);
        if (rows > 12) Prefetch(c + 12 * ldc, two);
        if (rows > 13) Prefetch(c + 13 * ldc, two);
        Vector512<T> c0a = default, c0b = default;
        Vector512<T> c1a = default, c1b = default;
        Vector512<T> c2a = default, c2b = default;
        Vector512<T> c3a = default, c3b = default;
        Vector512<T> c4a = default, c4b = default;
        Vector512<T> c5a = default, c5b = default;
        Vector512<T> c6a = default, c6b = default;
        Vector512<T> c7a = default, c7b = default;
        Vector512<T> c8a = default, c8b = default;
        Vector512<T> c9a = default, c9b = default;
        Vector512<T> c10a = default, c10b = default;
        Vector512<T> c11a = default, c11b = default;
        Vector512<T> c12a = default, c12b = default;
        Vector512<T> c13a = default, c13b = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<T> ba = Vector512.Load(b), bb = two ? Vector512.Load(b + Lanes) : default;
            { var x = Vector512.Create(a[0]); c0a = MultiplyAdd(x, ba, c0a); if (two) c0b = MultiplyAdd(x, bb, c0b); }
            if (rows > 1) { var x = Vector512.Create(a[1]); c1a = MultiplyAdd(x, ba, c1a); if (two) c1b = MultiplyAdd(x, bb, c1b); }
            if (rows > 2) { var x = Vector512.Create(a[2]); c2a = MultiplyAdd(x, ba, c2a); if (two) c2b = MultiplyAdd(x, bb, c2b); }
            if (rows > 3) { var x = Vector512.Create(a[3]); c3a = MultiplyAdd(x, ba, c3a); if (two) c3b = MultiplyAdd(x, bb, c3b); }
            if (rows > 4) { var x = Vector512.Create(a[4]); c4a = MultiplyAdd(x, ba, c4a); if (two) c4b = MultiplyAdd(x, bb, c4b); }
            if (rows > 5) { var x = Vector512.Create(a[5]); c5a = MultiplyAdd(x, ba, c5a); if (two) c5b = MultiplyAdd(x, bb, c5b); }
            if (rows > 6) { var x = Vector512.Create(a[6]); c6a = MultiplyAdd(x, ba, c6a); if (two) c6b = MultiplyAdd(x, bb, c6b); }
            if (rows > 7) { var x = Vector512.Create(a[7]); c7a = MultiplyAdd(x, ba, c7a); if (two) c7b = MultiplyAdd(x, bb, c7b); }
            if (rows > 8) { var x = Vector512.Create(a[8]); c8a = MultiplyAdd(x, ba, c8a); if (two) c8b = MultiplyAdd(x, bb, c8b); }
            if (rows > 9) { var x = Vector512.Create(a[9]); c9a = MultiplyAdd(x, ba, c9a); if (two) c9b = MultiplyAdd(x, bb, c9b); }
            if (rows > 10) { var x = Vector512.Create(a[10]); c10a = MultiplyAdd(x, ba, c10a); if (two) c10b = MultiplyAdd(x, bb, c10b); }
            if (rows > 11) { var x = Vector512.Create(a[11]); c11a = MultiplyAdd(x, ba, c11a); if (two) c11b = MultiplyAdd(x, bb, c11b); }
            if (rows > 12) { var x = Vector512.Create(a[12]); c12a = MultiplyAdd(x, ba, c12a); if (two) c12b = MultiplyAdd(x, bb, c12b); }
            if (rows > 13) { var x = Vector512.Create(a[13]); c13a = MultiplyAdd(x, ba, c13a); if (two) c13b = MultiplyAdd(x, bb, c13b); }
            a += aStep;
            b += bStep;
        }
        StoreRow(c + 0 * ldc, c0a, c0b, two, add, partial, mask);
        if (rows > 1) StoreRow(c + 1 * ldc, c1a, c1b, two, add, partial, mask);
        if (rows > 2) StoreRow(c + 2 * ldc, c2a, c2b, two, add, partial, mask);
        if (rows > 3) StoreRow(c + 3 * ldc, c3a, c3b, two, add, partial, mask);
        if (rows > 4) StoreRow(c + 4 * ldc, c4a, c4b, two, add, partial, mask);
        if (rows > 5) StoreRow(c + 5 * ldc, c5a, c5b, two, add, partial, mask);
        if (rows > 6) StoreRow(c + 6 * ldc, c6a, c6b, two, add, partial, mask);
        if (rows > 7) StoreRow(c + 7 * ldc, c7a, c7b, two, add, partial, mask);
        if (rows > 8) StoreRow(c + 8 * ldc, c8a, c8b, two, add, partial, mask);
        if (rows > 9) StoreRow(c + 9 * ldc, c9a, c9b, two, add, partial, mask);
        if (rows > 10) StoreRow(c + 10 * ldc, c10a, c10b, two, add, partial, mask);
        if (rows > 11) StoreRow(c + 11 * ldc, c11a, c11b, two, add, partial, mask);
        if (rows > 12) StoreRow(c + 12 * ldc, c12a, c12b, two, add, partial, mask);
        if (rows > 13) StoreRow(c + 13 * ldc, c13a, c13b, two, add, partial, mask);
    }

    /// <summary>Writes (or adds) one row of the tile: x is whole, y (when two) or x (when not) is masked if partial.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(T* c, Vector512<T> x, Vector512<T> y, bool two, bool add, bool partial, Vector512<T> mask)
    {
        if (two)
        {
            if (add) x += Vector512.Load(c);
            x.Store(c);
            c += Lanes;
            x = y;
        }
        if (partial)
        {
            if (add) x += MaskLoad(c, mask);
            MaskStore(c, mask, x);
        }
        else
        {
            if (add) x += Vector512.Load(c);
            x.Store(c);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(T* row, bool two)
    {
        Sse.Prefetch0(row);
        Sse.Prefetch0((byte*)(row + (two ? Columns : Lanes)) - 1);
    }

    /// <summary>All lanes below <paramref name="count"/> set.</summary>
    private static Vector512<T> Mask(int count)
    {
        if (typeof(T) == typeof(float))
            return Vector512.LessThan(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(count)).As<int, T>();
        return Vector512.LessThan(Vector512.Create(0L, 1, 2, 3, 4, 5, 6, 7), Vector512.Create((long)count)).As<long, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<T> MaskLoad(T* source, Vector512<T> mask)
    {
        if (typeof(T) == typeof(float))
            return Avx512F.MaskLoad((float*)source, mask.AsSingle(), Vector512<float>.Zero).As<float, T>();
        return Avx512F.MaskLoad((double*)source, mask.AsDouble(), Vector512<double>.Zero).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void MaskStore(T* destination, Vector512<T> mask, Vector512<T> value)
    {
        if (typeof(T) == typeof(float))
            Avx512F.MaskStore((float*)destination, mask.AsSingle(), value.AsSingle());
        else
            Avx512F.MaskStore((double*)destination, mask.AsDouble(), value.AsDouble());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> MultiplyAdd(Vector512<T> x, Vector512<T> y, Vector512<T> sum)
    {
        if (typeof(T) == typeof(float))
            return Avx512F.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), sum.AsSingle()).As<float, T>();
        return Avx512F.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), sum.AsDouble()).As<double, T>();
    }
}

/// <summary>AVX2 + FMA: 6 rows × 2 vectors of 256 bits (12 accumulators, 2 B vectors and the broadcast A value in the 16 ymm registers).</summary>
internal readonly struct Avx2MicroKernel<T> : IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static int Lanes => Vector256<T>.Count;

    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    public static int Rows => 6;

    public static int Columns => 2 * Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Tile(int rows, int cols, int kc, T* a, nint aStep, T* b, nint bStep, T* c, nint ldc, bool add)
    {
        // Up to one vector of columns: a one-vector kernel, half the work. The last vector is stored under a mask
        // when the tile is short, so partial tiles need no scratch copy.
        if (cols > Lanes)
            Dispatch<Two>(rows, kc, a, aStep, b, bStep, c, ldc, add, cols < Columns, Mask(cols - Lanes));
        else
            Dispatch<One>(rows, kc, a, aStep, b, bStep, c, ldc, add, cols < Lanes, Mask(cols));
    }

    private static unsafe void Dispatch<TVectors>(int rows, int kc, T* a, nint aStep, T* b, nint bStep, T* c, nint ldc, bool add, bool partial, Vector256<T> mask)
        where TVectors : struct, IVectorCount
    {
        switch (rows)
        {
            case 6: Kernel<Rows6, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 5: Kernel<Rows5, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 4: Kernel<Rows4, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 3: Kernel<Rows3, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 2: Kernel<Rows2, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            case 1: Kernel<Rows1, TVectors>(kc, a, aStep, b, bStep, c, ldc, add, partial, mask); break;
            default: throw new ArgumentOutOfRangeException(nameof(rows));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel<TRows, TVectors>(int kc, T* a, nint aStep, T* b, nint bStep, T* c, nint ldc, bool add, bool partial, Vector256<T> mask)
        where TRows : struct, IRowCount
        where TVectors : struct, IVectorCount
    {
        int rows = TRows.Value;
        bool two = TVectors.IsTwo;
        // Start fetching this tile of C now, so that it is in cache when the k loop ends; without this
        // every tile ends waiting on up to 2·rows cache misses (measured 2-3% at 1024² and 2048²).
        Prefetch(c + 0 * ldc, two);
        if (rows > 1) Prefetch(c + 1 * ldc, two);
        if (rows > 2) Prefetch(c + 2 * ldc, two);
        if (rows > 3) Prefetch(c + 3 * ldc, two);
        if (rows > 4) Prefetch(c + 4 * ldc, two);
        if (rows > 5) Prefetch(c + 5 * ldc, two);
        Vector256<T> c0a = default, c0b = default;
        Vector256<T> c1a = default, c1b = default;
        Vector256<T> c2a = default, c2b = default;
        Vector256<T> c3a = default, c3b = default;
        Vector256<T> c4a = default, c4b = default;
        Vector256<T> c5a = default, c5b = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<T> ba = Vector256.Load(b), bb = two ? Vector256.Load(b + Lanes) : default;
            { var x = Vector256.Create(a[0]); c0a = MultiplyAdd(x, ba, c0a); if (two) c0b = MultiplyAdd(x, bb, c0b); }
            if (rows > 1) { var x = Vector256.Create(a[1]); c1a = MultiplyAdd(x, ba, c1a); if (two) c1b = MultiplyAdd(x, bb, c1b); }
            if (rows > 2) { var x = Vector256.Create(a[2]); c2a = MultiplyAdd(x, ba, c2a); if (two) c2b = MultiplyAdd(x, bb, c2b); }
            if (rows > 3) { var x = Vector256.Create(a[3]); c3a = MultiplyAdd(x, ba, c3a); if (two) c3b = MultiplyAdd(x, bb, c3b); }
            if (rows > 4) { var x = Vector256.Create(a[4]); c4a = MultiplyAdd(x, ba, c4a); if (two) c4b = MultiplyAdd(x, bb, c4b); }
            if (rows > 5) { var x = Vector256.Create(a[5]); c5a = MultiplyAdd(x, ba, c5a); if (two) c5b = MultiplyAdd(x, bb, c5b); }
            a += aStep;
            b += bStep;
        }
        StoreRow(c + 0 * ldc, c0a, c0b, two, add, partial, mask);
        if (rows > 1) StoreRow(c + 1 * ldc, c1a, c1b, two, add, partial, mask);
        if (rows > 2) StoreRow(c + 2 * ldc, c2a, c2b, two, add, partial, mask);
        if (rows > 3) StoreRow(c + 3 * ldc, c3a, c3b, two, add, partial, mask);
        if (rows > 4) StoreRow(c + 4 * ldc, c4a, c4b, two, add, partial, mask);
        if (rows > 5) StoreRow(c + 5 * ldc, c5a, c5b, two, add, partial, mask);
    }

    /// <summary>Writes (or adds) one row of the tile: x is whole, y (when two) or x (when not) is masked if partial.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(T* c, Vector256<T> x, Vector256<T> y, bool two, bool add, bool partial, Vector256<T> mask)
    {
        if (two)
        {
            if (add) x += Vector256.Load(c);
            x.Store(c);
            c += Lanes;
            x = y;
        }
        if (partial)
        {
            if (add) x += MaskLoad(c, mask);
            MaskStore(c, mask, x);
        }
        else
        {
            if (add) x += Vector256.Load(c);
            x.Store(c);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(T* row, bool two)
    {
        Sse.Prefetch0(row);
        Sse.Prefetch0((byte*)(row + (two ? Columns : Lanes)) - 1);
    }

    /// <summary>All lanes below <paramref name="count"/> set.</summary>
    private static Vector256<T> Mask(int count)
    {
        if (typeof(T) == typeof(float))
            return Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(count)).As<int, T>();
        return Vector256.LessThan(Vector256.Create(0L, 1, 2, 3), Vector256.Create((long)count)).As<long, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<T> MaskLoad(T* source, Vector256<T> mask)
    {
        if (typeof(T) == typeof(float))
            return Avx.MaskLoad((float*)source, mask.AsSingle()).As<float, T>();
        return Avx.MaskLoad((double*)source, mask.AsDouble()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void MaskStore(T* destination, Vector256<T> mask, Vector256<T> value)
    {
        if (typeof(T) == typeof(float))
            Avx.MaskStore((float*)destination, mask.AsSingle(), value.AsSingle());
        else
            Avx.MaskStore((double*)destination, mask.AsDouble(), value.AsDouble());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> MultiplyAdd(Vector256<T> x, Vector256<T> y, Vector256<T> sum)
    {
        if (typeof(T) == typeof(float))
            return Fma.MultiplyAdd(x.AsSingle(), y.AsSingle(), sum.AsSingle()).As<float, T>();
        return Fma.MultiplyAdd(x.AsDouble(), y.AsDouble(), sum.AsDouble()).As<double, T>();
    }
}

/// <summary>
/// Any hardware with <see cref="Vector{T}"/> (NEON, SSE, or software): 4 rows × 2 vectors. Multiply and add stay
/// separate because a fused multiply-add is emulated, and slow, where the hardware lacks it.
/// </summary>
internal readonly struct VectorMicroKernel<T> : IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static int Lanes => Vector<T>.Count;

    public static bool IsSupported => Vector<T>.IsSupported;

    public static int Rows => 4;

    public static int Columns => 2 * Vector<T>.Count;

    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void Tile(int rows, int cols, int kc, T* a, nint aStep, T* b, nint bStep, T* c, nint ldc, bool add)
    {
        if (cols == Columns)
        {
            Dispatch(rows, kc, a, aStep, b, bStep, c, ldc, add);
            return;
        }
        // A partial tile: compute it whole into scratch, then copy (or add) the real columns.
        T* tile = stackalloc T[4 * Columns];
        Dispatch(rows, kc, a, aStep, b, bStep, tile, Columns, add: false);
        for (int r = 0; r < rows; r++)
        {
            T* from = tile + r * Columns, to = c + r * ldc;
            for (int x = 0; x < cols; x++) to[x] = add ? to[x] + from[x] : from[x];
        }
    }

    private static unsafe void Dispatch(int rows, int kc, T* a, nint aStep, T* b, nint bStep, T* c, nint ldc, bool add)
    {
        switch (rows)
        {
            case 4: Kernel<Rows4>(kc, a, aStep, b, bStep, c, ldc, add); break;
            case 3: Kernel<Rows3>(kc, a, aStep, b, bStep, c, ldc, add); break;
            case 2: Kernel<Rows2>(kc, a, aStep, b, bStep, c, ldc, add); break;
            case 1: Kernel<Rows1>(kc, a, aStep, b, bStep, c, ldc, add); break;
            default: throw new ArgumentOutOfRangeException(nameof(rows));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel<TRows>(int kc, T* a, nint aStep, T* b, nint bStep, T* c, nint ldc, bool add)
        where TRows : struct, IRowCount
    {
        int rows = TRows.Value;
        Vector<T> c0a = default, c0b = default;
        Vector<T> c1a = default, c1b = default;
        Vector<T> c2a = default, c2b = default;
        Vector<T> c3a = default, c3b = default;
        for (int p = 0; p < kc; p++)
        {
            Vector<T> ba = Vector.Load(b), bb = Vector.Load(b + Lanes);
            { var x = new Vector<T>(a[0]); c0a += x * ba; c0b += x * bb; }
            if (rows > 1) { var x = new Vector<T>(a[1]); c1a += x * ba; c1b += x * bb; }
            if (rows > 2) { var x = new Vector<T>(a[2]); c2a += x * ba; c2b += x * bb; }
            if (rows > 3) { var x = new Vector<T>(a[3]); c3a += x * ba; c3b += x * bb; }
            a += aStep;
            b += bStep;
        }
        StoreRow(c + 0 * ldc, c0a, c0b, add);
        if (rows > 1) StoreRow(c + 1 * ldc, c1a, c1b, add);
        if (rows > 2) StoreRow(c + 2 * ldc, c2a, c2b, add);
        if (rows > 3) StoreRow(c + 3 * ldc, c3a, c3b, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(T* c, Vector<T> x, Vector<T> y, bool add)
    {
        if (add)
        {
            x += Vector.Load(c);
            y += Vector.Load(c + Lanes);
        }
        x.Store(c);
        y.Store(c + Lanes);
    }
}

/// <summary>Scalar fallback for element types without vector support (e.g. <see cref="Half"/>): 4 rows × 4 columns.</summary>
internal readonly struct ScalarMicroKernel<T> : IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Rows => 4;

    public static int Columns => 4;

    [SkipLocalsInit]
    public static unsafe void Tile(int rows, int cols, int kc, T* a, nint aStep, T* b, nint bStep, T* c, nint ldc, bool add)
    {
        if (cols == Columns)
        {
            Dispatch(rows, kc, a, aStep, b, bStep, c, ldc, add);
            return;
        }
        // A partial tile: compute it whole into scratch, then copy (or add) the real columns.
        T* tile = stackalloc T[4 * Columns];
        Dispatch(rows, kc, a, aStep, b, bStep, tile, Columns, add: false);
        for (int r = 0; r < rows; r++)
        {
            T* from = tile + r * Columns, to = c + r * ldc;
            for (int x = 0; x < cols; x++) to[x] = add ? to[x] + from[x] : from[x];
        }
    }

    private static unsafe void Dispatch(int rows, int kc, T* a, nint aStep, T* b, nint bStep, T* c, nint ldc, bool add)
    {
        switch (rows)
        {
            case 4: Kernel<Rows4>(kc, a, aStep, b, bStep, c, ldc, add); break;
            case 3: Kernel<Rows3>(kc, a, aStep, b, bStep, c, ldc, add); break;
            case 2: Kernel<Rows2>(kc, a, aStep, b, bStep, c, ldc, add); break;
            case 1: Kernel<Rows1>(kc, a, aStep, b, bStep, c, ldc, add); break;
            default: throw new ArgumentOutOfRangeException(nameof(rows));
        }
    }

    private static unsafe void Kernel<TRows>(int kc, T* a, nint aStep, T* b, nint bStep, T* c, nint ldc, bool add)
        where TRows : struct, IRowCount
    {
        int rows = TRows.Value;
        T c00 = T.Zero, c01 = T.Zero, c02 = T.Zero, c03 = T.Zero;
        T c10 = T.Zero, c11 = T.Zero, c12 = T.Zero, c13 = T.Zero;
        T c20 = T.Zero, c21 = T.Zero, c22 = T.Zero, c23 = T.Zero;
        T c30 = T.Zero, c31 = T.Zero, c32 = T.Zero, c33 = T.Zero;
        for (int p = 0; p < kc; p++)
        {
            T b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            { T x = a[0]; c00 += x * b0; c01 += x * b1; c02 += x * b2; c03 += x * b3; }
            if (rows > 1) { T x = a[1]; c10 += x * b0; c11 += x * b1; c12 += x * b2; c13 += x * b3; }
            if (rows > 2) { T x = a[2]; c20 += x * b0; c21 += x * b1; c22 += x * b2; c23 += x * b3; }
            if (rows > 3) { T x = a[3]; c30 += x * b0; c31 += x * b1; c32 += x * b2; c33 += x * b3; }
            a += aStep;
            b += bStep;
        }
        StoreRow(c + 0 * ldc, c00, c01, c02, c03, add);
        if (rows > 1) StoreRow(c + 1 * ldc, c10, c11, c12, c13, add);
        if (rows > 2) StoreRow(c + 2 * ldc, c20, c21, c22, c23, add);
        if (rows > 3) StoreRow(c + 3 * ldc, c30, c31, c32, c33, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(T* c, T x0, T x1, T x2, T x3, bool add)
    {
        if (add)
        {
            x0 += c[0];
            x1 += c[1];
            x2 += c[2];
            x3 += c[3];
        }
        c[0] = x0;
        c[1] = x1;
        c[2] = x2;
        c[3] = x3;
    }
}
