using System.Globalization;
using MetaSpec.Kernels;

namespace MetaSpec.Benchmarks;

/// <summary>
/// SGEMM throughput, C = A·B with square float32 matrices and no transposes, in GFLOP/s = 2n³ / seconds, for
/// Gemm.Multiply and for torch.mm (reference/gemm.py) on 1 thread and on all cores, with the ratio per row.
/// The two sides take turns, configuration by configuration, for several rounds, and each keeps its best:
/// on a shared machine neither side is measured only in a busy spell.
/// </summary>
internal static class GemmBenchmark
{
    private const double SecondsPerTrial = 0.02;

    public static int Run(string[] args)
    {
        int[] sizes = [64, 256, 1024];
        int trials = 10, rounds = 5;
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
                case "--rounds" when i + 1 < args.Length:
                    rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine($"gemm: unknown option '{args[i]}' (options: --sizes 64,256,1024 --trials 10 --rounds 5)");
                    return 2;
            }
        }
#if DEBUG
        Console.WriteLine("warning: a Debug build; run with -c Release for meaningful figures");
#endif
        int cores = Environment.ProcessorCount;
        int[] threadCounts = cores > 1 ? [1, cores] : [1];
        var configurations = threadCounts.SelectMany(t => sizes.Select(n => (N: n, Threads: t))).ToArray();

        Console.WriteLine($"SGEMM C = A·B, square float32, no transpose: GFLOP/s = 2n³/s, best of {rounds} rounds × {trials} trials of ≥{SecondsPerTrial * 1000:F0} ms");
        Console.WriteLine($"MetaSpec: Gemm.Multiply, {Gemm.BestKernel<float>()} kernel; machine: {cores} cores");

        using var torch = PythonReference.Start("gemm.py", out string? problem);
        Console.WriteLine(torch is null
            ? $"torch was not found ({problem}): MetaSpec columns only"
            : $"torch.mm: torch {torch.Header.GetProperty("torch").GetString()}, BLAS {torch.Header.GetProperty("blas").GetString()}" +
              (torch.Header.GetProperty("blas_threads_set").GetBoolean() ? " (threads set with torch.set_num_threads and openblas_set_num_threads)" : " (threads set with torch.set_num_threads)"));

        var benches = configurations.ToDictionary(c => c, c => new GemmCase(c.N, c.Threads));
        var ours = configurations.ToDictionary(c => c, _ => double.PositiveInfinity);
        var theirs = configurations.ToDictionary(c => c, _ => double.PositiveInfinity);
        for (int round = 0; round < rounds; round++)
        {
            foreach (var config in configurations)
            {
                var bench = benches[config];
                if (round == 0) Timing.WarmUp(bench.Multiply, 0.3);
                ours[config] = Math.Min(ours[config], Timing.BestSecondsPerCall(bench.Multiply, trials, SecondsPerTrial));
                if (torch is not null)
                {
                    var answer = torch.Ask(string.Create(CultureInfo.InvariantCulture, $"{config.N} {config.Threads} {trials} {SecondsPerTrial}"));
                    theirs[config] = Math.Min(theirs[config], answer.GetProperty("seconds").GetDouble());
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("|    n | threads | MetaSpec GFLOP/s | torch.mm GFLOP/s | MetaSpec/torch |");
        Console.WriteLine("| ---: | ------: | ---------------: | ---------------: | -------------: |");
        foreach (var config in configurations)
        {
            double flop = 2.0 * config.N * config.N * config.N;
            double mine = flop / ours[config] / 1e9;
            string other = "–", ratio = "–";
            if (torch is not null)
            {
                double reference = flop / theirs[config] / 1e9;
                other = reference.ToString("F1", CultureInfo.InvariantCulture);
                ratio = (mine / reference).ToString("F2", CultureInfo.InvariantCulture);
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {config.N,4} | {config.Threads,7} | {mine,16:F1} | {other,16} | {ratio,14} |"));
        }
        return 0;
    }

    /// <summary>One configuration's operands, made once so that every call multiplies the same matrices.</summary>
    private sealed class GemmCase
    {
        private readonly int _n, _threads;
        private readonly float[] _a, _b, _c;

        public GemmCase(int n, int threads)
        {
            (_n, _threads) = (n, threads);
            var random = new Random(n);
            _a = new float[n * n];
            _b = new float[n * n];
            _c = new float[n * n];
            for (int i = 0; i < _a.Length; i++) (_a[i], _b[i]) = (random.NextSingle(), random.NextSingle());
            Multiply = () => Gemm.Multiply(false, false, _n, _n, _n, _a, _n, _b, _n, _c, _n, threads: _threads);
        }

        public Action Multiply { get; }
    }
}
