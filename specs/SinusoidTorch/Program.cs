// The sinusoid MAML spec (specs/Sinusoid/SineMaml.cs) on either backend: the managed engine or libtorch through the
// torch half the generator writes when the project references MetaSpec.Torch (SineMaml.CreateTorchLearner).
//
//   dotnet run --project specs/SinusoidTorch [-- --backend managed|torch --device auto|cpu|cuda --dtype float32|float64
//                                               --iterations N --seed S --threads T --eval-tasks M --load FILE --out DIR]
//
// Meta-trains briefly (a line every 10%), evaluates on new tasks (query MSE ± 95% interval after 0, 1 and 10 steps,
// K = 10 and K = 5), fits one held-out task, and saves a safetensors checkpoint in the managed engine's layout, which
// either backend loads (--load, from a run on the other backend). CUDA needs the CUDA runtime (build with
// -p:MetaSpecTorchRuntime=cuda) and a GPU; asking for it without them stops before any work, with exit code 2.
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Optimizers;
using MetaSpec.Specs.SinusoidSpec;
using MetaSpec.Tasks;
using MetaSpec.Torch;
using static MetaSpec.Specs.SpecOutput;

namespace MetaSpec.Specs.SinusoidTorchSpec;

public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>The whole job; the tests call it with a tiny budget and text writers.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        Guard("SinusoidTorch", error, () => Execute(args, output, error));

    private static int Execute(string[] args, TextWriter output, TextWriter error)
    {
        var cli = new SpecCommandLine("SinusoidTorch", "Sinusoid MAML (Finn et al. 2017) on the managed engine or on libtorch: train, evaluate, checkpoint");
        var backend = cli.Choice("--backend", "torch", ["managed", "torch"], "the engine");
        var device = cli.Choice("--device", "auto", ["auto", "cpu", "cuda"], "the torch backend's device (auto: CUDA when available, else the CPU)");
        var dtype = cli.Choice("--dtype", "float32", ["float32", "float64"], "the element type");
        var iterations = cli.Count("--iterations", 1_000, "meta-iterations (outer steps); 0 evaluates a loaded checkpoint", minimum: 0);
        var seed = cli.Integer("--seed", 7, "seed of the initialisation and of the task streams", "S");
        var threads = cli.Count("--threads", Environment.ProcessorCount, "threads (the managed engine's tasks, libtorch's intra-op threads): all cores unless given", "T");
        var evalTasks = cli.Count("--eval-tasks", 600, "held-out tasks per evaluation");
        var load = cli.InputFolder("--load", "a checkpoint to start from (saved by either backend)", "FILE");
        var outFolder = cli.OutputFolder("--out", Path.Combine("out", "sinusoid-torch"), "where the checkpoint goes (created; checked for writing before training)");
        if (!cli.TryParse(args, output, error, out int exit)) return exit;
        if (load.Value is { } file && !File.Exists(file))
        {
            error.WriteLine($"SinusoidTorch: --load '{Path.GetFullPath(file)}' does not exist.");
            return 2;
        }
        if (backend.Value == "managed" && device.Value == "cuda")
        {
            error.WriteLine("SinusoidTorch: the managed engine runs on the CPU; --device cuda needs --backend torch.");
            return 2;
        }

        var settings = new Settings(device.Value, iterations.Value, seed.Value, threads.Value, evalTasks.Value, load.Value, outFolder.Value);
        bool torch = backend.Value == "torch";
        if (torch && CheckDevice(settings.Device, error) is { } stop) return stop;
        return (torch, dtype.Value) switch
        {
            (true, "float64") => Job<double>.Run(Job<double>.Torch(settings), settings, output),
            (true, _) => Job<float>.Run(Job<float>.Torch(settings), settings, output),
            (false, "float64") => Job<double>.Run(Job<double>.Managed(settings), settings, output),
            (false, _) => Job<float>.Run(Job<float>.Managed(settings), settings, output),
        };
    }

    /// <summary>Loads libtorch and resolves the device before any work: a device this machine lacks is bad input (exit 2).</summary>
    private static int? CheckDevice(string device, TextWriter error)
    {
        try
        {
            TorchRuntime.EnsureLoaded();
        }
        catch (TorchRuntimeException e)
        {
            error.WriteLine($"SinusoidTorch: {e.Message}");
            return 1;
        }
        try
        {
            TorchRuntime.ResolveDevice(device);
            return null;
        }
        catch (TorchRuntimeException e)
        {
            error.WriteLine($"SinusoidTorch: {e.Message}");
            return 2;
        }
    }
}

/// <summary>The parsed options.</summary>
internal sealed record Settings(string Device, int Iterations, int Seed, int Threads, int EvalTasks, string? Load, string OutFolder);

/// <summary>What the job needs of a learner, on either backend.</summary>
internal sealed class Learner<T>(string description, IDisposable? owned) : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    public string Description { get; } = description;
    public required Action<ITaskDistribution<T>, int, Action<MetaStep>> Train { get; init; }
    public required Func<ITaskDistribution<T>, int, EvaluationResult> Evaluate { get; init; }
    /// <summary>Adapts to a support set with the given steps and predicts at the inputs.</summary>
    public required Func<T[], T[], int, T[], T[]> Fit { get; init; }
    public required Action<string> Save { get; init; }
    public required Action<string> Load { get; init; }
    public void Dispose() => owned?.Dispose();
}

internal static class Job<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const string LearnerName = nameof(SineMaml);

    /// <summary>
    /// The managed engine: the generated learner in float32; in float64 the same problem built from the generated
    /// settings (the generated managed learner is float32 only). Its checkpoints are the same file either way.
    /// </summary>
    public static Learner<T> Managed(Settings s)
    {
        string description = $"managed engine, CPU, {s.Threads} threads";
        if (typeof(T) == typeof(float))
        {
            var sine = new SineMaml(s.Seed);
            return new Learner<T>(description, null)
            {
                Train = (tasks, n, progress) => sine.Train(As<ITaskDistribution<float>>(tasks), n, progress, s.Threads),
                Evaluate = (tasks, count) => sine.Evaluate(As<ITaskDistribution<float>>(tasks), count, steps: 10, seed: 12345),
                Fit = (x, y, steps, grid) => As<T[]>(sine.Adapt(As<float[]>(x), As<float[]>(y), steps).Predict(As<float[]>(grid))),
                Save = sine.Save,
                Load = path => sine = SineMaml.Load(path),
            };
        }
        var problem = MetaProblem<T>.ForNetwork(ManagedBridge.ToSequential<T>(SineMaml.CreateTorchModel()), MeanSquaredError<T>.Instance,
            SineMaml.InnerLoop, SineMaml.Hypergradient, [.. SineMaml.AdaptedLayers]);
        var engine = new NetworkLearner<T>(problem, new Adam<T>(problem.MetaParameterCount, SineMaml.OuterLearningRate),
            SineMaml.CreateTrainerOptions(s.Seed, s.Threads), s.Seed);
        return new Learner<T>(description, null)
        {
            Train = (tasks, n, progress) => engine.Train(tasks, n, progress, s.Threads),
            Evaluate = (tasks, count) => engine.Evaluate(tasks, count, steps: 10, seed: 12345),
            Fit = (x, y, steps, grid) => engine.Adapt(x, y, steps).Predict(grid),
            Save = path => engine.Save(path, LearnerName),
            Load = engine.Load,
        };
    }

    private static TOut As<TOut>(object value) => (TOut)value;

    /// <summary>The torch backend through the generated torch half.</summary>
    public static Learner<T> Torch(Settings s)
    {
        var learner = SineMaml.CreateTorchLearner<T>(s.Seed, new TorchOptions { Device = s.Device, Threads = s.Threads });
        return new Learner<T>($"torch backend, {learner.Device}, {s.Threads} threads", learner)
        {
            Train = (tasks, n, progress) => learner.Train(tasks, n, progress),
            Evaluate = (tasks, count) => learner.Evaluate(tasks, count, steps: 10, seed: 12345),
            Fit = (x, y, steps, grid) => learner.Predict(learner.Adapt(x, y, steps), grid),
            Save = path => learner.Save(path, LearnerName),
            Load = learner.Load,
        };
    }

    public static int Run(Learner<T> learner, Settings s, TextWriter output)
    {
        using var _ = learner;
        string type = typeof(T) == typeof(float) ? "float32" : "float64";
        output.WriteLine(F($"Sinusoid MAML on the {learner.Description}, {type}: {SineNet.ParameterCount} parameters, {s.Iterations} meta-iterations of {SineMaml.TaskBatch} tasks"));
        if (s.Load is { } file)
        {
            learner.Load(file);
            output.WriteLine($"Loaded: {file}");
        }

        var tasks = new SinusoidTasks<T>(shots: 10);
        var clock = Stopwatch.StartNew();
        if (s.Iterations > 0)
        {
            int every = Math.Max(1, s.Iterations / 10);
            double sum = 0;
            learner.Train(tasks, s.Iterations, step =>
            {
                sum += step.MetaLoss;
                long done = step.Iteration + 1;
                if (done % every != 0 && done != s.Iterations) return;
                long span = done % every == 0 ? every : done % every;
                output.WriteLine(F($"it {done}  loss {sum / span:F4}  {done / clock.Elapsed.TotalSeconds:F1} it/s"));
                sum = 0;
            });
            output.WriteLine(F($"Trained in {clock.Elapsed.TotalSeconds:F1} s ({s.Iterations / clock.Elapsed.TotalSeconds:F1} it/s)"));
        }

        output.WriteLine(F($"Query MSE over {s.EvalTasks} new tasks (mean ± 95% interval):"));
        output.WriteLine(F($"{"K",3}  {"0 steps",-17}  {"1 step",-17}  {"10 steps",-17}"));
        foreach (int shots in new[] { 10, 5 })
        {
            var result = learner.Evaluate(new SinusoidTasks<T>(shots, 100), s.EvalTasks);
            output.WriteLine(F($"{shots,3}  {Loss(result.Loss[0]),-17}  {Loss(result.Loss[1]),-17}  {Loss(result.Loss[10]),-17}"));
        }

        // One held-out task: the fit after 10 steps on its K = 10 support points, against the true sine.
        var example = new SinusoidTasks<T>(10, 1);
        var task = example.CreateTaskData();
        example.Sample(new Random(s.Seed + 1), task);
        var grid = Enumerable.Range(0, 21).Select(i => T.CreateTruncating(-5 + 0.5 * i)).ToArray();
        var fit = learner.Fit(task.SupportInputs, task.SupportTargets, 10, grid);
        double amplitude = double.CreateTruncating(task.Descriptor[0]), phase = double.CreateTruncating(task.Descriptor[1]);
        double worst = grid.Select((x, i) => Math.Abs(double.CreateTruncating(fit[i]) - amplitude * Math.Sin(double.CreateTruncating(x) - phase))).Max();
        output.WriteLine(F($"One held-out task (amplitude {amplitude:F2}, phase {phase:F2}): after 10 steps the fit is within {worst:F3} of the sine on [-5, 5]"));

        string checkpoint = Path.Combine(s.OutFolder, "sine-maml.safetensors");
        learner.Save(checkpoint);
        output.WriteLine($"Checkpoint: {checkpoint}");
        return 0;
    }
}
