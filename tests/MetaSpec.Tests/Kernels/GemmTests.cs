using System.Numerics;
using MetaSpec.Kernels;

namespace MetaSpec.Tests.Kernels;

public class GemmTests
{
    // Kernel names rather than the internal enum, which a public theory cannot take.
    public static TheoryData<string> Kernels => new(Enum.GetNames<GemmKernel>());

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Float_matches_a_double_precision_loop_at_every_tile_edge(string kernel) => CheckEdges<float>(Enum.Parse<GemmKernel>(kernel));

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Double_matches_a_double_precision_loop_at_every_tile_edge(string kernel) => CheckEdges<double>(Enum.Parse<GemmKernel>(kernel));

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Large_float_blocks_split_in_every_dimension(string kernel) => CheckLarge<float>(Enum.Parse<GemmKernel>(kernel));

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Large_double_blocks_split_in_every_dimension(string kernel) => CheckLarge<double>(Enum.Parse<GemmKernel>(kernel));

    [Fact]
    public void Half_runs_on_the_scalar_kernel()
    {
        Assert.Equal(GemmKernel.Scalar, Gemm.BestKernel<Half>());
        foreach (var (ta, tb) in Transposes)
            Check<Half>(GemmKernel.Scalar, ta, tb, 5, 6, 3, accumulate: true, threads: 1, seed: 3);
    }

    [Fact]
    public void The_public_entry_point_uses_the_best_kernel()
    {
        foreach (var (ta, tb) in Transposes)
        {
            Check<float>(null, ta, tb, 25, 40, 40, accumulate: false, threads: 1, seed: 1);
            Check<double>(null, ta, tb, 10, 1, 40, accumulate: true, threads: 1, seed: 2);
        }
    }

    [Theory]
    [InlineData(150, 140, 130)] // split by rows
    [InlineData(40, 300, 200)]  // split by columns
    [InlineData(1030, 1, 2100)] // split by rows, one column (m·n·k just above the parallel threshold, 128³)
    public void Two_threads_give_bit_identical_results(int m, int n, int k)
    {
        // The packed kernels: the direct path is single-threaded by design, the scalar one is only slower.
        GemmKernel[] packed = [GemmKernel.Avx512, GemmKernel.Avx2, GemmKernel.Vector];
        foreach (var kernel in packed.Where(Gemm.IsSupported<float>))
            foreach (var (ta, tb) in Transposes)
            {
                var one = Check<float>(kernel, ta, tb, m, n, k, accumulate: true, threads: 1, seed: m + n);
                var two = Check<float>(kernel, ta, tb, m, n, k, accumulate: true, threads: 2, seed: m + n);
                Assert.Equal(one, two);
            }
    }

    [Fact]
    public void Without_accumulate_old_values_of_C_are_not_read()
    {
        float[] a = [1, 2, 3, 4], b = [5, 6, 7, 8];
        float[] c = [float.NaN, float.PositiveInfinity, float.NaN, float.NaN];
        Gemm.Multiply(false, false, 2, 2, 2, a, 2, b, 2, c, 2);
        Assert.Equal([19f, 22, 43, 50], c);
    }

    [Fact]
    public void Zero_depth_clears_C_or_leaves_it_when_accumulating()
    {
        double[] c = [1, 2, 3, 9, 4, 5, 6, 9]; // 2×3 with ldc 4: the 9s are outside C
        Gemm.Multiply<double>(false, false, 2, 3, 0, [], 1, [], 3, c, 4, accumulate: true);
        Assert.Equal([1.0, 2, 3, 9, 4, 5, 6, 9], c);
        Gemm.Multiply<double>(false, false, 2, 3, 0, [], 1, [], 3, c, 4);
        Assert.Equal([0.0, 0, 0, 9, 0, 0, 0, 9], c);
    }

    [Fact]
    public void Repeated_single_thread_calls_allocate_nothing()
    {
        var random = new Random(5);
        float[] a = RandomValues<float>(random, 300 * 300), b = RandomValues<float>(random, 300 * 300), c = new float[300 * 300];
        double[] ad = RandomValues<double>(random, 40 * 40), bd = RandomValues<double>(random, 40 * 40), cd = new double[40 * 40];
        void Calls()
        {
            foreach (var (ta, tb) in Transposes)
            {
                Gemm.Multiply(ta, tb, 300, 300, 300, a, 300, b, 300, c, 300);
                Gemm.Multiply(ta, tb, 25, 40, 40, a, 40, b, 40, c, 40, accumulate: true);
                Gemm.Multiply(ta, tb, 40, 40, 10, ad, 40, bd, 40, cd, 40);
            }
        }
        Calls(); // warm-up: JIT compilation and the first growth of this thread's packing buffer
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Calls();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Invalid_arguments_throw_with_a_message_naming_the_problem()
    {
        float[] six = new float[6], four = new float[4];

        var sizes = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, -1, 2, 2, six, 2, six, 2, six, 2));
        Assert.Contains("m=-1", sizes.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, -1, 2, six, 2, six, 2, six, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 2, -1, six, 2, six, 2, six, 2));

        // op(A) 2×3: A needs 6 values (3×2 when transposed), B 3×2 needs 6, C 2×2 needs 4.
        var shortA = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 3, four, 3, six, 2, four, 2));
        Assert.Equal("A", shortA.ParamName);
        Assert.Contains("needs 6 values", shortA.Message);
        var shortB = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, true, 2, 2, 3, six, 3, four, 3, four, 2));
        Assert.Equal("B", shortB.ParamName);
        var shortC = Assert.Throws<ArgumentException>(() => Gemm.Multiply(true, false, 2, 2, 3, six, 2, six, 2, new float[3], 2));
        Assert.Equal("C", shortC.ParamName);
        // A longer leading dimension needs more values: C 2×2 with ldc 3 needs 5.
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 2, 2, 3, six, 3, six, 2, four, 3));

        var smallLda = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 2, 3, six, 2, six, 2, four, 2));
        Assert.Contains("Leading dimension of A is 2, smaller than its 3 columns", smallLda.Message);
        var smallLdaT = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(true, false, 2, 2, 3, six, 1, six, 2, four, 2));
        Assert.Contains("Leading dimension of A is 1", smallLdaT.Message);
        var smallLdb = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, true, 2, 2, 3, six, 3, six, 2, four, 2));
        Assert.Contains("Leading dimension of B is 2, smaller than its 3 columns", smallLdb.Message);
        var smallLdc = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 2, 3, six, 3, six, 2, four, 1));
        Assert.Contains("Leading dimension of C is 1, smaller than its 2 columns", smallLdc.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(false, false, 2, 2, 3, six, 3, six, 2, four, 2, threads: 0));
        var notThin = Assert.Throws<ArgumentException>(() => Gemm.Multiply(GemmKernel.Thin, false, false, 2, 2, 3, six, 3, six, 2, four, 2, false, 1));
        Assert.Contains("needs m, n or k = 1, got 2×2×3", notThin.Message);
    }

    private static readonly (bool A, bool B)[] Transposes = [(false, false), (false, true), (true, false), (true, true)];

    private static void CheckEdges<T>(GemmKernel kernel) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Gemm.IsSupported<T>(kernel)) return;
        var (mr, nr) = Gemm.TileShape<T>(kernel);
        int[] ms = [1, mr - 1, mr, mr + 1, 2 * mr + 1];
        int[] ns = [1, nr - 1, nr, nr + 1, 2 * nr + 3];
        int[] ks = [1, 7, 16];
        int seed = 0;
        foreach (int m in ms.Where(x => x > 0).Distinct())
            foreach (int n in ns.Where(x => x > 0).Distinct())
                foreach (int k in ks.Where(k => Gemm.Handles(kernel, m, n, k)))
                    foreach (var (ta, tb) in Transposes)
                        foreach (bool accumulate in new[] { false, true })
                            Check<T>(kernel, ta, tb, m, n, k, accumulate, threads: 1, seed: ++seed);
    }

    private static void CheckLarge<T>(GemmKernel kernel) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Gemm.IsSupported<T>(kernel)) return;
        if (kernel == GemmKernel.Thin)
        {
            // Thin but long: every dimension past several vectors, each transpose, strided and contiguous operands.
            foreach (var (ta, tb) in Transposes)
            {
                Check<T>(kernel, ta, tb, 70, 130, 1, accumulate: true, threads: 1, seed: 4);
                Check<T>(kernel, ta, tb, 90, 1, 301, accumulate: false, threads: 1, seed: 5);
                Check<T>(kernel, ta, tb, 1, 77, 203, accumulate: true, threads: 1, seed: 6);
            }
            return;
        }
        foreach (var (ta, tb) in Transposes)
        {
            Check<T>(kernel, ta, tb, 130, 70, 601, accumulate: true, threads: 1, seed: 1);   // two depth blocks, odd
            Check<T>(kernel, ta, tb, 600, 20, 300, accumulate: false, threads: 1, seed: 2);  // several row blocks
            Check<T>(kernel, ta, tb, 3, 4200, 5, accumulate: true, threads: 1, seed: 3);     // several column blocks
        }
    }

    /// <summary>
    /// Runs one multiply with leading dimensions wider than the matrices and compares with a double-precision
    /// triple loop over the same (already rounded) inputs. Returns C for further comparison.
    /// </summary>
    /// <remarks>
    /// Tolerance: a sum of k products computed in precision ε (with or without FMA, in any order) is off by at most
    /// γ_k·Σ_p |a_ip||b_pj| with γ_k = kε/2 / (1 − kε/2) (Higham, Accuracy and Stability, §3.1), plus ε/2·|c_ij|
    /// for the final addition to the old C. We allow k·ε·(|A||B|)_ij + ε·|C_old,ij|, twice that bound, per element:
    /// tight enough that any wrong or missing term (of size ~|a||b|) fails, whatever the summation order.
    /// </remarks>
    private static T[] Check<T>(GemmKernel? kernel, bool ta, bool tb, int m, int n, int k, bool accumulate, int threads, int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + 3, ldb = bCols + 2, ldc = n + 5;
        T[] a = RandomValues<T>(random, (aRows - 1) * lda + aCols);
        T[] b = RandomValues<T>(random, (bRows - 1) * ldb + bCols);
        T[] c = RandomValues<T>(random, (m - 1) * ldc + n + 1); // one extra value past the last row
        T[] original = (T[])c.Clone();

        if (kernel is { } chosen)
            Gemm.Multiply(chosen, ta, tb, m, n, k, a, lda, b, ldb, c, ldc, accumulate, threads);
        else
            Gemm.Multiply(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, accumulate, threads);

        double eps = double.CreateChecked(T.BitIncrement(T.One) - T.One); // machine epsilon of T
        string what = $"{typeof(T).Name} {kernel} tA={ta} tB={tb} {m}×{n}×{k} acc={accumulate} threads={threads}";
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = double.CreateChecked(ta ? a[p * lda + i] : a[i * lda + p]);
                    double y = double.CreateChecked(tb ? b[j * ldb + p] : b[p * ldb + j]);
                    sum += x * y;
                    magnitude += Math.Abs(x * y);
                }
                double old = double.CreateChecked(original[i * ldc + j]);
                double expected = accumulate ? old + sum : sum;
                double actual = double.CreateChecked(c[i * ldc + j]);
                double tolerance = k * eps * magnitude + (accumulate ? eps * Math.Abs(old) : 0);
                Assert.True(Math.Abs(actual - expected) <= tolerance,
                    $"{what}: C[{i},{j}] = {actual:G9}, expected {expected:G9} ± {tolerance:E2}");
            }
        // Values between rows (ldc > n) and past the end belong to someone else.
        for (int i = 0; i < c.Length; i++)
            if (i % ldc >= n || i / ldc >= m)
                Assert.True(c[i] == original[i], $"{what}: value {i} outside C was overwritten");
        return c;
    }

    private static T[] RandomValues<T>(Random random, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[length];
        for (int i = 0; i < length; i++) values[i] = T.CreateChecked(2 * random.NextDouble() - 1);
        return values;
    }
}
