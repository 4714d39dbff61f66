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
/// The meta-learning workloads in MetaSpec and in the PyTorch reference (reference/maml.py) in each of its forms
/// (per-task autograd, all tasks batched in one graph, functorch vmap), each run in a fresh process so that peak
/// memory is its own. Several rounds; in each round every side runs once per workload, and the round's ratio is
/// MetaSpec's rate over the best PyTorch form's. The table gives the median ratio and its spread over rounds, so a
/// busy spell that hits one side in one round moves the spread, not the verdict.
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
        new("omniglot-pool-maml2", "Omniglot step, pool, 32 tasks", () => Conv(HypergradientKind.Unrolled, 1, queries: 1, batch: 32)),
        new("omniglot-strided-maml2", "Omniglot step, strided, 32 tasks", () => Conv(HypergradientKind.Unrolled, 1, queries: 1, batch: 32, strided: true)),
    ];

    /// <summary>
    /// The rows of <c>maml --generated</c>: the all-dense workloads, where the generated <c>CreateNetwork()</c> differs
    /// from the layer-by-layer network (it ends with <c>.WithFusedDenseLayers()</c>); the Conv-4 models are emitted as
    /// the generic network, so they have no generated side to compare.
    /// </summary>
    internal static readonly Workload[] GeneratedWorkloads =
    [
        new("sine-maml2-1", "sinusoid MAML, 2nd order, N=1", () => Sine(HypergradientKind.Unrolled, steps: 1)),
        .. Workloads.Where(w => w.Name.StartsWith("sine-", StringComparison.Ordinal)),
    ];

    /// <summary>The forms of reference/maml.py (see its docstring).</summary>
    private static readonly string[] TorchForms = ["per-task", "batched", "vmap"];

    // A form whose float64 meta-gradient differs from per-task autograd's by more than this (relative to its
    // largest entry) computes something else and is left out of the comparison.
    private const double CheckTolerance = 1e-9;

    // MLP 1-40-40-1, K = 10, batch 25, α = 0.01 (Finn et al.); Adam 1e-3 for the outer loop.
    private static (MetaProblem<float>, ITaskDistribution<float>, int) Sine(HypergradientKind kind, string? adapted = null, int steps = 5) =>
        (MetaProblem<float>.ForNetwork(MetaBenchmarks.SineMlp(), MeanSquaredError<float>.Instance,
            new InnerLoop { Steps = steps, StepSize = 0.01 }, new Hypergradient { Kind = kind }, adapted is null ? [] : [adapted]), new SinusoidTasks<float>(10), 25);

    // Conv-4 on 28×28, 5-way 1-shot, α = 0.4 (Finn et al.'s Omniglot setting); by default 15 queries per class, batch 4.
    private static (MetaProblem<float>, ITaskDistribution<float>, int) Conv(HypergradientKind kind, int steps, int queries = 15, int batch = 4, bool strided = false) =>
        (MetaProblem<float>.ForNetwork(MetaBenchmarks.Conv4(strided: strided), SoftmaxCrossEntropy<float>.Instance,
            new InnerLoop { Steps = steps, StepSize = 0.4 }, new Hypergradient { Kind = kind }), MetaBenchmarks.RandomEpisodes(queries: queries), batch);

    /// <summary>The workload called <paramref name="name"/>: its problem, tasks and task batch.</summary>
    public static (MetaProblem<float> Problem, ITaskDistribution<float> Tasks, int Batch) Build(string name) =>
        (Workloads.Concat(GeneratedWorkloads).FirstOrDefault(w => w.Name == name) ?? throw new ArgumentException($"No workload is called '{name}'. Workloads: {string.Join(", ", Workloads.Select(w => w.Name))}.")).Build();

    public static int Run(string[] args)
    {
        if (args.Length is 4 or 5 && args[0] == "--child")
            return Child(args[1], double.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture),
                generated: args.Length == 5 && args[4] == "generated");
        double seconds = 5;
        int threads = Environment.ProcessorCount, rounds = 3;
        bool check = true, generated = false;
        var only = new List<string>();
        var forms = new List<string>(TorchForms);
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds" when i + 1 < args.Length: seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--threads" when i + 1 < args.Length: threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rounds" when i + 1 < args.Length: rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--only" when i + 1 < args.Length: only.AddRange(args[++i].Split(',')); break;
                case "--forms" when i + 1 < args.Length: forms = [.. args[++i].Split(',')]; break;
                case "--no-check": check = false; break;
                case "--generated": generated = true; break;
                default:
                    Console.Error.WriteLine($"maml: unknown option '{args[i]}' (options: --seconds 5 --threads 2 --rounds 3 --only a,b --forms per-task,batched,vmap --no-check --generated)");
                    return 2;
            }
        }
        if (generated) return RunGenerated(only, seconds, threads, rounds);
        var unknown = only.Where(n => Workloads.All(w => w.Name != n)).Concat(forms.Where(f => !TorchForms.Contains(f))).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"maml: unknown workload or form: {string.Join(", ", unknown)}. Workloads: {string.Join(", ", Workloads.Select(w => w.Name))}; forms: {string.Join(", ", TorchForms)}.");
            return 2;
        }
#if DEBUG
        Console.WriteLine("warning: a Debug build; run with -c Release for meaningful figures");
#endif
        var selected = Workloads.Where(w => only.Count == 0 || only.Contains(w.Name)).ToArray();
        bool torch = TorchAvailable();
        Console.WriteLine($"Meta-iterations per second and peak working set: {threads} threads, {rounds} rounds, ≥ {seconds:G} s per side and round, each side in a fresh process");
        Console.WriteLine($"load average at start: {LoadAverage()}");
        if (!torch) Console.WriteLine("torch was not found for /usr/bin/python3: PyTorch columns are empty (apt-get install python3-torch).");

        // Which forms compute the same meta-gradient as per-task autograd (float64): only those are compared.
        var valid = selected.ToDictionary(w => w.Name, _ => forms.ToList());
        if (torch && check) CheckForms(selected, forms, valid);

        var results = selected.ToDictionary(w => w.Name, _ => new List<Round>());
        for (int round = 1; round <= rounds; round++)
        {
            foreach (var w in selected)
            {
                var ours = RunChild(w.Name, null, seconds, threads);
                var theirs = new Dictionary<string, Measurement>();
                if (torch)
                    foreach (var form in valid[w.Name]) theirs[form] = RunChild(w.Name, form, seconds, threads);
                var r = new Round(ours, theirs);
                results[w.Name].Add(r);
                Console.WriteLine(FormattableString.Invariant(
                    $"round {round} {w.Name,-24} MetaSpec {ours.Rate,8:F2} it/s  ") +
                    string.Join("  ", theirs.Select(t => FormattableString.Invariant($"{t.Key} {t.Value.Rate:F2}"))) +
                    (r.Best is null ? "" : FormattableString.Invariant($"  ratio {r.Ratio:F2}")));
            }
        }
        Console.WriteLine($"load average at end: {LoadAverage()}");
        Console.WriteLine();
        PrintTable(selected, forms, results);
        return 0;
    }

    /// <summary>
    /// <c>maml --generated</c>: the generic network (the layers one by one) against the one the generator emits for the
    /// same model (<c>.WithFusedDenseLayers()</c>), each in a fresh process, alternating which runs first; per round the
    /// ratio generated / generic, and the table's median of those ratios with their spread.
    /// </summary>
    private static int RunGenerated(List<string> only, double seconds, int threads, int rounds)
    {
        var unknown = only.Where(n => GeneratedWorkloads.All(w => w.Name != n)).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"maml --generated: unknown workload: {string.Join(", ", unknown)}. Workloads: {string.Join(", ", GeneratedWorkloads.Select(w => w.Name))}.");
            return 2;
        }
#if DEBUG
        Console.WriteLine("warning: a Debug build; run with -c Release for meaningful figures");
#endif
        var selected = GeneratedWorkloads.Where(w => only.Count == 0 || only.Contains(w.Name)).ToArray();
        Console.WriteLine($"Generic vs generated network, meta-iterations per second: {threads} threads, {rounds} rounds, ≥ {seconds:G} s per side and round, each side in a fresh process");
        Console.WriteLine($"load average at start: {LoadAverage()}");
        var results = selected.ToDictionary(w => w.Name, _ => new List<(Measurement Generic, Measurement Generated)>());
        for (int round = 1; round <= rounds; round++)
        {
            foreach (var w in selected)
            {
                // Alternate the order so that a side is not always the one that meets a busy spell first.
                Measurement generic, fused;
                if (round % 2 == 1) (generic, fused) = (RunChild(w.Name, null, seconds, threads), RunChild(w.Name, null, seconds, threads, generated: true));
                else (fused, generic) = (RunChild(w.Name, null, seconds, threads, generated: true), RunChild(w.Name, null, seconds, threads));
                results[w.Name].Add((generic, fused));
                Console.WriteLine(FormattableString.Invariant(
                    $"round {round} {w.Name,-16} generic {generic.Rate,8:F2} it/s  generated {fused.Rate,8:F2} it/s  ratio {fused.Rate / generic.Rate:F2}  CPU ratio {generic.CpuSeconds / fused.CpuSeconds:F2}"));
            }
        }
        Console.WriteLine($"load average at end: {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("Medians over rounds; \"×\" is the median of the rounds' ratios generated / generic (it/s) with their min–max;");
        Console.WriteLine("\"×, CPU\" compares CPU seconds per iteration (all threads) instead: less disturbed by other processes.");
        Console.WriteLine("| workload | generic it/s | generated it/s | × | spread | ×, CPU |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var w in selected)
        {
            var r = results[w.Name];
            var ratios = r.Select(x => x.Generated.Rate / x.Generic.Rate).ToList();
            var cpu = r.Select(x => x.Generic.CpuSeconds / x.Generated.CpuSeconds).ToList();
            Console.WriteLine(FormattableString.Invariant(
                $"| {w.Description} | {Median(r.Select(x => x.Generic.Rate).ToList()):F2} | {Median(r.Select(x => x.Generated.Rate).ToList()):F2} | {Median(ratios):F2} | {ratios.Min():F2}–{ratios.Max():F2} | {Median(cpu):F2} |"));
        }
        return 0;
    }

    /// <summary>Iterations per second (wall clock), CPU seconds per iteration (all threads) and peak working set.</summary>
    internal sealed record Measurement(double Rate, double CpuSeconds, double PeakMib);

    private sealed record Round(Measurement Ours, Dictionary<string, Measurement> Theirs)
    {
        public KeyValuePair<string, Measurement>? Best =>
            Theirs.Count == 0 ? null : Theirs.MaxBy(t => t.Value.Rate);

        public double Ratio => Ours.Rate / Best!.Value.Value.Rate;
    }

    private static void PrintTable(Workload[] selected, List<string> forms, Dictionary<string, List<Round>> results)
    {
        Console.WriteLine("Medians over rounds; \"× best\" is the median of the rounds' ratios MetaSpec / best PyTorch form (it/s), with their min–max;");
        Console.WriteLine("\"× best, CPU\" compares CPU seconds per iteration (all threads) with the best form's instead: less disturbed by other processes, blind to parallel efficiency.");
        Console.WriteLine($"| workload | MetaSpec it/s | {string.Join(" | ", forms.Select(f => $"torch {f} it/s"))} | best form | × best | spread | × per-task | × best, CPU | MetaSpec MiB | torch MiB (least) |");
        Console.WriteLine($"| --- | ---: | {string.Join(" | ", forms.Select(_ => "---:"))} | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var w in selected)
        {
            var rounds = results[w.Name];
            string Cell(string form)
            {
                var rates = rounds.Where(r => r.Theirs.ContainsKey(form)).Select(r => r.Theirs[form].Rate).ToList();
                return rates.Count == 0 ? "–" : Median(rates).ToString("F2", CultureInfo.InvariantCulture);
            }
            var ratios = rounds.Where(r => r.Best is not null).Select(r => r.Ratio).ToList();
            var cpuRatios = rounds.Where(r => r.Best is not null).Select(r => r.Best!.Value.Value.CpuSeconds / r.Ours.CpuSeconds).ToList();
            var perTask = rounds.Where(r => r.Theirs.ContainsKey("per-task")).Select(r => r.Ours.Rate / r.Theirs["per-task"].Rate).ToList();
            string best = ratios.Count == 0 ? "–"
                : rounds.Where(r => r.Best is not null).GroupBy(r => r.Best!.Value.Key).MaxBy(g => g.Count())!.Key;
            var torchPeaks = rounds.SelectMany(r => r.Theirs.Values.Select(m => m.PeakMib)).ToList();
            Console.WriteLine(FormattableString.Invariant(
                $"| {w.Description} | {Median(rounds.Select(r => r.Ours.Rate).ToList()):F2} | {string.Join(" | ", forms.Select(Cell))} | {best} | ") +
                (ratios.Count == 0 ? "– | – | " : FormattableString.Invariant($"{Median(ratios):F2} | {ratios.Min():F2}–{ratios.Max():F2} | ")) +
                (perTask.Count == 0 ? "– | " : FormattableString.Invariant($"{Median(perTask):F2} | ")) +
                (cpuRatios.Count == 0 ? "– | " : FormattableString.Invariant($"{Median(cpuRatios):F2} | ")) +
                FormattableString.Invariant($"{rounds.Max(r => r.Ours.PeakMib):F0} | ") +
                (torchPeaks.Count == 0 ? "– |" : FormattableString.Invariant($"{torchPeaks.Min():F0} |")));
        }
    }

    /// <summary>Runs reference/maml.py's check and keeps, per workload, the forms that agree with per-task autograd.</summary>
    private static void CheckForms(Workload[] selected, List<string> forms, Dictionary<string, List<string>> valid)
    {
        Console.WriteLine($"meta-gradient check (float64, same parameters and data): max |form − per-task| / max |per-task|, tolerance {CheckTolerance:G}");
        var start = new ProcessStartInfo(Python) { ArgumentList = { ReferenceScript, "check" }, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var seen = new HashSet<string>();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            using var json = JsonDocument.Parse(line);
            string name = json.RootElement.GetProperty("workload").GetString()!;
            if (!valid.TryGetValue(name, out var list)) continue;
            seen.Add(name);
            var cells = new List<string>();
            foreach (var form in forms.Where(f => f != "per-task"))
            {
                var value = json.RootElement.GetProperty(form);
                bool ok = value.ValueKind == JsonValueKind.Number && value.GetDouble() <= CheckTolerance;
                cells.Add(value.ValueKind == JsonValueKind.Number ? FormattableString.Invariant($"{form} {value.GetDouble():0.0E+00}{(ok ? "" : " (differs: left out)")}") : $"{form} {value.GetString()} (left out)");
                if (!ok) list.Remove(form);
            }
            Console.WriteLine($"  {name,-24} {string.Join(", ", cells)}");
        }
        process.WaitForExit();
        foreach (var name in valid.Keys.Where(n => !seen.Contains(n)))
        {
            Console.WriteLine($"  {name,-24} not checked (the script printed nothing for it): only per-task is compared");
            valid[name].RemoveAll(f => f != "per-task");
        }
    }

    internal static Measurement RunChild(string workload, string? torchForm, double seconds, int threads, bool generated = false)
    {
        var start = torchForm is not null
            ? new ProcessStartInfo(Python) { ArgumentList = { ReferenceScript, workload, torchForm, Invariant(seconds), Invariant(threads) } }
            : generated ? MetaBenchmarks.SelfStart("maml", "--child", workload, Invariant(seconds), Invariant(threads), "generated")
            : MetaBenchmarks.SelfStart("maml", "--child", workload, Invariant(seconds), Invariant(threads));
        start.RedirectStandardOutput = true;
        start.UseShellExecute = false;
        // torch parallelises these workloads itself (set_num_threads in the script); an OpenBLAS pool of its own
        // on top oversubscribes the cores: measured here, Conv-4 FOMAML took 6.1 s per iteration with
        // OPENBLAS_NUM_THREADS=2 and 0.35 s with 1.
        if (torchForm is not null) start.Environment["OPENBLAS_NUM_THREADS"] = "1";
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"{(torchForm is null ? "MetaSpec" : $"PyTorch ({torchForm})")} run of {workload} printed nothing (exit code {process.ExitCode}).");
        using var json = JsonDocument.Parse(line);
        return new(json.RootElement.GetProperty("it_per_s").GetDouble(), json.RootElement.GetProperty("cpu_s_per_it").GetDouble(),
            json.RootElement.GetProperty("peak_mib").GetDouble());
    }

    private static int Child(string name, double seconds, int threads, bool generated)
    {
        var (problem, tasks, batch) = Build(name);
        // The generated side: the network a generated CreateNetwork() returns for this all-dense model.
        if (generated) problem = new MetaProblem<float>(problem.Network!.WithFusedDenseLayers(), problem.Loss!, problem.Inner, problem.Method, [.. problem.Mask.ToArray().Select(m => m != 0)]);
        var network = problem.Network!;
        var meta = problem.CreateMetaParameters(network.CreateParameters(0));
        using var trainer = new MetaTrainer<float>(problem, tasks, new Adam<float>(meta.Length), meta, new TrainerOptions { TaskBatch = batch, Threads = threads, Warnings = null });
        trainer.Step(); // warm-up: JIT and buffers
        var self = Process.GetCurrentProcess();
        var cpuStart = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        int count = 0;
        while (clock.Elapsed.TotalSeconds < seconds || count < 2)
        {
            trainer.Step();
            count++;
        }
        double rate = count / clock.Elapsed.TotalSeconds;
        self.Refresh();
        double cpu = (self.TotalProcessorTime - cpuStart).TotalSeconds / count;
        double peak = self.PeakWorkingSet64 / (1024.0 * 1024);
        Console.WriteLine(FormattableString.Invariant($"{{\"workload\": \"{name}\", \"it_per_s\": {rate}, \"cpu_s_per_it\": {cpu}, \"peak_mib\": {peak}}}"));
        return 0;
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>The 1-, 5- and 15-minute load averages (/proc/loadavg): figures taken under load say so.</summary>
    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{parts[0]} {parts[1]} {parts[2]} (1, 5, 15 min; {Environment.ProcessorCount} cores)";
        }
        catch (IOException)
        {
            return "unknown (no /proc/loadavg)";
        }
    }

    private static string Invariant(double v) => v.ToString(CultureInfo.InvariantCulture);

    private const string Python = "/usr/bin/python3";

    private static string ReferenceScript => Path.Combine(AppContext.BaseDirectory, "reference", "maml.py");

    internal static bool TorchAvailable()
    {
        if (!File.Exists(Python)) return false;
        using var probe = Process.Start(new ProcessStartInfo(Python) { ArgumentList = { "-c", "import torch" }, RedirectStandardError = true, UseShellExecute = false })!;
        probe.StandardError.ReadToEnd();
        probe.WaitForExit();
        return probe.ExitCode == 0;
    }
}
