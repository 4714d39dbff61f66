using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MetaSpec.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the panel layouts the <see cref="IGemmMicroKernel{T}"/>s read: a panel is
/// <c>width</c> values per k step, contiguous, so the k loop reads one stream with unit stride.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs op(A)[0..rows, 0..depth) (op(A)[i, p] = a[i·lda + p], or a[p·lda + i] when transposed) into panels of
    /// <paramref name="mr"/> rows: element (i, p) goes to dest[(i / mr)·mr·depth + p·mr + i % mr]. Rows past
    /// <paramref name="rows"/> in the last panel are left unwritten: the micro-kernel is told how many rows are real.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA<T>(bool transposed, T* a, nint lda, int rows, int depth, T* dest, int mr) where T : unmanaged
    {
        for (int q = 0; q < rows; q += mr, dest += (nint)mr * depth)
        {
            int panelRows = Math.Min(mr, rows - q);
            if (transposed)
                CopyRows(a + q, lda, depth, panelRows, dest, mr); // the mr values of one k step are contiguous in A
            else
                Transpose(a + q * lda, lda, panelRows, depth, dest, mr);
        }
    }

    /// <summary>
    /// Packs op(B)[0..depth, 0..cols) (op(B)[p, j] = b[p·ldb + j], or b[j·ldb + p] when transposed) into panels of
    /// <paramref name="nr"/> columns: element (p, j) goes to dest[(j / nr)·nr·depth + p·nr + j % nr], and columns past
    /// <paramref name="cols"/> in the last panel are zero (the micro-kernel always computes nr columns).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB<T>(bool transposed, T* b, nint ldb, int depth, int cols, T* dest, int nr) where T : unmanaged
    {
        for (int q = 0; q < cols; q += nr, dest += (nint)nr * depth)
        {
            int panelCols = Math.Min(nr, cols - q);
            if (transposed)
                Transpose(b + q * ldb, ldb, panelCols, depth, dest, nr);
            else
                CopyRows(b + q, ldb, depth, panelCols, dest, nr); // the nr values of one k step are contiguous in B
            if (panelCols < nr)
                for (int p = 0; p < depth; p++)
                    new Span<T>(dest + p * nr + panelCols, nr - panelCols).Clear();
        }
    }

    /// <summary>dest[r·destStride + x] = src[r·ld + x] for r &lt; count, x &lt; width.</summary>
    private static void CopyRows<T>(T* src, nint ld, int count, int width, T* dest, int destStride) where T : unmanaged
    {
        for (int r = 0; r < count; r++, src += ld, dest += destStride)
        {
            int x = 0;
            if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
                for (; x <= width - Vector256<T>.Count; x += Vector256<T>.Count)
                    Vector256.Load(src + x).Store(dest + x);
            for (; x < width; x++) dest[x] = src[x];
        }
    }

    /// <summary>
    /// dest[p·destStride + r] = src[r·ld + p] for r &lt; rows, p &lt; count: a transposing copy. Scalar, it costs a few
    /// cycles per value (each row is scattered over count cache lines); with AVX it moves 8×8 float (4×4 double)
    /// blocks through registers, a fraction of a cycle per value, which is what makes small products cheap.
    /// </summary>
    public static void Transpose<T>(T* src, nint ld, int rows, int count, T* dest, int destStride) where T : unmanaged
    {
        int p = 0;
        if (Avx.IsSupported && typeof(T) == typeof(float))
            p = TransposeBlocks8((float*)src, ld, rows, count, (float*)dest, destStride);
        else if (Avx.IsSupported && typeof(T) == typeof(double))
            p = TransposeBlocks4((double*)src, ld, rows, count, (double*)dest, destStride);
        for (int r = 0; r < rows; r++)
        {
            T* from = src + r * ld, to = dest + r;
            for (int s = p; s < count; s++) to[s * destStride] = from[s];
        }
    }

    /// <summary>The float transpose over whole groups of 8 columns of src; returns how many columns it did.</summary>
    private static int TransposeBlocks8(float* src, nint ld, int rows, int count, float* dest, int destStride)
    {
        int whole = count & ~7;
        for (int r0 = 0; r0 < rows; r0 += 8)
        {
            int n = Math.Min(8, rows - r0);
            // Rows past `rows` load as zero and are masked off when stored.
            Vector256<float> mask = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(n)).AsSingle();
            float* s = src + r0 * ld, d = dest + r0;
            for (int p = 0; p < whole; p += 8, s += 8, d += 8 * destStride)
            {
                var x0 = Avx.LoadVector256(s);
                var x1 = n > 1 ? Avx.LoadVector256(s + ld) : default;
                var x2 = n > 2 ? Avx.LoadVector256(s + 2 * ld) : default;
                var x3 = n > 3 ? Avx.LoadVector256(s + 3 * ld) : default;
                var x4 = n > 4 ? Avx.LoadVector256(s + 4 * ld) : default;
                var x5 = n > 5 ? Avx.LoadVector256(s + 5 * ld) : default;
                var x6 = n > 6 ? Avx.LoadVector256(s + 6 * ld) : default;
                var x7 = n > 7 ? Avx.LoadVector256(s + 7 * ld) : default;
                // Standard 8×8 transpose: interleave pairs, then quadruples, then swap 128-bit halves.
                var t0 = Avx.UnpackLow(x0, x1);
                var t1 = Avx.UnpackHigh(x0, x1);
                var t2 = Avx.UnpackLow(x2, x3);
                var t3 = Avx.UnpackHigh(x2, x3);
                var t4 = Avx.UnpackLow(x4, x5);
                var t5 = Avx.UnpackHigh(x4, x5);
                var t6 = Avx.UnpackLow(x6, x7);
                var t7 = Avx.UnpackHigh(x6, x7);
                var u0 = Avx.Shuffle(t0, t2, 0x44);
                var u1 = Avx.Shuffle(t0, t2, 0xEE);
                var u2 = Avx.Shuffle(t1, t3, 0x44);
                var u3 = Avx.Shuffle(t1, t3, 0xEE);
                var u4 = Avx.Shuffle(t4, t6, 0x44);
                var u5 = Avx.Shuffle(t4, t6, 0xEE);
                var u6 = Avx.Shuffle(t5, t7, 0x44);
                var u7 = Avx.Shuffle(t5, t7, 0xEE);
                Store(d, Avx.Permute2x128(u0, u4, 0x20), n, mask);
                Store(d + destStride, Avx.Permute2x128(u1, u5, 0x20), n, mask);
                Store(d + 2 * destStride, Avx.Permute2x128(u2, u6, 0x20), n, mask);
                Store(d + 3 * destStride, Avx.Permute2x128(u3, u7, 0x20), n, mask);
                Store(d + 4 * destStride, Avx.Permute2x128(u0, u4, 0x31), n, mask);
                Store(d + 5 * destStride, Avx.Permute2x128(u1, u5, 0x31), n, mask);
                Store(d + 6 * destStride, Avx.Permute2x128(u2, u6, 0x31), n, mask);
                Store(d + 7 * destStride, Avx.Permute2x128(u3, u7, 0x31), n, mask);
            }
        }
        return whole;

        static void Store(float* to, Vector256<float> value, int n, Vector256<float> mask)
        {
            if (n == 8) Avx.Store(to, value);
            else Avx.MaskStore(to, mask, value); // never write past the panel's row count into the next k step
        }
    }

    /// <summary>The double transpose over whole groups of 4 columns of src; returns how many columns it did.</summary>
    private static int TransposeBlocks4(double* src, nint ld, int rows, int count, double* dest, int destStride)
    {
        int whole = count & ~3;
        for (int r0 = 0; r0 < rows; r0 += 4)
        {
            int n = Math.Min(4, rows - r0);
            Vector256<double> mask = Vector256.LessThan(Vector256.Create(0L, 1, 2, 3), Vector256.Create((long)n)).AsDouble();
            double* s = src + r0 * ld, d = dest + r0;
            for (int p = 0; p < whole; p += 4, s += 4, d += 4 * destStride)
            {
                var x0 = Avx.LoadVector256(s);
                var x1 = n > 1 ? Avx.LoadVector256(s + ld) : default;
                var x2 = n > 2 ? Avx.LoadVector256(s + 2 * ld) : default;
                var x3 = n > 3 ? Avx.LoadVector256(s + 3 * ld) : default;
                var t0 = Avx.UnpackLow(x0, x1);
                var t1 = Avx.UnpackHigh(x0, x1);
                var t2 = Avx.UnpackLow(x2, x3);
                var t3 = Avx.UnpackHigh(x2, x3);
                Store(d, Avx.Permute2x128(t0, t2, 0x20), n, mask);
                Store(d + destStride, Avx.Permute2x128(t1, t3, 0x20), n, mask);
                Store(d + 2 * destStride, Avx.Permute2x128(t0, t2, 0x31), n, mask);
                Store(d + 3 * destStride, Avx.Permute2x128(t1, t3, 0x31), n, mask);
            }
        }
        return whole;

        static void Store(double* to, Vector256<double> value, int n, Vector256<double> mask)
        {
            if (n == 4) Avx.Store(to, value);
            else Avx.MaskStore(to, mask, value);
        }
    }
}
