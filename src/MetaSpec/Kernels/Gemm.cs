using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MetaSpec.Kernels;

/// <summary>The micro-kernel families <see cref="Gemm"/> can run on, best first.</summary>
internal enum GemmKernel
{
    /// <summary>AVX-512F, 512-bit vectors.</summary>
    Avx512,

    /// <summary>AVX2 with FMA, 256-bit vectors.</summary>
    Avx2,

    /// <summary><see cref="Vector{T}"/>: whatever width the hardware offers, or software.</summary>
    Vector,

    /// <summary>Scalar arithmetic, for element types without vector support.</summary>
    Scalar,
}

/// <summary>General matrix multiply on row-major spans.</summary>
/// <remarks>
/// The structure is GotoBLAS/BLIS's: C is cut into column blocks of <c>nc</c>, the k dimension into
/// blocks of <c>kc</c> and the rows into blocks of <c>mc</c>. For each (column, depth) block op(B) is copied
/// ("packed") into panels of NR columns that the micro-kernel streams contiguously and that stay in L1 while
/// it sweeps over the rows; for each row block op(A) is packed into panels of MR rows that stay in L2. The
/// packing absorbs the transposes, so all four transpose combinations run the same micro-kernel. Packing
/// buffers are per thread and kept, so repeated calls allocate nothing.
/// </remarks>
public static class Gemm
{
    // Depth of a packed block: a kc×NR panel of B (256·32 floats or 256·16 doubles = 32 KiB) fits in L1 next to
    // the MR-row sliver of A it meets.
    private const int DepthBlock = 256;

    // Bytes of a packed mc×kc block of A: it must stay in the (per-core) L2 while every panel of B passes by.
    private const int RowBlockBytes = 512 * 1024;

    // Columns of a packed kc×nc block of B: bounds the packing buffer; large enough that 1024² needs one block.
    private const int ColumnBlock = 4096;

    // Below this many multiply-adds a second thread costs more to wake than it saves.
    private const long ParallelThreshold = 128 * 128 * 128;

    /// <summary>
    /// C = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>, where op(X) = Xᵀ when the
    /// matching transpose flag is set: C[i,j] (+)= Σ_p op(A)[i,p]·op(B)[p,j]. op(A) is m×k, op(B) is k×n, C is m×n;
    /// all row-major with leading dimensions <paramref name="lda"/>, <paramref name="ldb"/>, <paramref name="ldc"/>.
    /// Without <paramref name="accumulate"/> C's previous contents are never read (NaNs there do not leak).
    /// <paramref name="threads"/> splits C over that many threads (default 1: meta-training already runs tasks in
    /// parallel); results do not depend on it, since every element of C is summed in the same order by one thread.
    /// </summary>
    public static void Multiply<T>(bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate = false, int threads = 1)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Multiply(BestKernel<T>(), transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, threads);

    /// <summary>The fastest micro-kernel this machine supports for <typeparamref name="T"/>.</summary>
    internal static GemmKernel BestKernel<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        Avx512MicroKernel<T>.IsSupported ? GemmKernel.Avx512
        : Avx2MicroKernel<T>.IsSupported ? GemmKernel.Avx2
        : VectorMicroKernel<T>.IsSupported ? GemmKernel.Vector
        : GemmKernel.Scalar;

    /// <summary>Whether <paramref name="kernel"/> can run <typeparamref name="T"/> on this machine.</summary>
    internal static bool IsSupported<T>(GemmKernel kernel) where T : unmanaged, IFloatingPointIeee754<T> => kernel switch
    {
        GemmKernel.Avx512 => Avx512MicroKernel<T>.IsSupported,
        GemmKernel.Avx2 => Avx2MicroKernel<T>.IsSupported,
        GemmKernel.Vector => VectorMicroKernel<T>.IsSupported,
        _ => true,
    };

    /// <summary>The MR×NR register tile of <paramref name="kernel"/> for <typeparamref name="T"/>: the sizes whose edges tests must hit.</summary>
    internal static (int Rows, int Columns) TileShape<T>(GemmKernel kernel) where T : unmanaged, IFloatingPointIeee754<T> => kernel switch
    {
        GemmKernel.Avx512 => (Avx512MicroKernel<T>.Rows, Avx512MicroKernel<T>.Columns),
        GemmKernel.Avx2 => (Avx2MicroKernel<T>.Rows, Avx2MicroKernel<T>.Columns),
        GemmKernel.Vector => (VectorMicroKernel<T>.Rows, VectorMicroKernel<T>.Columns),
        _ => (ScalarMicroKernel<T>.Rows, ScalarMicroKernel<T>.Columns),
    };

    /// <summary>Multiply on a chosen micro-kernel, so tests can check each one.</summary>
    internal static unsafe void Multiply<T>(GemmKernel kernel, bool transposeA, bool transposeB, int m, int n, int k,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate(transposeA, transposeB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (!IsSupported<T>(kernel))
            throw new PlatformNotSupportedException($"The {kernel} GEMM kernel does not run {typeof(T).Name} on this machine.");
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }

        fixed (T* pa = a, pb = b, pc = c)
        {
            var problem = new Problem<T>(transposeA, transposeB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate);
            if ((long)m * n * k < ParallelThreshold) threads = 1;
            switch (kernel)
            {
                case GemmKernel.Avx512: Execute<T, Avx512MicroKernel<T>>(problem, threads); break;
                case GemmKernel.Avx2: Execute<T, Avx2MicroKernel<T>>(problem, threads); break;
                case GemmKernel.Vector: Execute<T, VectorMicroKernel<T>>(problem, threads); break;
                default: Execute<T, ScalarMicroKernel<T>>(problem, threads); break;
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

    /// <summary>Runs the problem on one thread, or splits C into bands along its longer side, one per thread.</summary>
    private static unsafe void Execute<T, TKernel>(Problem<T> problem, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : IGemmMicroKernel<T>
    {
        bool byRows = problem.M >= problem.N;
        int length = byRows ? problem.M : problem.N;
        int tile = byRows ? TKernel.Rows : TKernel.Columns;
        // Bands are whole tiles, so only the last band has a ragged edge.
        int bandTiles = CeilDiv(CeilDiv(length, tile), threads);
        int band = bandTiles * tile, bands = CeilDiv(length, band);
        if (bands <= 1)
            Run<T, TKernel>(problem);
        else
            RunBands<T, TKernel>(problem, byRows, band, bands, threads);
    }

    // Apart from Execute because the lambda's closure is allocated on entry to the method that declares what it
    // captures: kept here, single-threaded calls allocate nothing.
    private static void RunBands<T, TKernel>(Problem<T> problem, bool byRows, int band, int bands, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : IGemmMicroKernel<T>
    {
        int length = byRows ? problem.M : problem.N;
        Parallel.For(0, bands, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            int start = i * band, count = Math.Min(band, length - start);
            Run<T, TKernel>(byRows ? problem.Rows(start, count) : problem.Columns(start, count));
        });
    }

    /// <summary>The blocked loops: pack a block of op(B), then blocks of op(A), and sweep the micro-kernel over them.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Run<T, TKernel>(in Problem<T> p)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : IGemmMicroKernel<T>
    {
        int mr = TKernel.Rows, nr = TKernel.Columns;
        // Equal blocks rather than full blocks plus a sliver: k = 257 runs as 129 + 128, not 256 + 1.
        int kc = BlockSize(p.K, DepthBlock, 1);
        int mc = BlockSize(p.M, Math.Max(mr, RowBlockBytes / (DepthBlock * sizeof(T)) / mr * mr), mr);
        int nc = BlockSize(p.N, ColumnBlock, nr);
        nint packedALength = (nint)RoundUp(mc, mr) * kc, packedBLength = (nint)RoundUp(nc, nr) * kc;
        T* packedA = PackingBuffer<T>.Get(RoundUp(packedALength, 64) + packedBLength);
        T* packedB = packedA + RoundUp(packedALength, 64);
        T* tile = stackalloc T[mr * nr];

        for (int j0 = 0; j0 < p.N; j0 += nc)
        {
            int nb = Math.Min(nc, p.N - j0);
            for (int p0 = 0; p0 < p.K; p0 += kc)
            {
                int kb = Math.Min(kc, p.K - p0);
                bool add = p.Accumulate || p0 > 0;
                PackB(p, p0, kb, j0, nb, packedB, nr);
                for (int i0 = 0; i0 < p.M; i0 += mc)
                {
                    int mb = Math.Min(mc, p.M - i0);
                    PackA(p, i0, mb, p0, kb, packedA, mr);
                    MacroKernel<T, TKernel>(mb, nb, kb, packedA, packedB, p.C + i0 * p.Ldc + j0, p.Ldc, add, tile);
                }
            }
        }
    }

    /// <summary>
    /// C[0..mb, 0..nb) (+)= Ã·B̃ for packed blocks: one micro-kernel call per MR×NR tile. The B panel is the outer
    /// loop so it stays in L1 while the A panels stream past it from L2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MacroKernel<T, TKernel>(int mb, int nb, int kb, T* packedA, T* packedB, T* c, nint ldc, bool add, T* tile)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : IGemmMicroKernel<T>
    {
        int mr = TKernel.Rows, nr = TKernel.Columns;
        for (int j = 0; j < nb; j += nr)
        {
            int cols = Math.Min(nr, nb - j);
            T* panelB = packedB + (nint)j * kb;
            for (int i = 0; i < mb; i += mr)
            {
                int rows = Math.Min(mr, mb - i);
                T* panelA = packedA + (nint)i * kb;
                T* cTile = c + i * ldc + j;
                if (cols == nr)
                {
                    TKernel.Tile(rows, kb, panelA, mr, panelB, nr, cTile, ldc, add);
                }
                else
                {
                    // The kernel always writes NR columns: let it write a scratch tile and copy the valid part.
                    TKernel.Tile(rows, kb, panelA, mr, panelB, nr, tile, nr, add: false);
                    for (int r = 0; r < rows; r++)
                    {
                        T* from = tile + r * nr, to = cTile + r * ldc;
                        if (add)
                            for (int x = 0; x < cols; x++) to[x] += from[x];
                        else
                            for (int x = 0; x < cols; x++) to[x] = from[x];
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs op(A)[i0..i0+mb, p0..p0+kb) into panels of <paramref name="mr"/> rows: panel q holds, for each p in
    /// turn, the values op(A)[i0 + q·mr + r, p0 + p] for r &lt; mr, i.e. element (r, p) at dest[q·mr·kb + p·mr + r].
    /// Rows past mb are left unwritten: the micro-kernel is told how many rows are real and reads no others.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackA<T>(in Problem<T> p, int i0, int mb, int p0, int kb, T* dest, int mr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int q = 0; q < mb; q += mr, dest += (nint)mr * kb)
        {
            int rows = Math.Min(mr, mb - q);
            if (p.TransposeA)
            {
                // op(A)[i, p] = A[p, i]: the mr values of one step are contiguous in A.
                T* src = p.A + (p0 * p.Lda + i0 + q);
                for (int s = 0; s < kb; s++, src += p.Lda)
                    Copy(src, dest + s * mr, rows);
            }
            else
            {
                // op(A)[i, p] = A[i, p]: read each row of A contiguously, write it with stride mr.
                for (int r = 0; r < rows; r++)
                {
                    T* src = p.A + ((i0 + q + r) * p.Lda + p0), to = dest + r;
                    for (int s = 0; s < kb; s++) to[s * mr] = src[s];
                }
            }
        }
    }

    /// <summary>
    /// Packs op(B)[p0..p0+kb, j0..j0+nb) into panels of <paramref name="nr"/> columns: panel q holds, for each p in
    /// turn, the values op(B)[p0 + p, j0 + q·nr + x] for x &lt; nr, zero past nb, i.e. element (p, x) at
    /// dest[q·nr·kb + p·nr + x].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackB<T>(in Problem<T> p, int p0, int kb, int j0, int nb, T* dest, int nr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int q = 0; q < nb; q += nr, dest += (nint)nr * kb)
        {
            int cols = Math.Min(nr, nb - q);
            if (!p.TransposeB)
            {
                // op(B)[p, j] = B[p, j]: the nr values of one step are contiguous in B.
                T* src = p.B + (p0 * p.Ldb + j0 + q);
                for (int s = 0; s < kb; s++, src += p.Ldb)
                {
                    Copy(src, dest + s * nr, cols);
                    for (int x = cols; x < nr; x++) dest[s * nr + x] = T.Zero;
                }
            }
            else
            {
                // op(B)[p, j] = B[j, p]: read each row of B contiguously, write it with stride nr.
                for (int x = 0; x < cols; x++)
                {
                    T* src = p.B + ((j0 + q + x) * p.Ldb + p0), to = dest + x;
                    for (int s = 0; s < kb; s++) to[s * nr] = src[s];
                }
                for (int s = 0; s < kb && cols < nr; s++)
                    for (int x = cols; x < nr; x++) dest[s * nr + x] = T.Zero;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy<T>(T* from, T* to, int count) where T : unmanaged
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            for (; i <= count - Vector256<T>.Count; i += Vector256<T>.Count)
                Vector256.Load(from + i).Store(to + i);
        for (; i < count; i++) to[i] = from[i];
    }

    private static int CeilDiv(int x, int y) => (x + y - 1) / y;

    private static int RoundUp(int x, int unit) => CeilDiv(x, unit) * unit;

    private static nint RoundUp(nint x, int unit) => (x + unit - 1) / unit * unit;

    /// <summary>The size of <c>ceil(total / max)</c> equal blocks covering <paramref name="total"/>, rounded up to a multiple of <paramref name="unit"/>.</summary>
    private static int BlockSize(int total, int max, int unit) => RoundUp(CeilDiv(total, CeilDiv(total, max)), unit);

    /// <summary>One multiply's operands as raw pointers (the spans are pinned for the call), sliceable into bands of C.</summary>
    private readonly unsafe struct Problem<T> where T : unmanaged
    {
        public Problem(bool transposeA, bool transposeB, int m, int n, int k, T* a, nint lda, T* b, nint ldb, T* c, nint ldc, bool accumulate)
        {
            TransposeA = transposeA;
            TransposeB = transposeB;
            M = m;
            N = n;
            K = k;
            A = a;
            Lda = lda;
            B = b;
            Ldb = ldb;
            C = c;
            Ldc = ldc;
            Accumulate = accumulate;
        }

        public bool TransposeA { get; }
        public bool TransposeB { get; }
        public int M { get; }
        public int N { get; }
        public int K { get; }
        public T* A { get; }
        public nint Lda { get; }
        public T* B { get; }
        public nint Ldb { get; }
        public T* C { get; }
        public nint Ldc { get; }
        public bool Accumulate { get; }

        /// <summary>Rows [start, start + count) of C, with the rows of op(A) they need.</summary>
        public Problem<T> Rows(int start, int count) =>
            new(TransposeA, TransposeB, count, N, K, TransposeA ? A + start : A + start * Lda, Lda, B, Ldb, C + start * Ldc, Ldc, Accumulate);

        /// <summary>Columns [start, start + count) of C, with the columns of op(B) they need.</summary>
        public Problem<T> Columns(int start, int count) =>
            new(TransposeA, TransposeB, M, count, K, A, Lda, TransposeB ? B + start * Ldb : B + start, Ldb, C + start, Ldc, Accumulate);
    }

    /// <summary>
    /// The calling thread's packing buffer, grown on demand and kept, so that a thread packs without allocating
    /// once it has seen its largest problem. Pinned, so its address can be aligned to a cache line (a vector load
    /// that straddles two lines costs two).
    /// </summary>
    private static class PackingBuffer<T> where T : unmanaged
    {
        private const int Alignment = 64;

        [ThreadStatic] private static T[]? t_array;

        public static unsafe T* Get(nint length)
        {
            nint needed = length + Alignment / sizeof(T);
            T[]? array = t_array;
            if (array is null || array.Length < needed)
            {
                t_array = null; // let the old buffer go before allocating the new one
                array = t_array = GC.AllocateUninitializedArray<T>(checked((int)needed), pinned: true);
            }
            nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
            return (T*)((address + Alignment - 1) & ~(nint)(Alignment - 1));
        }
    }
}
