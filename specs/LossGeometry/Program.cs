// Learned loss geometry: the inner step's geometry meta-learned, five ways, side by side (issue 11, docs/geometry.md).
//
// What it shows: the [Geometry] attribute. Five learners that differ only in it — MAML (the identity, the plain
// gradient step), Meta-SGD (a learned diagonal), block-diagonal (a learned matrix on each tensor's output axis,
// MT-net style), Kronecker (learned factors on each tensor's axis groups, Meta-Curvature style) and mirror descent
// with a learned inverse mirror map — meta-trained from the same initialisation on the same task stream for the same
// number of meta-iterations, with the wall time each took, then tested on the same held-out episodes.
//
// The seed's protocol is 5-way miniImageNet with Conv-4 (MAML 48.70, Meta-SGD 50.47, MT-net 51.70, Meta-Curvature
// 54.23, mirror map 56.10 % 1-shot). miniImageNet is not available here; the two settings are
//   Omniglot 20-way 1-shot (Finn et al.'s protocol: 28×28, rotations as new classes, 1 query image per class), and
//   Fashion-MNIST 5-way 1-shot on held-out classes (labels 0–4 meta-train, 5–9 meta-test, 5 query images per class).
// With ten classes, 5-way on held-out classes means every test episode is the same five kinds of clothing under a
// new random labelling with new images: a narrow test distribution, said here so the figure is read as what it is.
// Model: Conv-4 narrowed to 16 filters (4 × [Conv2d 16 3×3 pad 1, BatchNorm2d(ReLU), MaxPool2d 2], Flatten, Dense):
// the 64-filter network costs about 14 times as much per image, which this comparison's CPU budget does not allow.
// Training: exact second-order meta-gradients, one inner step of α = 0.4 (Finn et al.'s Omniglot step), 4 tasks per
// meta-batch, Adam 1e-3. The mirror map uses 8-wide embeddings and 32-wide decoders (FiLM-style output).
// Test: 600 episodes, mean ± 95% CI, after 1 step (what was trained) and after --eval-steps steps; the figure shows
// the inner (support) loss and ‖∇L_S‖ against the step k for each method, averaged over the test episodes.
// The wall time of each method includes the runtime's one-off smoothness estimate at its first iteration.
//
// Run:     dotnet run --project specs/LossGeometry      (options: --help; the defaults are docs/specs.md's 1 000-iteration run,
//          about 8 minutes on one core; --iterations 3000 the other)
// Data:    Omniglot's images_background.npz and images_evaluation.npz (../shared/data/omniglot beside the repository
//          root, or --omniglot DIR) and Fashion-MNIST's four IDX files (/usr/share/datasets/fashion-mnist, Debian's
//          dataset-fashion-mnist, or --fashion DIR).
// Expect:  a table per data set and loss-geometry-<set>.svg in --out. Whether the seed's ordering (mirror map >
//          Kronecker > block-diagonal > diagonal > identity) appears depends on the budget: docs/specs.md has our run.
using System.Diagnostics;
using MetaSpec.Datasets;
using MetaSpec.Meta;
using MetaSpec.Specs.SinusoidSpec;
using MetaSpec.Tasks;
using static MetaSpec.Specs.SpecOutput;

namespace MetaSpec.Specs.LossGeometrySpec;

/// <summary>Conv-4 with 16 filters for 28×28 grey images, 20 ways (Omniglot).</summary>
[MetaModel(1, 28, 28)]
public partial class Conv4Ways20
{
    Conv2d conv1 = new(16, 3, padding: 1);
    BatchNorm2d norm1 = new(activation: Activation.ReLU);
    MaxPool2d pool1 = new(2);
    Conv2d conv2 = new(16, 3, padding: 1);
    BatchNorm2d norm2 = new(activation: Activation.ReLU);
    MaxPool2d pool2 = new(2);
    Conv2d conv3 = new(16, 3, padding: 1);
    BatchNorm2d norm3 = new(activation: Activation.ReLU);
    MaxPool2d pool3 = new(2);
    Conv2d conv4 = new(16, 3, padding: 1);
    BatchNorm2d norm4 = new(activation: Activation.ReLU);
    MaxPool2d pool4 = new(2);
    Flatten flatten = new();
    Dense classifier = new(20);
}

/// <summary>The same network with 5 ways (Fashion-MNIST).</summary>
[MetaModel(1, 28, 28)]
public partial class Conv4Ways5
{
    Conv2d conv1 = new(16, 3, padding: 1);
    BatchNorm2d norm1 = new(activation: Activation.ReLU);
    MaxPool2d pool1 = new(2);
    Conv2d conv2 = new(16, 3, padding: 1);
    BatchNorm2d norm2 = new(activation: Activation.ReLU);
    MaxPool2d pool2 = new(2);
    Conv2d conv3 = new(16, 3, padding: 1);
    BatchNorm2d norm3 = new(activation: Activation.ReLU);
    MaxPool2d pool3 = new(2);
    Conv2d conv4 = new(16, 3, padding: 1);
    BatchNorm2d norm4 = new(activation: Activation.ReLU);
    MaxPool2d pool4 = new(2);
    Flatten flatten = new();
    Dense classifier = new(5);
}

// The five learners of each network differ only in [Geometry]; everything else is the same attribute text.

[MetaLearner(typeof(Conv4Ways20))]
[InnerProblem(LossKind.CrossEntropy, Steps = 1, StepSize = 0.4)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 4)]
[Hypergradient(HypergradientKind.Unrolled)]
public partial class OmniglotIdentity;

[MetaLearner(typeof(Conv4Ways20))]
[InnerProblem(LossKind.CrossEntropy, Steps = 1, StepSize = 0.4)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 4)]
[Hypergradient(HypergradientKind.Unrolled)]
[Geometry(GeometryKind.Diagonal)]
public partial class OmniglotDiagonal;

[MetaLearner(typeof(Conv4Ways20))]
[InnerProblem(LossKind.CrossEntropy, Steps = 1, StepSize = 0.4)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 4)]
[Hypergradient(HypergradientKind.Unrolled)]
[Geometry(GeometryKind.BlockDiagonal)]
public partial class OmniglotBlockDiagonal;

[MetaLearner(typeof(Conv4Ways20))]
[InnerProblem(LossKind.CrossEntropy, Steps = 1, StepSize = 0.4)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 4)]
[Hypergradient(HypergradientKind.Unrolled)]
[Geometry(GeometryKind.Kronecker)]
public partial class OmniglotKronecker;

[MetaLearner(typeof(Conv4Ways20))]
[InnerProblem(LossKind.CrossEntropy, Steps = 1, StepSize = 0.4)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 4)]
[Hypergradient(HypergradientKind.Unrolled)]
[Geometry(GeometryKind.MirrorMap, Embedding = 8, Hidden = 32)]
public partial class OmniglotMirrorMap;

[MetaLearner(typeof(Conv4Ways5))]
[InnerProblem(LossKind.CrossEntropy, Steps = 1, StepSize = 0.4)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 4)]
[Hypergradient(HypergradientKind.Unrolled)]
public partial class FashionIdentity;

[MetaLearner(typeof(Conv4Ways5))]
[InnerProblem(LossKind.CrossEntropy, Steps = 1, StepSize = 0.4)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 4)]
[Hypergradient(HypergradientKind.Unrolled)]
[Geometry(GeometryKind.Diagonal)]
public partial class FashionDiagonal;

[MetaLearner(typeof(Conv4Ways5))]
[InnerProblem(LossKind.CrossEntropy, Steps = 1, StepSize = 0.4)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 4)]
[Hypergradient(HypergradientKind.Unrolled)]
[Geometry(GeometryKind.BlockDiagonal)]
public partial class FashionBlockDiagonal;

[MetaLearner(typeof(Conv4Ways5))]
[InnerProblem(LossKind.CrossEntropy, Steps = 1, StepSize = 0.4)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 4)]
[Hypergradient(HypergradientKind.Unrolled)]
[Geometry(GeometryKind.Kronecker)]
public partial class FashionKronecker;

[MetaLearner(typeof(Conv4Ways5))]
[InnerProblem(LossKind.CrossEntropy, Steps = 1, StepSize = 0.4)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 4)]
[Hypergradient(HypergradientKind.Unrolled)]
[Geometry(GeometryKind.MirrorMap, Embedding = 8, Hidden = 32)]
public partial class FashionMirrorMap;

/// <summary>One method of the comparison: its name, its meta-parameter count and how to make its learner from a seed.</summary>
internal sealed record Method(string Name, string Color, int MetaParameterCount, Func<int, NetworkLearner<float>> Create);

/// <summary>One method's results on one data set.</summary>
internal sealed record Outcome(Method Method, double TrainSeconds, double EvaluateSeconds, EvaluationResult Result);

public static class Program
{
    private const int OmniglotWays = 20, FashionWays = 5, Shots = 1, OmniglotQueryShots = 1, FashionQueryShots = 5, FashionMetaTrainClasses = 5;

    /// <summary>Where Debian's package dataset-fashion-mnist installs the four files.</summary>
    private const string DebianFashionFolder = "/usr/share/datasets/fashion-mnist";

    // Colours from ColorBrewer's Dark2, one per method, the same in both figures.
    private static readonly Method[] OmniglotMethods =
    [
        new("identity (MAML)", "#666666", OmniglotIdentity.MetaParameterCount, s => new OmniglotIdentity(s).Engine),
        new("diagonal (Meta-SGD)", "#1b9e77", OmniglotDiagonal.MetaParameterCount, s => new OmniglotDiagonal(s).Engine),
        new("block-diagonal", "#d95f02", OmniglotBlockDiagonal.MetaParameterCount, s => new OmniglotBlockDiagonal(s).Engine),
        new("Kronecker", "#7570b3", OmniglotKronecker.MetaParameterCount, s => new OmniglotKronecker(s).Engine),
        new("mirror map", "#e7298a", OmniglotMirrorMap.MetaParameterCount, s => new OmniglotMirrorMap(s).Engine),
    ];

    private static readonly Method[] FashionMethods =
    [
        new("identity (MAML)", "#666666", FashionIdentity.MetaParameterCount, s => new FashionIdentity(s).Engine),
        new("diagonal (Meta-SGD)", "#1b9e77", FashionDiagonal.MetaParameterCount, s => new FashionDiagonal(s).Engine),
        new("block-diagonal", "#d95f02", FashionBlockDiagonal.MetaParameterCount, s => new FashionBlockDiagonal(s).Engine),
        new("Kronecker", "#7570b3", FashionKronecker.MetaParameterCount, s => new FashionKronecker(s).Engine),
        new("mirror map", "#e7298a", FashionMirrorMap.MetaParameterCount, s => new FashionMirrorMap(s).Engine),
    ];

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>The whole spec; the tests call it with a tiny budget.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        Guard("LossGeometry", error, () => Execute(args, output, error));

    private static int Execute(string[] args, TextWriter output, TextWriter error)
    {
        var cli = new SpecCommandLine("LossGeometry",
            "MAML vs Meta-SGD vs block-diagonal vs Kronecker vs learned mirror map, Omniglot 20-way 1-shot and Fashion-MNIST 5-way 1-shot");
        var (iterations, seed, threads) = cli.AddStandard(iterations: 1000);
        var evalTasks = cli.Count("--eval-tasks", 600, "held-out episodes for each method's evaluation");
        var evalSteps = cli.Count("--eval-steps", 5, "inner steps at test time (the figure's k = 0 … this − 1)", "K");
        var omniglotFolder = cli.InputFolder("--omniglot", "folder with images_background.npz and images_evaluation.npz (default: ../shared/data/omniglot beside the repository root)");
        var fashionFolder = cli.InputFolder("--fashion", $"folder with the four Fashion-MNIST IDX files (default: {DebianFashionFolder})");
        var noOmniglot = cli.Flag("--no-omniglot", "skip the Omniglot comparison");
        var noFashion = cli.Flag("--no-fashion", "skip the Fashion-MNIST comparison");
        var outFolder = cli.OutputFolder("--out", Path.Combine("out", "loss-geometry"), "folder for the figures loss-geometry-omniglot.svg and loss-geometry-fashion.svg");
        if (!cli.TryParse(args, output, error, out int exit)) return exit;
        if (noOmniglot.Value && noFashion.Value)
        {
            error.WriteLine("LossGeometry: --no-omniglot and --no-fashion together leave nothing to compare; drop one.");
            return 2;
        }

        // Read both data sets before any training, so that a missing file fails now and not after the first comparison.
        (ITaskDistribution<float> Train, ITaskDistribution<float> Test)? omniglot = null, fashion = null;
        if (!noOmniglot.Value)
        {
            string? folder = omniglotFolder.Value ?? DefaultOmniglotFolder();
            if (folder is null || !File.Exists(Path.Combine(folder, Omniglot.FileName(OmniglotSplit.Background)))
                               || !File.Exists(Path.Combine(folder, Omniglot.FileName(OmniglotSplit.Evaluation))))
            {
                error.WriteLine($"LossGeometry: Omniglot data not found{(folder is null ? " (no --omniglot given and no repository root with ../shared/data/omniglot)" : $" in '{Path.GetFullPath(folder)}'")}.");
                error.WriteLine("Needed: images_background.npz and images_evaluation.npz (docs/data.md says how to make them). Pass the folder with --omniglot DIR, or skip it with --no-omniglot.");
                return 2;
            }
            if (!TryLoad("Omniglot", error, () => (Omniglot.Load(folder, OmniglotSplit.Background, 28).WithRotatedClasses(),
                                                   Omniglot.Load(folder, OmniglotSplit.Evaluation, 28).WithRotatedClasses()), out var sets)) return 2;
            output.WriteLine(F($"Omniglot: {sets.Train.ClassCount} meta-train classes (background), {sets.Test.ClassCount} meta-test classes (evaluation), rotations as classes"));
            omniglot = (new ClassificationEpisodes<float>(sets.Train, OmniglotWays, Shots, OmniglotQueryShots),
                        new ClassificationEpisodes<float>(sets.Test, OmniglotWays, Shots, OmniglotQueryShots));
        }
        if (!noFashion.Value)
        {
            string folder = fashionFolder.Value ?? DebianFashionFolder;
            if (!TryLoad("Fashion-MNIST", error, () => (FashionMnist.Load(folder, FashionMnistSplit.MetaTrain, FashionMetaTrainClasses),
                                                        FashionMnist.Load(folder, FashionMnistSplit.MetaTest, FashionMetaTrainClasses)), out var sets)) return 2;
            output.WriteLine($"Fashion-MNIST: meta-train classes {string.Join(", ", FashionMnist.ClassNames.Take(FashionMetaTrainClasses))}; meta-test classes {string.Join(", ", FashionMnist.ClassNames.Skip(FashionMetaTrainClasses))}");
            fashion = (new ClassificationEpisodes<float>(sets.Train, FashionWays, Shots, FashionQueryShots),
                       new ClassificationEpisodes<float>(sets.Test, FashionWays, Shots, FashionQueryShots));
        }

        output.WriteLine(F($"Conv-4 with 16 filters, second-order meta-gradients, 1 inner step of α = {OmniglotIdentity.InnerStepSize}, {OmniglotIdentity.TaskBatch} tasks per meta-batch, Adam {OmniglotIdentity.OuterLearningRate}"));
        output.WriteLine(F($"Every method: seed {seed.Value}, {iterations.Value} meta-iterations, {threads.Value} thread{(threads.Value == 1 ? "" : "s")}; test: {evalTasks.Value} held-out episodes, {evalSteps.Value} steps"));
        var settings = new Settings(iterations.Value, seed.Value, threads.Value, evalTasks.Value, evalSteps.Value);
        if (omniglot is { } o)
            Compare("Omniglot 20-way 1-shot", "omniglot", OmniglotMethods, o.Train, o.Test, settings, outFolder.Value, output);
        if (fashion is { } f)
            Compare("Fashion-MNIST held-out classes 5-way 1-shot", "fashion", FashionMethods, f.Train, f.Test, settings, outFolder.Value, output);
        return 0;
    }

    private sealed record Settings(int Iterations, int Seed, int Threads, int EvalTasks, int EvalSteps);

    /// <summary>Trains and tests every method in turn on the same task streams, then prints the table and writes the figure.</summary>
    private static void Compare(string title, string key, Method[] methods, ITaskDistribution<float> train, ITaskDistribution<float> test,
        Settings settings, string outFolder, TextWriter output)
    {
        output.WriteLine();
        output.WriteLine($"== {title} ==");
        var outcomes = new List<Outcome>();
        foreach (var method in methods)
        {
            var learner = method.Create(settings.Seed);
            learner.Warnings = output; // the runtime's smoothness estimate and its α·N·L verdict (with ‖P‖ for the learned geometries)
            var clock = Stopwatch.StartNew();
            double window = 0;
            int count = 0, report = Math.Max(1, settings.Iterations / 5);
            learner.Train(train, settings.Iterations, step =>
            {
                window += step.MetaLoss;
                count++;
                long done = step.Iteration + 1;
                if (done % report != 0 && done != settings.Iterations) return;
                output.WriteLine(F($"  {method.Name,-20} iteration {done,5}  query loss {window / count:F4}  {clock.Elapsed.TotalSeconds / done:F2} s/iteration"));
                (window, count) = (0, 0);
            }, settings.Threads);
            double trainSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var result = learner.Evaluate(test, settings.EvalTasks, settings.EvalSteps, seed: 12345);
            outcomes.Add(new Outcome(method, trainSeconds, clock.Elapsed.TotalSeconds, result));
        }

        int k = settings.EvalSteps;
        output.WriteLine();
        output.WriteLine($"{title}: query accuracy on {settings.EvalTasks} held-out episodes (mean ± 95% CI); the same seed, task stream and {settings.Iterations} meta-iterations for each");
        output.WriteLine(F($"| method | meta-parameters | train s (s/iteration) | test s | after 1 step | after {k} steps | diverged |"));
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var o in outcomes)
            output.WriteLine(F($"| {o.Method.Name} | {o.Method.MetaParameterCount} | {o.TrainSeconds:F0} ({o.TrainSeconds / settings.Iterations:F2}) | {o.EvaluateSeconds:F0} | {Percent(o.Result.Accuracy[1])} | {Percent(o.Result.Accuracy[k])} | {o.Result.DivergedTasks} |"));
        output.WriteLine($"Ranking after 1 step (by mean; overlapping intervals are not a difference): {string.Join(" > ", outcomes.OrderByDescending(o => o.Result.Accuracy[1].Mean).Select(o => o.Method.Name))}");
        output.WriteLine($"Overlapping 95% intervals after 1 step: {Overlaps(outcomes)}");

        var figure = new Figure();
        figure.Panel($"{title}: inner loss", "inner step k", "support loss L_S (mean over episodes)", Curves(outcomes, r => r.SupportLoss), logY: true);
        figure.Panel("gradient norm", "inner step k", "‖∇L_S‖ (mean over episodes)", Curves(outcomes, r => r.SupportGradientNorm), logY: true);
        string path = Path.Combine(outFolder, $"loss-geometry-{key}.svg");
        figure.Save(path);
        output.WriteLine($"Figure: {Path.GetFullPath(path)}");
    }

    private static Figure.Series[] Curves(List<Outcome> outcomes, Func<EvaluationResult, Estimate[]> values) =>
        [.. outcomes.Select(o => new Figure.Series(o.Method.Name, o.Method.Color,
            [.. values(o.Result).Select((e, step) => ((double)step, e.Mean))]))];

    /// <summary>The pairs of methods whose 95% intervals after one step overlap, or "none".</summary>
    private static string Overlaps(List<Outcome> outcomes)
    {
        var pairs = new List<string>();
        for (int i = 0; i < outcomes.Count; i++)
        for (int j = i + 1; j < outcomes.Count; j++)
        {
            Estimate a = outcomes[i].Result.Accuracy[1], b = outcomes[j].Result.Accuracy[1];
            if (Math.Abs(a.Mean - b.Mean) <= a.HalfWidth95 + b.HalfWidth95) pairs.Add($"{outcomes[i].Method.Name} / {outcomes[j].Method.Name}");
        }
        return pairs.Count == 0 ? "none" : string.Join("; ", pairs);
    }

    private static bool TryLoad(string name, TextWriter error, Func<(LabeledImages, LabeledImages)> load, out (LabeledImages Train, LabeledImages Test) sets)
    {
        try
        {
            sets = load();
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // The loaders' messages name the file: where to get it when it is missing, what is wrong when it is corrupt.
            error.WriteLine($"LossGeometry: cannot read the {name} data: {e.Message}");
            sets = default;
            return false;
        }
    }

    /// <summary>../shared/data/omniglot beside the repository root, if there is one.</summary>
    private static string? DefaultOmniglotFolder()
    {
        string? root = RepositoryRoot();
        return root is null ? null : Path.GetFullPath(Path.Combine(root, "..", "shared", "data", "omniglot"));
    }
}
