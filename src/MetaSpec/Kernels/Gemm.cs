using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MetaSpec.Kernels;

/// <summary>The code paths <see cref="Gemm"/> can take: four packed micro-kernel families, best first, and the direct path.</summary>
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

    /// <summary>The small-matrix path: 256-bit AVX2 + FMA straight from A, no packing (see <see cref="GemmDirect"/>).</summary>
    Direct,

    /// <summary>The small-matrix path on AVX-512: whole 6×32 (float) tiles of 512-bit vectors, the rest on <see cref="Direct"/>'s (see <see cref="GemmDirect512"/>).</summary>
    Direct512,

    /// <summary>Small products with m, n or k = 1: one pass of axpys or dot products (see <see cref="GemmThin"/>).</summary>
    Thin,
}

/// <summary>General matrix multiply on row-major spans.</summary>
/// <remarks>
/// The structure is GotoBLAS/BLIS's: C is cut into column blocks of <c>nc</c>, the k dimension into
/// blocks of <c>kc</c> and the rows into blocks of <c>mc</c>. For each (column, depth) block op(B) is copied
/// ("packed") into panels of NR columns that the micro-kernel streams contiguously; for each row block op(A)
/// is packed into panels of MR rows that stay in L2 while every panel of B passes by. The packing absorbs the
/// transposes, so all four transpose combinations run the same micro-kernel (<see cref="IGemmMicroKernel{T}"/>).
/// Packing buffers are per thread and kept, so repeated calls allocate nothing. Products too small to repay
/// the packing take the direct path (<see cref="GemmDirect"/>).
/// </remarks>
internal static class Gemm
{
    // Block sizes, measured on Sapphire Rapids (48 KiB L1d, 2 MiB L2 per core) from 256 to 2048 square; the
    // differences are a few per cent. Depth of a packed block: longer blocks mean fewer passes over C (each pass
    // reads and writes every tile of C); 512 beat 256 and 384, even though a 512×NR panel of B then lives in L2.
    private const int DepthBlock = 512;

    // Bytes of a packed mc×kc block of A, which every panel of B meets in turn: small enough to stay in L2 beside
    // the B panels streaming past (128 KiB, i.e. 56 rows of floats at kc = 512, measured best).
    private const int RowBlockBytes = 128 * 1024;

    // Columns of a packed kc×nc block of B: bounds the per-thread buffer (4 MiB of floats); beyond that the
    // column blocking hardly matters because B's panels stream from L3 either way.
    private const int ColumnBlock = 2048;

    // Up to this many multiply-adds the direct (unpacked) path is faster: measured 1.2-3× faster for the MLP
    // products (25×40×40, 10×1×40, 40×40×25 ...) and 100×40×40, equal at 48³, slower from 64³ and 40×128×32.
    private const long DirectMaxWork = 128 * 1024;

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
        Multiply(ChooseKernel<T>(m, n, k), transposeA, transposeB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, threads);

    /// <summary>The path for an m×n×k product: direct when small, else the best packed micro-kernel.</summary>
    internal static GemmKernel ChooseKernel<T>(int m, int n, int k) where T : unmanaged, IFloatingPointIeee754<T> =>
        (long)m * n * k > DirectMaxWork ? BestKernel<T>()
        : GemmThin.Preferred(m, n, k) ? GemmKernel.Thin
        : IsSupported<T>(GemmKernel.Direct512) ? GemmKernel.Direct512
        : GemmDirect.IsSupported<T>() ? GemmKernel.Direct
        : BestKernel<T>();

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
        GemmKernel.Direct => GemmDirect.IsSupported<T>(),
        GemmKernel.Direct512 => GemmDirect512.IsSupported<T>() && GemmDirect.IsSupported<T>(),
        _ => true,
    };

    /// <summary>Whether <paramref name="kernel"/> can run an m×n×k product: the thin path needs a dimension of 1.</summary>
    internal static bool Handles(GemmKernel kernel, int m, int n, int k) => kernel != GemmKernel.Thin || GemmThin.Applies(m, n, k);

    /// <summary>The MR×NR register tile of <paramref name="kernel"/> for <typeparamref name="T"/>: the sizes whose edges tests must hit.</summary>
    internal static (int Rows, int Columns) TileShape<T>(GemmKernel kernel) where T : unmanaged, IFloatingPointIeee754<T> => kernel switch
    {
        GemmKernel.Avx512 => (Avx512MicroKernel<T>.Rows, Avx512MicroKernel<T>.Columns),
        GemmKernel.Avx2 => (Avx2MicroKernel<T>.Rows, Avx2MicroKernel<T>.Columns),
        GemmKernel.Vector => (VectorMicroKernel<T>.Rows, VectorMicroKernel<T>.Columns),
        GemmKernel.Direct => (GemmDirect.Rows, GemmDirect.Columns<T>()),
        GemmKernel.Direct512 => (GemmDirect512.Rows, GemmDirect512.Columns<T>()),
        GemmKernel.Thin => (Vector<T>.Count, Vector<T>.Count),
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
        if (!Handles(kernel, m, n, k))
            throw new ArgumentException($"The {kernel} GEMM path needs m, n or k = 1, got {m}×{n}×{k}.");
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
                case GemmKernel.Direct: RunDirect(problem, wide: false); break;
                case GemmKernel.Direct512: RunDirect(problem, wide: true); break;
                case GemmKernel.Thin: GemmThin.Multiply(transposeA, transposeB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate); break;
                default: Execute<T, ScalarMicroKernel<T>>(problem, threads); break;
            }
        }
    }

    /// <summary>
    /// Runs the problem on one thread, or splits C into one band per thread along its longer side. Each band runs
    /// the whole blocked algorithm on its own buffers (so op(B), or op(A), is packed once per band: cheap beside
    /// the n³ work, and measured faster than sharing packed blocks between threads, which needs a barrier per block).
    /// Every element of C is summed by one thread in the same order, so the result is bit for bit the single-threaded one.
    /// </summary>
    private static void Execute<T, TKernel>(in Problem<T> problem, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : IGemmMicroKernel<T>
    {
        bool byRows = problem.M >= problem.N;
        int length = byRows ? problem.M : problem.N;
        int tile = byRows ? TKernel.Rows : TKernel.Columns;
        // Bands are whole tiles, so only the last band has a ragged edge.
        int band = CeilDiv(CeilDiv(length, tile), threads) * tile, bands = CeilDiv(length, band);
        if (bands <= 1)
            Run<T, TKernel>(problem);
        else
            RunBands<T, TKernel>(problem, byRows, band, bands);
    }

    // Apart from Execute because a lambda's closure is allocated on entry to the method that declares what it
    // captures: kept here, single-threaded calls allocate nothing.
    private static void RunBands<T, TKernel>(Problem<T> problem, bool byRows, int band, int bands)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : IGemmMicroKernel<T>
    {
        int length = byRows ? problem.M : problem.N;
        Parallel.For(0, bands, new ParallelOptions { MaxDegreeOfParallelism = bands }, i =>
        {
            int start = i * band, count = Math.Min(band, length - start);
            Run<T, TKernel>(byRows ? problem.Rows(start, count) : problem.Columns(start, count));
        });
    }

    /// <summary>Throws unless the sizes are non-negative and each matrix fits its span with its leading dimension.</summary>
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

    /// <summary>
    /// The small-matrix path: op(B) transposed into scratch if need be, then <see cref="GemmDirect512"/> on the whole 512-bit tiles
    /// (when <paramref name="wide"/>) and <see cref="GemmDirect"/> on the columns left.
    /// </summary>
    private static unsafe void RunDirect<T>(in Problem<T> p, bool wide) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* b = p.B;
        nint ldb = p.Ldb;
        if (p.TransposeB)
        {
            // op(B)[q, j] = B[j, q]: the direct kernel wants rows of op(B) along n.
            b = PackingBuffer<T>.ForB((nint)p.K * p.N);
            GemmPacking.Transpose(p.B, p.Ldb, p.N, p.K, b, p.N);
            ldb = p.N;
        }
        nint aRowStride = p.TransposeA ? 1 : p.Lda, aStep = p.TransposeA ? p.Lda : 1;
        int done = wide ? GemmDirect512.Multiply(p.M, p.N, p.K, p.A, aRowStride, aStep, b, ldb, p.C, p.Ldc, p.Accumulate) : 0;
        if (done < p.N)
            GemmDirect.Multiply(p.M, p.N - done, p.K, p.A, aRowStride, aStep, b + done, ldb, p.C + done, p.Ldc, p.Accumulate);
    }

    /// <summary>Block sizes for one problem: equal blocks rather than full blocks plus a sliver (k = 257 runs as 129 + 128, not 256 + 1).</summary>
    private readonly record struct Blocking(int Depth, int Rows, int Columns)
    {
        public static Blocking For<T, TKernel>(in Problem<T> p)
            where T : unmanaged
            where TKernel : IGemmMicroKernel<T>
        {
            int mr = TKernel.Rows;
            int rowBlock = Math.Max(mr, RowBlockBytes / (DepthBlock * Unsafe.SizeOf<T>()) / mr * mr);
            return new(BlockSize(p.K, DepthBlock, 1), BlockSize(p.M, rowBlock, mr), BlockSize(p.N, ColumnBlock, TKernel.Columns));
        }
    }

    /// <summary>
    /// The blocked loops: for each block of columns and of depth pack op(B), then for each block of
    /// rows pack op(A) and sweep the micro-kernel over the pair.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Run<T, TKernel>(in Problem<T> p)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : IGemmMicroKernel<T>
    {
        int mr = TKernel.Rows, nr = TKernel.Columns;
        var (kc, mc, nc) = Blocking.For<T, TKernel>(p);
        T* packedA = PackingBuffer<T>.ForA((nint)RoundUp(mc, mr) * kc);
        T* packedB = PackingBuffer<T>.ForB((nint)RoundUp(nc, nr) * kc);
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
                    MacroKernel<T, TKernel>(mb, nb, kb, packedA, packedB, p.C + i0 * p.Ldc + j0, p.Ldc, add);
                }
            }
        }
    }

    /// <summary>Packs op(B)[p0..p0+kb, j0..j0+nb) for the micro-kernel.</summary>
    private static unsafe void PackB<T>(in Problem<T> p, int p0, int kb, int j0, int nb, T* packedB, int nr) where T : unmanaged =>
        GemmPacking.PackB(p.TransposeB, p.TransposeB ? p.B + j0 * p.Ldb + p0 : p.B + p0 * p.Ldb + j0, p.Ldb, kb, nb, packedB, nr);

    /// <summary>Packs op(A)[i0..i0+mb, p0..p0+kb) for the micro-kernel.</summary>
    private static unsafe void PackA<T>(in Problem<T> p, int i0, int mb, int p0, int kb, T* packedA, int mr) where T : unmanaged =>
        GemmPacking.PackA(p.TransposeA, p.TransposeA ? p.A + p0 * p.Lda + i0 : p.A + i0 * p.Lda + p0, p.Lda, mb, kb, packedA, mr);

    /// <summary>
    /// C[0..mb, 0..nb) (+)= Ã·B̃ for packed blocks: one micro-kernel call per MR×NR tile. The B panel is the outer
    /// loop, so consecutive tiles reuse it from the nearest cache while the (smaller) A panels stream past.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MacroKernel<T, TKernel>(int mb, int nb, int kb, T* packedA, T* packedB, T* c, nint ldc, bool add)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : IGemmMicroKernel<T>
    {
        int mr = TKernel.Rows, nr = TKernel.Columns;
        for (int j = 0; j < nb; j += nr)
        {
            int cols = Math.Min(nr, nb - j);
            T* panelB = packedB + (nint)j * kb;
            for (int i = 0; i < mb; i += mr)
                TKernel.Tile(Math.Min(mr, mb - i), cols, kb, packedA + (nint)i * kb, mr, panelB, nr, c + i * ldc + j, ldc, add);
        }
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
    /// The calling thread's packing buffers for op(A) and op(B), grown on demand and kept, so that a thread packs
    /// without allocating once it has seen its largest problem. Pinned, so their addresses
    /// can be aligned to a cache line (a vector load that straddles two lines costs two).
    /// </summary>
    private static class PackingBuffer<T> where T : unmanaged
    {
        private const int Alignment = 64;

        [ThreadStatic] private static T[]? t_forA;
        [ThreadStatic] private static T[]? t_forB;

        public static unsafe T* ForA(nint length) => Aligned(ref t_forA, length);

        public static unsafe T* ForB(nint length) => Aligned(ref t_forB, length);

        private static unsafe T* Aligned(ref T[]? buffer, nint length)
        {
            nint needed = length + Alignment / sizeof(T);
            if (buffer is null || buffer.Length < needed)
            {
                buffer = null; // let the old buffer go before allocating the new one
                buffer = GC.AllocateUninitializedArray<T>(checked((int)needed), pinned: true);
            }
            nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
            return (T*)((address + Alignment - 1) & ~(nint)(Alignment - 1));
        }
    }
}
