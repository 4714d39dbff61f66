using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Optimizers;
using MetaSpec.Tasks;

namespace MetaSpec.Benchmarks;

/// <summary>
/// The meta-learning workloads of issue 6 in MetaSpec and in the PyTorch reference (reference/maml.py),
/// each side in a fresh process so peak memory is its own, printed side by side with their ratio.
/// </summary>
internal static class MamlBenchmark
{
    internal sealed record Workload(string Name, string Description, Func<(MetaProblem<float> Problem, ITaskDistribution<float> Tasks, int Batch)> Build);

    internal static readonly Workload[] Workloads =
    [
        new("sine-maml2", "sinusoid MAML, 2nd order, N=5", () => Sine(HypergradientKind.Unrolled)),
        new("sine-fomaml", "sinusoid FOMAML, N=5", () => Sine(HypergradientKind.FirstOrder)),
        new("sine-anil", "sinusoid ANIL, 2nd order, N=5", () => Sine(HypergradientKind.Unrolled, "head")),
        new("conv4-maml2-1", "Conv-4 MAML, 2nd order, N=1", () => Conv(HypergradientKind.Unrolled, 1)),
        new("conv4-maml2-5", "Conv-4 MAML, 2nd order, N=5", () => Conv(HypergradientKind.Unrolled, 5)),
        new("conv4-fomaml-1", "Conv-4 FOMAML, N=1", () => Conv(HypergradientKind.FirstOrder, 1)),
        new("conv4-fomaml-5", "Conv-4 FOMAML, N=5", () => Conv(HypergradientKind.FirstOrder, 5)),
    ];

    // MLP 1-40-40-1, K = 10, batch 25, α = 0.01 (Finn et al.); Adam 1e-3 for the outer loop.
    private static (MetaProblem<float>, ITaskDistribution<float>, int) Sine(HypergradientKind kind, params string[] adapted) =>
        (MetaProblem<float>.ForNetwork(MetaBenchmarks.SineMlp(), MeanSquaredError<float>.Instance,
            new InnerLoop { Steps = 5, StepSize = 0.01 }, new Hypergradient { Kind = kind }, adapted), new SinusoidTasks<float>(10), 25);

    // Conv-4 on 28×28, 5-way 1-shot with 15 queries per class, batch 4, α = 0.4 (Finn et al.'s Omniglot setting).
    private static (MetaProblem<float>, ITaskDistribution<float>, int) Conv(HypergradientKind kind, int steps) =>
        (MetaProblem<float>.ForNetwork(MetaBenchmarks.Conv4(), SoftmaxCrossEntropy<float>.Instance,
            new InnerLoop { Steps = steps, StepSize = 0.4 }, new Hypergradient { Kind = kind }), MetaBenchmarks.RandomEpisodes(), 4);

    public static int Run(string[] args)
    {
        if (args.Length == 4 && args[0] == "--child")
            return Child(args[1], double.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture));
        double seconds = 10;
        int threads = Environment.ProcessorCount;
        var only = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--only": only.AddRange(args[++i].Split(',')); break;
                default: Console.Error.WriteLine($"Unknown option '{args[i]}'."); return 2;
            }
        }
        bool torch = TorchAvailable();
        Console.WriteLine($"Meta-iterations per second and peak working set, {threads} threads, ≥ {seconds:G} s per side, each side in a fresh process");
        if (!torch) Console.WriteLine("torch was not found for /usr/bin/python3: PyTorch columns are empty (apt-get install python3-torch).");
        Console.WriteLine($"{"workload",-32} {"MetaSpec it/s",13} {"torch it/s",11} {"speed ×",8} {"MetaSpec MiB",13} {"torch MiB",10}");
        foreach (var w in Workloads.Where(w => only.Count == 0 || only.Contains(w.Name)))
        {
            var ours = RunChild(w.Name, seconds, threads, python: false);
            var theirs = torch ? RunChild(w.Name, seconds, threads, python: true) : null;
            string ratio = theirs is null ? "" : FormattableString.Invariant($"{ours.Rate / theirs.Rate:F1}");
            Console.WriteLine(FormattableString.Invariant(
                $"{w.Description,-32} {ours.Rate,13:F2} {(theirs is null ? "" : theirs.Rate.ToString("F2", CultureInfo.InvariantCulture)),11} {ratio,8} {ours.PeakMib,13:F0} {(theirs is null ? "" : theirs.PeakMib.ToString("F0", CultureInfo.InvariantCulture)),10}"));
        }
        return 0;
    }

    internal sealed record Measurement(double Rate, double PeakMib);

    internal static Measurement RunChild(string workload, double seconds, int threads, bool python)
    {
        var start = python
            ? new ProcessStartInfo(Python) { ArgumentList = { Path.Combine(AppContext.BaseDirectory, "reference", "maml.py"), workload, Invariant(seconds), Invariant(threads) } }
            : MetaBenchmarks.SelfStart("maml", "--child", workload, Invariant(seconds), Invariant(threads));
        start.RedirectStandardOutput = true;
        start.UseShellExecute = false;
        // torch parallelises these workloads itself (set_num_threads in the script); an OpenBLAS pool of its own
        // on top oversubscribes the cores: measured here, Conv-4 FOMAML took 6.1 s per iteration with
        // OPENBLAS_NUM_THREADS=2 and 0.35 s with 1.
        if (python) start.Environment["OPENBLAS_NUM_THREADS"] = "1";
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"{(python ? "PyTorch" : "MetaSpec")} run of {workload} printed nothing (exit code {process.ExitCode}).");
        using var json = JsonDocument.Parse(line);
        return new(json.RootElement.GetProperty("it_per_s").GetDouble(), json.RootElement.GetProperty("peak_mib").GetDouble());
    }

    private static int Child(string name, double seconds, int threads)
    {
        var workload = Workloads.Single(w => w.Name == name);
        var (problem, tasks, batch) = workload.Build();
        var network = problem.Network!;
        var meta = problem.CreateMetaParameters(network.CreateParameters(0));
        using var trainer = new MetaTrainer<float>(problem, tasks, new Adam<float>(meta.Length), meta, new TrainerOptions { TaskBatch = batch, Threads = threads, Warnings = null });
        trainer.Step(); // warm-up: JIT and buffers
        var clock = Stopwatch.StartNew();
        int count = 0;
        while (clock.Elapsed.TotalSeconds < seconds || count < 2)
        {
            trainer.Step();
            count++;
        }
        double rate = count / clock.Elapsed.TotalSeconds;
        double peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024);
        Console.WriteLine(FormattableString.Invariant($"{{\"workload\": \"{name}\", \"it_per_s\": {rate}, \"peak_mib\": {peak}}}"));
        return 0;
    }

    private static string Invariant(double v) => v.ToString(CultureInfo.InvariantCulture);

    private const string Python = "/usr/bin/python3";

    internal static bool TorchAvailable()
    {
        if (!File.Exists(Python)) return false;
        using var probe = Process.Start(new ProcessStartInfo(Python) { ArgumentList = { "-c", "import torch" }, RedirectStandardError = true, UseShellExecute = false })!;
        probe.StandardError.ReadToEnd();
        probe.WaitForExit();
        return probe.ExitCode == 0;
    }
}
