using System.Diagnostics;
using System.Globalization;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Optimizers;
using MetaSpec.Tasks;

namespace MetaSpec.Benchmarks;

/// <summary>
/// How MetaSpec's cost grows: iterations per second on 1 and 2 threads for the <c>maml</c> workloads, and the time of
/// a Conv-4 second-order MAML iteration against the task batch (4, 16, 32) and the inner steps (1, 5, 10).
/// MetaSpec only (the <c>maml</c> command compares with PyTorch); medians over rounds, configurations taking turns.
/// </summary>
internal static class ScalingBenchmark
{
    public static int Run(string[] args)
    {
        double seconds = 2;
        int rounds = 3;
        int[] batches = [4, 16, 32], stepCounts = [1, 5, 10];
        string[] workloads = ["sine-maml2", "conv4-maml2-1", "conv4-maml2-5", "omniglot-pool-maml2", "omniglot-strided-maml2"];
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds" when i + 1 < args.Length: seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rounds" when i + 1 < args.Length: rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--batches" when i + 1 < args.Length: batches = Ints(args[++i]); break;
                case "--steps" when i + 1 < args.Length: stepCounts = Ints(args[++i]); break;
                case "--only" when i + 1 < args.Length: workloads = args[++i].Split(','); break;
                default:
                    Console.Error.WriteLine($"scaling: unknown option '{args[i]}' (options: --seconds 2 --rounds 3 --batches 4,16,32 --steps 1,5,10 --only a,b)");
                    return 2;
            }
        }
#if DEBUG
        Console.WriteLine("warning: a Debug build; run with -c Release for meaningful figures");
#endif
        Console.WriteLine($"MetaSpec scaling: medians of {rounds} rounds, ≥ {seconds:G} s per configuration and round");
        Console.WriteLine($"load average at start: {MamlBenchmark.LoadAverage()}");

        int[] threadCounts = Environment.ProcessorCount > 1 ? [1, 2] : [1];
        var threadRuns = workloads.SelectMany(w => threadCounts.Select(t => (Workload: w, Threads: t))).ToArray();
        var gridRuns = batches.SelectMany(b => stepCounts.Select(s => (Batch: b, Steps: s))).ToArray();
        var rates = threadRuns.ToDictionary(r => r, _ => new List<double>());
        var times = gridRuns.ToDictionary(r => r, _ => new List<double>());
        for (int round = 0; round < rounds; round++)
        {
            foreach (var run in threadRuns)
            {
                var (problem, tasks, batch) = MamlBenchmark.Build(run.Workload);
                rates[run].Add(1 / SecondsPerIteration(problem, tasks, batch, run.Threads, seconds));
            }
            foreach (var run in gridRuns)
            {
                var problem = MetaProblem<float>.ForNetwork(MetaBenchmarks.Conv4(), SoftmaxCrossEntropy<float>.Instance,
                    new InnerLoop { Steps = run.Steps, StepSize = 0.4 }, Hypergradient.Unrolled);
                times[run].Add(SecondsPerIteration(problem, MetaBenchmarks.RandomEpisodes(), run.Batch, Math.Min(2, Environment.ProcessorCount), seconds));
            }
        }
        Console.WriteLine($"load average at end: {MamlBenchmark.LoadAverage()}");

        Console.WriteLine();
        Console.WriteLine($"| workload | {string.Join(" | ", threadCounts.Select(t => $"{t} thread{(t > 1 ? "s" : "")} it/s"))} |{(threadCounts.Length > 1 ? " speed-up |" : "")}");
        Console.WriteLine($"| --- | {string.Join(" | ", threadCounts.Select(_ => "---:"))} |{(threadCounts.Length > 1 ? " ---: |" : "")}");
        foreach (var w in workloads)
        {
            var medians = threadCounts.Select(t => MamlBenchmark.Median(rates[(w, t)])).ToArray();
            Console.WriteLine(FormattableString.Invariant($"| {w} | {string.Join(" | ", medians.Select(m => m.ToString("F2", CultureInfo.InvariantCulture)))} |") +
                (medians.Length > 1 ? FormattableString.Invariant($" {medians[1] / medians[0]:F2}× |") : ""));
        }

        Console.WriteLine();
        Console.WriteLine("Conv-4 second-order MAML, 5-way 1-shot, 15 queries per class, 2 threads: ms per iteration");
        Console.WriteLine($"| task batch | {string.Join(" | ", stepCounts.Select(s => $"N = {s}"))} |");
        Console.WriteLine($"| ---: | {string.Join(" | ", stepCounts.Select(_ => "---:"))} |");
        foreach (int b in batches)
            Console.WriteLine($"| {b} | {string.Join(" | ", stepCounts.Select(s => (MamlBenchmark.Median(times[(b, s)]) * 1e3).ToString("F0", CultureInfo.InvariantCulture)))} |");
        return 0;
    }

    private static double SecondsPerIteration(MetaProblem<float> problem, ITaskDistribution<float> tasks, int batch, int threads, double seconds)
    {
        var network = problem.Network!;
        var meta = problem.CreateMetaParameters(network.CreateParameters(0));
        using var trainer = new MetaTrainer<float>(problem, tasks, new Adam<float>(meta.Length), meta, new TrainerOptions { TaskBatch = batch, Threads = threads });
        trainer.Step(); // JIT and buffers
        var clock = Stopwatch.StartNew();
        int count = 0;
        while (clock.Elapsed.TotalSeconds < seconds || count < 2)
        {
            trainer.Step();
            count++;
        }
        return clock.Elapsed.TotalSeconds / count;
    }

    private static int[] Ints(string s) => s.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
}
