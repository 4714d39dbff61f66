// Few-shot classification of held-out Fashion-MNIST classes with first-order MAML on a small CNN.
//
// What it shows: the same DSL as the Omniglot spec on another image source (FashionMnist.Load with a class
// split), and what "held-out classes" means on a dataset with only ten: meta-training sees some kinds of
// clothing, meta-testing asks for new kinds from 5 examples each.
//
// The setting, and why: 3-way 5-shot with labels 0–5 for meta-training (T-shirt/top, Trouser, Pullover, Dress,
// Coat, Sandal) and 6–9 for meta-testing (Shirt, Sneaker, Bag, Ankle boot). The loader's default 5/5 split
// would allow 5-way episodes on both sides, but then every test episode would be the same five classes with
// permuted labels, and every training episode the same five too: a single classification problem, not a
// distribution over them. With 6 training classes there are 20 different 3-way problems to meta-train on and
// with 4 test classes 4 different problems to test on (each with random labels and images), so the
// evaluation at least varies the problem. The test classes include a hard pair (Sneaker vs Ankle boot) and
// an easy one (Bag vs the rest); Shirt is close to the training T-shirts and Pullovers.
// Model: 4 × [Conv2d 32 3×3 pad 1, BatchNorm2d(ReLU), MaxPool2d 2], Flatten, Dense 3 — Conv-4 with 32
// filters (as Finn et al. used for MiniImageNet), a quarter of the 64-filter cost, for a CPU budget.
// Training: first-order MAML, 2 inner steps of α = 0.2, 8 tasks per meta-batch, Adam 1e-3; 5 query images
// per class. Test: 5 steps.
// The runtime's α·N·L check warns at the first iteration (L ≈ 1.4·10³ estimated for this BatchNorm network,
// α·N·L ≈ 550): the convergence bound would ask for α ≤ 4·10⁻⁴, three orders of magnitude below the step sizes
// MAML uses for such networks (Finn et al.: 0.4 on Omniglot). We kept the practical α; we did not measure the bound's.
//
// Run:     dotnet run --project specs/FashionMnist            (options: --help; --data DIR for another copy)
// Data:    the four IDX files of Fashion-MNIST, by default from /usr/share/datasets/fashion-mnist (Debian package
//          dataset-fashion-mnist), or github.com/zalandoresearch/fashion-mnist.
// Expect:  chance (33%) after 0 steps; adapted accuracy well above it (figures in docs/specs.md).
using System.Diagnostics;
using MetaSpec.Datasets;
using MetaSpec.Meta;
using MetaSpec.Tasks;
using static MetaSpec.Specs.SpecOutput;

namespace MetaSpec.Specs.FashionMnistSpec;

/// <summary>Conv-4 with 32 filters for 28×28 grey images and 3 ways.</summary>
[MetaModel(1, 28, 28)]
public partial class SmallConv4
{
    Conv2d conv1 = new(32, 3, padding: 1);
    BatchNorm2d norm1 = new(activation: Activation.ReLU);
    MaxPool2d pool1 = new(2);
    Conv2d conv2 = new(32, 3, padding: 1);
    BatchNorm2d norm2 = new(activation: Activation.ReLU);
    MaxPool2d pool2 = new(2);
    Conv2d conv3 = new(32, 3, padding: 1);
    BatchNorm2d norm3 = new(activation: Activation.ReLU);
    MaxPool2d pool3 = new(2);
    Conv2d conv4 = new(32, 3, padding: 1);
    BatchNorm2d norm4 = new(activation: Activation.ReLU);
    MaxPool2d pool4 = new(2);
    Flatten flatten = new();
    Dense classifier = new(3);
}

/// <summary>First-order MAML: 2 inner steps of α = 0.2; Adam 1e-3 over 8 tasks.</summary>
[MetaLearner(typeof(SmallConv4))]
[InnerProblem(LossKind.CrossEntropy, Steps = 2, StepSize = 0.2)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 8)]
[Hypergradient(HypergradientKind.FirstOrder)]
public partial class FashionFomaml;

public static class Program
{
    private const int Ways = 3, Shots = 5, QueryShots = 5, MetaTrainClasses = 6, TestSteps = 5;

    /// <summary>Where Debian's package dataset-fashion-mnist installs the four files.</summary>
    private const string DebianFolder = "/usr/share/datasets/fashion-mnist";

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>The whole spec; the tests call it with a tiny budget.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        Guard("FashionMnist", error, () => Execute(args, output, error));

    private static int Execute(string[] args, TextWriter output, TextWriter error)
    {
        var cli = new SpecCommandLine("FashionMnist", "3-way 5-shot first-order MAML on held-out Fashion-MNIST classes");
        var (iterations, seed, threads) = cli.AddStandard(iterations: 300);
        var evalTasks = cli.Count("--eval-tasks", 300, "held-out episodes for the evaluation");
        var data = cli.InputFolder("--data", $"folder with the four Fashion-MNIST IDX files (default: {DebianFolder}, where Debian's dataset-fashion-mnist puts them)");
        if (!cli.TryParse(args, output, error, out int exit)) return exit;

        LabeledImages train, test;
        var clock = Stopwatch.StartNew();
        try
        {
            train = FashionMnist.Load(data.Value ?? DebianFolder, FashionMnistSplit.MetaTrain, MetaTrainClasses);
            test = FashionMnist.Load(data.Value ?? DebianFolder, FashionMnistSplit.MetaTest, MetaTrainClasses);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            // The loader's message names the file: where to get it when it is missing, what is wrong when it is corrupt.
            error.WriteLine($"FashionMnist: cannot read the data: {e.Message}");
            return 2;
        }
        output.WriteLine(F($"Fashion-MNIST (loaded in {clock.Elapsed.TotalSeconds:F1} s): meta-train classes {string.Join(", ", FashionMnist.ClassNames.Take(MetaTrainClasses))}"));
        output.WriteLine($"  meta-test classes {string.Join(", ", FashionMnist.ClassNames.Skip(MetaTrainClasses))}");

        var learner = new FashionFomaml(seed.Value);
        learner.Warnings = output; // the runtime's smoothness estimate and its α·N·L verdict, at the first iteration
        output.WriteLine(F($"First-order MAML, Conv-4/32 ({SmallConv4.ParameterCount} parameters), {Ways}-way {Shots}-shot, {QueryShots} query images per class"));
        output.WriteLine(F($"{iterations.Value} meta-iterations of {FashionFomaml.TaskBatch} tasks, {FashionFomaml.InnerSteps} inner steps of α = {FashionFomaml.InnerStepSize}, {threads.Value} threads"));
        output.WriteLine("Expected: the runtime's step-size check warns at the first iteration (α·N·L > 1). BatchNorm makes this network's");
        output.WriteLine(F($"  estimated smoothness L large (about 1.4·10³), so the bound would ask for α below 4·10⁻⁴; α = {FashionFomaml.InnerStepSize} is kept,"));
        output.WriteLine("  of the size MAML uses for such networks (Finn et al.: 0.4 on Omniglot): the bound is sufficient, not necessary.");
        clock.Restart();
        double lossWindow = 0;
        int windowCount = 0, report = Math.Max(1, iterations.Value / 10);
        learner.Train(new ClassificationEpisodes<float>(train, Ways, Shots, QueryShots), iterations.Value, step =>
        {
            lossWindow += step.MetaLoss;
            windowCount++;
            long done = step.Iteration + 1;
            if (done % report != 0 && done != iterations.Value) return;
            output.WriteLine(F($"  iteration {done,6}  query loss after adaptation {lossWindow / windowCount:F4}  {clock.Elapsed.TotalSeconds / done:F2} s/iteration"));
            (lossWindow, windowCount) = (0, 0);
        }, threads.Value);
        double trainSeconds = clock.Elapsed.TotalSeconds;
        output.WriteLine(F($"Meta-trained in {trainSeconds:F1} s ({trainSeconds / Math.Max(1, iterations.Value):F2} s/iteration)"));

        clock.Restart();
        var result = learner.Evaluate(new ClassificationEpisodes<float>(test, Ways, Shots, QueryShots), evalTasks.Value, TestSteps, seed: 12345);
        output.WriteLine(F($"Meta-test: {evalTasks.Value} episodes of held-out classes, accuracy on the query images (mean ± 95% CI), {clock.Elapsed.TotalSeconds:F1} s"));
        foreach (int steps in new[] { 0, 1, TestSteps })
            output.WriteLine(F($"  after {steps} step{(steps == 1 ? " " : "s")}: accuracy {Percent(result.Accuracy[steps])}   loss {Loss(result.Loss[steps])}"));
        return 0;
    }
}
