// ANIL on sinusoid regression (Raghu, Raghu, Bengio, Vinyals 2020, "Rapid Learning or Feature Reuse?").
//
// What it shows: marking only the last layer [Adapt] turns MAML into ANIL: the inner loop adapts the head
// alone, the body is meta-learned as a shared feature extractor. The runtime then computes the body's
// features of a task's support and query sets once and runs the inner loop on the 41 head parameters, which
// is why an iteration costs a fraction of full MAML's. Tasks are Finn et al.'s sinusoids (y = A·sin(x − φ),
// A ∈ [0.1, 5], φ ∈ [0, π], x ∈ [−5, 5]) with K = 10 support and 10 query points; 1-40-40-1 ReLU network.
//
// Run:     dotnet run --project specs/SinusoidAnil            (options: --help)
// Expect:  query MSE on K = 10 new tasks after 0, 1 and 10 head steps, mean ± 95% CI over the evaluation tasks.
//          After 0 steps the head has not seen the task (about the variance of the sinusoids, ~3);
//          adaptation brings it far down (figures for the defaults in docs/specs.md).
using System.Diagnostics;
using MetaSpec.Meta;
using MetaSpec.Tasks;
using static MetaSpec.Specs.SpecOutput;

namespace MetaSpec.Specs.SinusoidAnilSpec;

/// <summary>The sinusoid MLP of Finn et al.; only the head adapts.</summary>
[MetaModel(1)]
public partial class AnilSineNet
{
    Dense hidden1 = new(40, Activation.ReLU);
    Dense hidden2 = new(40, Activation.ReLU);
    [Adapt] Dense head = new(1);
}

/// <summary>
/// ANIL: 5 inner steps of α = 0.01 on the head, exact (second-order) meta-gradient into the body through those
/// steps, Adam 1e-3 over 25 tasks per meta-batch (Finn et al.'s sinusoid batch and step size).
/// </summary>
/// <remarks>
/// Why α = 0.01: the runtime estimates the head problem's smoothness at the first iteration (L ≈ 18 here) and
/// checks α·N·L ≤ 1, the step size under which N-step MAML provably converges (Ji, Yang, Liang 2021); 0.01·5·18
/// ≈ 0.9 passes. α = 0.05 trains too, and better (query MSE after 10 steps 0.094 ± 0.013 against 0.167 ± 0.018 after
/// 8000 iterations, measured), but with the warning: the bound is sufficient, not necessary, and a spec meant as an
/// example should not start with a warning.
/// </remarks>
[MetaLearner(typeof(AnilSineNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 5, StepSize = 0.01)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 25)]
[Hypergradient(HypergradientKind.Unrolled)]
public partial class SineAnil;

public static class Program
{
    private const int Shots = 10;

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>The whole spec; the tests call it with a tiny budget.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        Guard("SinusoidAnil", error, () => Execute(args, output, error));

    private static int Execute(string[] args, TextWriter output, TextWriter error)
    {
        var cli = new SpecCommandLine("SinusoidAnil", "ANIL (head-only adaptation) on sinusoid regression (Raghu et al. 2020)");
        var (iterations, seed, threads) = cli.AddStandard(iterations: 40_000);
        var evalTasks = cli.Count("--eval-tasks", 600, "held-out tasks for the evaluation");
        if (!cli.TryParse(args, output, error, out int exit)) return exit;

        var learner = new SineAnil(seed.Value);
        learner.Warnings = output; // the runtime's smoothness estimate and its α·N·L verdict, at the first iteration
        output.WriteLine(F($"ANIL on sinusoids: {AnilSineNet.ParameterCount} parameters, of which the head's {AnilSineNet.Layout.HeadLength} adapt"));
        output.WriteLine(F($"{SineAnil.InnerSteps} inner steps of α = {SineAnil.InnerStepSize}, K = {Shots}"));
        output.WriteLine(F($"{iterations.Value} meta-iterations of {SineAnil.TaskBatch} tasks on {threads.Value} threads"));

        var clock = Stopwatch.StartNew();
        double lossWindow = 0;
        int windowCount = 0, report = Math.Max(1, iterations.Value / 10);
        learner.Train(new SinusoidTasks<float>(Shots), iterations.Value, step =>
        {
            lossWindow += step.MetaLoss;
            windowCount++;
            long done = step.Iteration + 1;
            if (done % report != 0 && done != iterations.Value) return;
            output.WriteLine(F($"  iteration {done,6}  query MSE after adaptation {lossWindow / windowCount:F4}  {done / clock.Elapsed.TotalSeconds:F0} iterations/s"));
            (lossWindow, windowCount) = (0, 0);
        }, threads.Value);
        output.WriteLine(F($"Meta-trained in {clock.Elapsed.TotalSeconds:F1} s"));

        // 100 query points per evaluation task: the query MSE then measures the fit over the whole input range.
        var result = learner.Evaluate(new SinusoidTasks<float>(Shots, 100), evalTasks.Value, steps: 10, seed: 12345);
        output.WriteLine(F($"Meta-test: {evalTasks.Value} new tasks, K = {Shots}, query MSE on 100 points (mean ± 95% CI)"));
        foreach (int steps in new[] { 0, 1, 10 })
            output.WriteLine(F($"  after {steps,2} step{(steps == 1 ? " " : "s")}: {Loss(result.Loss[steps])}"));
        return 0;
    }
}
