// Bilevel meta-learning with a shared embedding: AID, ITD and ESJ side by side on sinusoid regression.
//
// What it shows: one model, a meta-learned body (the embedding) and a linear head that every task re-solves
// from zero ([Adapt] on the head, ResetAdaptedToZero = true) on a ridge-regularised problem (Proximal = λ: the
// proximal term λ/2‖u − 0‖² on a head that starts at zero is a ridge). The outer problem learns the body so
// that the per-task ridge heads predict the query set well: the bilevel formulation of Ji, Yang, Liang
// (ICML 2021, "Bilevel Optimization: Convergence Analysis and Enhanced Design"), who analyse the first two of
// the three hypergradients declared here:
//   ITD (Unrolled): differentiate through the N inner steps exactly;
//   AID (Implicit, conjugate gradient): treat the head as the ridge solution and differentiate the optimality
//       condition, solving the linear system with a few CG steps (exact only if the inner problem is solved);
//   ESJ (EvolutionStrategies): estimate the head's Jacobian with respect to the body from inner loops run at
//       randomly perturbed bodies, Hessian-free (no second derivatives at all).
// Each learner trains for the same number of meta-iterations from the same initialisation on the same tasks
// (Finn et al.'s sinusoids, K = 10), then adapts a fresh head on held-out tasks.
// Cost per iteration differs for a structural reason too: with Unrolled, the runtime runs the head-only inner
// loop on body features computed once per task; Implicit and ES evaluate the whole network in every step.
//
// Step size: the runtime's α·N·L check warns at the first iteration (0.02·20·10.7 ≈ 4.3 > 1). That bound is for
// N steps on a nonconvex adapted model; the head's ridge problem here is strongly convex, where gradient descent
// converges for α < 2/L and the bilevel analyses take α ≤ 1/L (α·L ≈ 0.21 here) with N as large as accuracy needs.
// Shrinking α to the bound (≤ 0.0047) would leave the head far from its ridge solution after 20 steps.
//
// Run:     dotnet run --project specs/SharedEmbedding            (options: --help)
// Expect:  all three well below the zero head's loss (the variance of the sinusoids, ~3.5 on 100 points); time per
//          iteration ESJ ≫ AID > ITD here (figures in docs/specs.md).
using System.Diagnostics;
using MetaSpec.Meta;
using MetaSpec.Tasks;
using static MetaSpec.Specs.SpecOutput;

namespace MetaSpec.Specs.SharedEmbeddingSpec;

/// <summary>
/// A 1-40-40 tanh embedding (bounded features keep the head's problem well conditioned: its curvature is at
/// most 2·(40 + 1) + λ) and a linear head.
/// </summary>
[MetaModel(1)]
public partial class EmbeddingNet
{
    Dense hidden1 = new(40, Activation.Tanh);
    Dense hidden2 = new(40, Activation.Tanh);
    [Adapt] Dense head = new(1);
}

// The three learners differ only in [Hypergradient]. Inner problem: 20 steps of α = 0.02 from a zero head on
// MSE + λ/2‖u‖² with λ = 0.1; outer: Adam 1e-3 over 8 tasks, the meta-gradient clipped to norm 10.

/// <summary>ITD: exact differentiation through the 20 head steps.</summary>
[MetaLearner(typeof(EmbeddingNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 20, StepSize = 0.02, Proximal = 0.1, ResetAdaptedToZero = true)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 8, ClipGradientNorm = 10)]
[Hypergradient(HypergradientKind.Unrolled)]
public partial class SineItd;

/// <summary>AID: implicit differentiation at the head's solution, 5 conjugate-gradient iterations.</summary>
[MetaLearner(typeof(EmbeddingNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 20, StepSize = 0.02, Proximal = 0.1, ResetAdaptedToZero = true)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 8, ClipGradientNorm = 10)]
[Hypergradient(HypergradientKind.Implicit, Solver = ImplicitSolver.ConjugateGradient, Iterations = 5)]
public partial class SineAid;

/// <summary>ESJ: the head's Jacobian from 8 Gaussian perturbations of radius 0.01 per task.</summary>
[MetaLearner(typeof(EmbeddingNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 20, StepSize = 0.02, Proximal = 0.1, ResetAdaptedToZero = true)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 8, ClipGradientNorm = 10)]
[Hypergradient(HypergradientKind.EvolutionStrategies, Directions = 8, Smoothing = 0.01)]
public partial class SineEsj;

public static class Program
{
    private const int Shots = 10;

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>The whole spec; the tests call it with a tiny budget.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        Guard("SharedEmbedding", error, () => Execute(args, output, error));

    private static int Execute(string[] args, TextWriter output, TextWriter error)
    {
        var cli = new SpecCommandLine("SharedEmbedding", "AID, ITD and ESJ hypergradients for a shared embedding with per-task ridge heads");
        var (iterations, seed, threads) = cli.AddStandard(iterations: 3000);
        var evalTasks = cli.Count("--eval-tasks", 600, "held-out tasks for the evaluation");
        if (!cli.TryParse(args, output, error, out int exit)) return exit;

        // The generated learners share no interface (each is its own class); the loop needs only Train and Evaluate.
        var itd = new SineItd(seed.Value);
        var aid = new SineAid(seed.Value);
        var esj = new SineEsj(seed.Value);
        itd.Warnings = output; // the runtime's smoothness estimate of the head problem (the same for all three), at the first iteration
        aid.Warnings = esj.Warnings = null; // the same head problem: its estimate is printed once, above
        var methods = new (string Name, Action<ITaskDistribution<float>, int> Train, Func<ITaskDistribution<float>, int, EvaluationResult> Evaluate)[]
        {
            ("ITD (Unrolled)", (t, n) => itd.Train(t, n, threads: threads.Value), (t, n) => itd.Evaluate(t, n, seed: 12345)),
            ("AID (Implicit, CG 5)", (t, n) => aid.Train(t, n, threads: threads.Value), (t, n) => aid.Evaluate(t, n, seed: 12345)),
            ("ESJ (ES, 8 directions)", (t, n) => esj.Train(t, n, threads: threads.Value), (t, n) => esj.Evaluate(t, n, seed: 12345)),
        };

        output.WriteLine(F($"Shared embedding on sinusoids: body 1-40-40 tanh ({EmbeddingNet.ParameterCount - EmbeddingNet.Layout.HeadLength} meta-learned parameters),"));
        output.WriteLine(F($"  head of {EmbeddingNet.Layout.HeadLength} re-solved from zero per task"));
        output.WriteLine(F($"Inner: {SineItd.InnerSteps} steps of α = {SineItd.InnerStepSize}, ridge λ = {SineItd.InnerLoop.Proximal}, K = {Shots}"));
        output.WriteLine(F($"Outer: {iterations.Value} iterations of {SineItd.TaskBatch} tasks, {threads.Value} threads"));
        output.WriteLine("Expected: the runtime's step-size check warns at the first iteration (α·N·L > 1). That bound is for N steps on a");
        output.WriteLine("  nonconvex adapted model; the ridge head's problem is strongly convex, where α·L < 1 is the condition (≈ 0.2 here),");
        output.WriteLine(F($"  so α = {SineItd.InnerStepSize} is kept: shrinking it to the bound would leave the head far from its solution after {SineItd.InnerSteps} steps."));
        var training = new SinusoidTasks<float>(Shots);
        var heldOut = new SinusoidTasks<float>(Shots, 100);
        var rows = new List<string>();
        foreach (var (name, train, evaluate) in methods)
        {
            var clock = Stopwatch.StartNew();
            train(training, iterations.Value);
            double perIteration = clock.Elapsed.TotalMilliseconds / Math.Max(1, iterations.Value);
            var result = evaluate(heldOut, evalTasks.Value);
            // A zero head predicts 0 everywhere, whatever the body: the same baseline for all three.
            if (rows.Count == 0) rows.Add(F($"  {"zero head (no adaptation)",-24} {Loss(result.Loss[0])}"));
            rows.Add(F($"  {name,-24} {Loss(result.Loss[^1])}   {perIteration:F2} ms/iteration"));
            output.WriteLine(F($"  trained {name} in {clock.Elapsed.TotalSeconds:F1} s (with its evaluation)"));
        }
        output.WriteLine(F($"Query MSE on 100 points of {evalTasks.Value} held-out tasks after the {SineItd.InnerSteps}-step head solve (mean ± 95% CI):"));
        foreach (string row in rows) output.WriteLine(row);
        return 0;
    }
}
