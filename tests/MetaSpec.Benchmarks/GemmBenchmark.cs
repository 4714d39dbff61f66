using System.Globalization;
using System.Text.Json;
using MetaSpec.Kernels;

namespace MetaSpec.Benchmarks;

/// <summary>
/// SGEMM throughput, C = A·B with square float32 matrices and no transposes, in GFLOP/s = 2n³ / seconds, for
/// Gemm.Multiply and for torch.mm (reference/gemm.py) on 1 thread and on all cores, with the ratio per row.
/// </summary>
internal static class GemmBenchmark
{
    private const double SecondsPerTrial = 0.02;

    public static int Run(string[] args)
    {
        int[] sizes = [64, 256, 1024];
        int trials = 30;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--sizes" when i + 1 < args.Length:
                    sizes = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                    break;
                case "--trials" when i + 1 < args.Length:
                    trials = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine($"gemm: unknown option '{args[i]}' (options: --sizes 64,256,1024 --trials 30)");
                    return 2;
            }
        }
#if DEBUG
        Console.WriteLine("warning: a Debug build; run with -c Release for meaningful figures");
#endif
        int cores = Environment.ProcessorCount;
        int[] threadCounts = cores > 1 ? [1, cores] : [1];

        Console.WriteLine($"SGEMM C = A·B, square float32, no transpose; best of {trials} trials of ≥{SecondsPerTrial * 1000:F0} ms");
        Console.WriteLine($"MetaSpec kernel: {Gemm.BestKernel<float>()}; {cores} cores");

        var ours = new Dictionary<(int N, int Threads), double>();
        foreach (int threads in threadCounts)
            foreach (int n in sizes)
                ours[(n, threads)] = MeasureMetaSpec(n, threads, trials);

        var torch = new Dictionary<(int N, int Threads), double>();
        using (JsonDocument? reference = PythonReference.Run("gemm.py",
            [string.Join(',', sizes), string.Join(',', threadCounts), trials.ToString(CultureInfo.InvariantCulture),
             SecondsPerTrial.ToString(CultureInfo.InvariantCulture)], out string? problem))
        {
            if (reference is null)
            {
                Console.WriteLine($"torch was not found ({problem}): MetaSpec columns only");
            }
            else
            {
                var root = reference.RootElement;
                Console.WriteLine($"torch {root.GetProperty("torch").GetString()}, BLAS {root.GetProperty("blas").GetString()}");
                foreach (var row in root.GetProperty("results").EnumerateArray())
                    torch[(row.GetProperty("n").GetInt32(), row.GetProperty("threads").GetInt32())] = row.GetProperty("gflops").GetDouble();
            }
        }

        Console.WriteLine();
        Console.WriteLine("|    n | threads | MetaSpec GFLOP/s | torch.mm GFLOP/s | MetaSpec/torch |");
        Console.WriteLine("| ---: | ------: | ---------------: | ---------------: | -------------: |");
        foreach (int threads in threadCounts)
            foreach (int n in sizes)
            {
                double mine = ours[(n, threads)];
                bool hasTorch = torch.TryGetValue((n, threads), out double theirs);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {n,4} | {threads,7} | {mine,16:F1} | {(hasTorch ? theirs.ToString("F1", CultureInfo.InvariantCulture) : "–"),16} | {(hasTorch ? (mine / theirs).ToString("F2", CultureInfo.InvariantCulture) : "–"),14} |"));
            }
        return 0;
    }

    private static double MeasureMetaSpec(int n, int threads, int trials)
    {
        var random = new Random(0);
        var a = new float[n * n];
        var b = new float[n * n];
        var c = new float[n * n];
        for (int i = 0; i < a.Length; i++) (a[i], b[i]) = (random.NextSingle(), random.NextSingle());
        double seconds = Timing.BestSecondsPerCall(
            () => Gemm.Multiply(false, false, n, n, n, a, n, b, n, c, n, threads: threads), trials, SecondsPerTrial);
        return 2.0 * n * n * n / seconds / 1e9;
    }
}
