using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MetaSpec.Engine;
using MetaSpec.Meta;
using MetaSpec.Tasks;
using MetaSpec.Torch;

namespace MetaSpec.Benchmarks;

/// <summary>
/// The torch backend (MetaSpec.Torch) on the <c>maml</c> workloads, beside the managed engine and the PyTorch reference:
/// same problems (<see cref="MamlBenchmark"/>'s), float32, each side in a fresh process. <c>--device cuda</c> measures a
/// GPU when the project is built with the CUDA runtime (<c>-p:MetaSpecTorchRuntime=cuda</c>, docs/torch.md).
/// </summary>
internal static class TorchMamlBenchmark
{
    private static readonly string[] DefaultWorkloads = ["sine-maml2", "conv4-maml2-1"];

    public static int Run(string[] args)
    {
        if (args.Length == 5 && args[0] == "--child")
            return Child(args[1], double.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture), args[4]);
        double seconds = 10;
        int threads = Environment.ProcessorCount;
        string device = "cpu";
        var only = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--device": device = args[++i]; break;
                case "--only": only.AddRange(args[++i].Split(',')); break;
                default: Console.Error.WriteLine($"Unknown option '{args[i]}'."); return 2;
            }
        }
        var names = only.Count > 0 ? only : [.. DefaultWorkloads];
        bool python = MamlBenchmark.TorchAvailable();
        Console.WriteLine($"Meta-iterations per second and peak working set, {threads} threads, torch backend on {device}, ≥ {seconds:G} s per side, each side in a fresh process");
        Console.WriteLine("PyTorch: reference/maml.py's batched form (all tasks of a meta-batch in one graph)");
        Console.WriteLine($"load before: {Load()}");
        Console.WriteLine($"{"workload",-32} {"MetaSpec",9} {"Torch",9} {"PyTorch",9} {"Torch/MetaSpec",15} {"MiB: MetaSpec",14} {"Torch",7} {"PyTorch",8}");
        foreach (string name in names)
        {
            var workload = MamlBenchmark.Workloads.SingleOrDefault(w => w.Name == name);
            if (workload is null) { Console.Error.WriteLine($"Unknown workload '{name}'."); return 2; }
            var managed = MamlBenchmark.RunChild(name, torchForm: null, seconds, threads);
            var torch = RunTorchChild(name, seconds, threads, device);
            var reference = python ? MamlBenchmark.RunChild(name, "batched", seconds, threads) : null;
            Console.WriteLine(FormattableString.Invariant(
                $"{workload.Description,-32} {managed.Rate,9:F2} {torch.Rate,9:F2} {(reference is null ? "" : reference.Rate.ToString("F2", CultureInfo.InvariantCulture)),9} {torch.Rate / managed.Rate,15:F3} {managed.PeakMib,14:F0} {torch.PeakMib,7:F0} {(reference is null ? "" : reference.PeakMib.ToString("F0", CultureInfo.InvariantCulture)),8}"));
        }
        Console.WriteLine($"load after: {Load()}");
        return 0;
    }

    private static MamlBenchmark.Measurement RunTorchChild(string workload, double seconds, int threads, string device)
    {
        var start = MetaBenchmarks.SelfStart("maml-torch", "--child", workload, seconds.ToString(CultureInfo.InvariantCulture),
            threads.ToString(CultureInfo.InvariantCulture), device);
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"The torch run of {workload} printed nothing (exit code {process.ExitCode}).");
        using var json = JsonDocument.Parse(line);
        return new(json.RootElement.GetProperty("it_per_s").GetDouble(), double.NaN, json.RootElement.GetProperty("peak_mib").GetDouble());
    }

    /// <summary>The workload on the torch backend, float32, the same problem, tasks and task batch as the managed side.</summary>
    private static int Child(string name, double seconds, int threads, string device)
    {
        var (problem, tasks, batch) = MamlBenchmark.Workloads.Single(w => w.Name == name).Build();
        var outer = new TorchOuterSettings { Optimizer = TorchOptimizerKind.Adam, LearningRate = 1e-3, TaskBatch = batch };
        using var learner = ManagedBridge.CreateLearner(problem, outer, seed: 0, new TorchOptions { Device = device, Threads = threads });
        var sampler = new SeededRandom(0);
        var data = Enumerable.Range(0, batch).Select(_ => tasks.CreateTaskData()).ToArray();
        void Step()
        {
            foreach (var task in data) tasks.Sample(sampler, task);
            learner.Step(data); // reads the losses back, so a GPU step is finished when it returns
        }
        Step(); // warm-up: allocator, kernels
        var clock = Stopwatch.StartNew();
        int count = 0;
        while (clock.Elapsed.TotalSeconds < seconds || count < 2)
        {
            Step();
            count++;
        }
        double rate = count / clock.Elapsed.TotalSeconds;
        double peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024);
        Console.WriteLine(FormattableString.Invariant($"{{\"workload\": \"{name}\", \"device\": \"{learner.Device}\", \"it_per_s\": {rate}, \"peak_mib\": {peak}}}"));
        return 0;
    }

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
}
