// One-step MAML on mixed linear regression: the theory's step size α* and fixed point w_MAML(α) against
// measurement (DESIGN §6; the setting of the closed-form analyses of MAML on linear regression, e.g. Gao & Sejdinovic,
// Collins et al., Bernacchia 2021).
//
// What it shows, in three parts:
// 1. Step size. Tasks are y = Φ(x)·a with a ~ N(0, I) over d Gaussian RBF features of x ∈ [−1, 1], K support
//    points each, loss (1/K)‖Φw − y‖². OptimalStepSize.ForLinearRegression estimates
//    α*(K) = K·tr(E[(ΦᵀΦ)²]) / (2·tr(E[(ΦᵀΦ)³])), the α that minimises the expected loss after one step from w = 0
//    (the task mean) when the loss is scored on the same K points. Beside it: the measured post-adaptation loss on
//    a grid of α, scored on the support points (the estimator's objective) and on fresh query points.
//    The grid needs one problem per α, and a generated learner's α is the compile-time constant of its
//    [InnerProblem] attribute; so the grid derives runtime MetaProblems from the generated learner's (its own model and
//    inner loop with StepSize replaced) and scores them with MetaEvaluator: the DSL cannot express a sweep.
// 2. Fixed point. A learner declared with the attributes (one step of α = 0.2, a linear model without bias over
//    the features) is meta-trained on a pool of M tasks, every task in every meta-batch (the finite-sum
//    objective), query = support, no noise. Its weights must reach
//        w_MAML(α) = (Σ CᵢᵀCᵢ)⁻¹ Σ CᵢᵀCᵢ aᵢ,   Cᵢ = Φᵢ(I − (2α/K)ΦᵢᵀΦᵢ),
//    which differs from the ERM solution w_MAML(0) (the best single w for all tasks without adaptation).
//
// Run:     dotnet run --project specs/LinearRegression            (options: --help)
// Expect:  α* close to the minimum of the support-scored grid; the trained w within ~1e-3 (relative) of
//          w_MAML(0.2) and much farther from w_ERM.
using System.Diagnostics;
using MetaSpec.Meta;
using MetaSpec.Tasks;
using MetaSpec.Theory;
using static MetaSpec.Specs.SpecOutput;

namespace MetaSpec.Specs.LinearRegressionSpec;

/// <summary>A linear model over the 8 features (the inputs are Φ(x), so there is no bias: the basis carries it).</summary>
[MetaModel(8)]
public partial class LinearFeatures
{
    Dense weights = new(1, bias: false);
}

/// <summary>
/// One-step MAML with α = 0.2 (below α* for K = 10 here, see the grid), exact meta-gradient, over a pool of
/// 20 tasks per meta-batch. SGD: the meta-objective is a quadratic, and a constant learning rate converges to its
/// minimiser exactly, where Adam would hover around it.
/// </summary>
[MetaLearner(typeof(LinearFeatures))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 1, StepSize = 0.2)]
[OuterProblem(OptimizerKind.Sgd, LearningRate = 0.2, TaskBatch = 20, Momentum = 0.9)]
[Hypergradient(HypergradientKind.Unrolled)]
public partial class LinearMaml;

/// <summary>
/// Tasks whose query set is their support set, as the closed forms assume (the loss after one step on the
/// points the step was taken on).
/// </summary>
public sealed class SupportAsQuery(ITaskDistribution<float> tasks) : ITaskDistribution<float>
{
    public MetaSpec.Shape InputShape => tasks.InputShape;
    public int TargetSize => tasks.TargetSize;
    public int SupportCount => tasks.SupportCount;
    public int QueryCount => tasks.SupportCount;
    public int DescriptorLength => tasks.DescriptorLength;

    public void Sample(Random random, TaskData<float> task)
    {
        tasks.Sample(random, task);
        task.SupportInputs.CopyTo(task.QueryInputs, 0);
        task.SupportTargets.CopyTo(task.QueryTargets, 0);
    }

    public void ResampleSupport(Random random, TaskData<float> task) => throw new NotSupportedException("The query is the support set.");
}

public static class Program
{
    private const int Features = LinearFeatures.InputSize, Shots = 10;

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>The whole spec; the tests call it with a tiny budget.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        Guard("LinearRegression", error, () => Execute(args, output, error));

    private static int Execute(string[] args, TextWriter output, TextWriter error)
    {
        var cli = new SpecCommandLine("LinearRegression", "one-step MAML on mixed linear regression: α* and w_MAML(α), theory against measurement");
        var (iterations, seed, threads) = cli.AddStandard(iterations: 10_000);
        var evalTasks = cli.Count("--eval-tasks", 4000, "tasks per grid point (the same tasks for every α)");
        if (!cli.TryParse(args, output, error, out int exit)) return exit;

        // K = 10 support points per task; the same number of query points for the "fresh query" column.
        var tasks = new LinearRegressionTasks<float>(FeatureBasis.GaussianRbf, Features, supportShots: Shots, queryShots: Shots);
        double alphaStar = OptimalStepSize.ForLinearRegression(new SupportAsQuery(tasks), sampleTasks: 20_000, new Random(seed.Value));
        output.WriteLine(F($"Mixed linear regression: d = {Features} Gaussian RBF features on [−1, 1], K = {Shots}, a ~ N(0, I), loss (1/K)‖Φw − y‖²"));
        output.WriteLine(F($"Recommended step size α* = {alphaStar:F4} (OptimalStepSize.ForLinearRegression, moments from 20000 tasks)"));

        // 1. The grid: the generated learner's problem with one α per row (MetaProblem.With), scored from w = 0 (the task mean,
        //    as α* assumes) on the same tasks for every α (common random numbers make the curve smooth).
        var learner = new LinearMaml(seed.Value);
        var zero = new float[LinearMaml.ParameterCount];
        output.WriteLine(F($"Loss after one step from w = 0, mean ± 95% CI over {evalTasks.Value} tasks:"));
        output.WriteLine("       α     on the support points     on fresh query points");
        double bestAlpha = 0, bestLoss = double.PositiveInfinity;
        for (int g = 0; g <= 16; g++)
        {
            // 0 … 2α*. A step size must be positive, so the α = 0 row is the loss before the step (Loss[0]).
            double alpha = alphaStar * g / 8.0;
            var problem = learner.Engine.Problem.With(LinearMaml.InnerLoop with { StepSize = Math.Max(alpha, 1e-6) });
            int step = g == 0 ? 0 : 1;
            var onSupport = MetaEvaluator.Evaluate(problem, zero, new SupportAsQuery(tasks), evalTasks.Value, seed: 99, steps: 1).Loss[step];
            var onQuery = MetaEvaluator.Evaluate(problem, zero, tasks, evalTasks.Value, seed: 99, steps: 1).Loss[step];
            if (onSupport.Mean < bestLoss) (bestLoss, bestAlpha) = (onSupport.Mean, alpha);
            output.WriteLine(F($"  {alpha,7:F4}   {Loss(onSupport),-22}   {Loss(onQuery)}{(g == 8 ? "   ← α*" : "")}"));
        }
        output.WriteLine(F($"Grid optimum on the support points: α = {bestAlpha:F4} (grid step {alphaStar / 8:F4}); α* = {alphaStar:F4}"));

        // 2. Meta-train the declared learner on a pool of tasks and compare with the closed form.
        const int poolSize = LinearMaml.TaskBatch;
        var supportAsQuery = new SupportAsQuery(tasks);
        var poolTasks = new List<TaskData<float>>();
        var random = new Random(seed.Value + 1);
        for (int i = 0; i < poolSize; i++)
        {
            var task = supportAsQuery.CreateTaskData();
            supportAsQuery.Sample(random, task);
            poolTasks.Add(task);
        }
        var pool = new TaskPool<float>(tasks.InputShape, poolTasks);
        var clock = Stopwatch.StartNew();
        learner.Train(pool, iterations.Value, threads: threads.Value);
        double seconds = clock.Elapsed.TotalSeconds;

        double[] maml = ClosedForm(poolTasks, LinearMaml.InnerStepSize);
        double[] erm = ClosedForm(poolTasks, 0);
        var trained = Array.ConvertAll(learner.Parameters.ToArray(), v => (double)v);
        output.WriteLine(F($"One-step MAML, α = {LinearMaml.InnerStepSize}, meta-trained on a pool of {poolSize} tasks (query = support): {iterations.Value} iterations in {seconds:F1} s"));
        output.WriteLine($"  meta-trained w       {Vector(trained)}");
        output.WriteLine($"  closed form w_MAML   {Vector(maml)}");
        output.WriteLine($"  w_ERM = w_MAML(0)    {Vector(erm)}");
        output.WriteLine(F($"  ‖w − w_MAML‖/‖w_MAML‖ = {Distance(trained, maml) / Norm(maml):0.0e+00}   ‖w − w_ERM‖/‖w_MAML‖ = {Distance(trained, erm) / Norm(maml):F3}"));
        return 0;
    }

    /// <summary>w_MAML(α) = (Σ CᵢᵀCᵢ)⁻¹ Σ CᵢᵀCᵢ aᵢ with Cᵢ = Φᵢ(I − (2α/K)ΦᵢᵀΦᵢ), in double precision; α = 0 gives ERM.</summary>
    private static double[] ClosedForm(List<TaskData<float>> pool, double alpha)
    {
        const int d = Features;
        var lhs = new double[d * d];
        var rhs = new double[d];
        foreach (var task in pool)
        {
            int k = task.SupportCount;
            var phi = new double[k * d];
            for (int p = 0; p < phi.Length; p++) phi[p] = task.SupportInputs[p];
            var gram = new double[d * d];
            for (int n = 0; n < k; n++)
                for (int i = 0; i < d; i++)
                    for (int j = 0; j < d; j++) gram[i * d + j] += phi[n * d + i] * phi[n * d + j];
            // C = Φ(I − (2α/K)ΦᵀΦ), K×d
            var c = new double[k * d];
            for (int n = 0; n < k; n++)
                for (int j = 0; j < d; j++)
                {
                    double s = phi[n * d + j];
                    for (int i = 0; i < d; i++) s -= 2 * alpha / k * phi[n * d + i] * gram[i * d + j];
                    c[n * d + j] = s;
                }
            var ctc = new double[d * d];
            for (int n = 0; n < k; n++)
                for (int i = 0; i < d; i++)
                    for (int j = 0; j < d; j++) ctc[i * d + j] += c[n * d + i] * c[n * d + j];
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                {
                    lhs[i * d + j] += ctc[i * d + j];
                    rhs[i] += ctc[i * d + j] * task.Descriptor[j];
                }
        }
        return LinearAlgebra.Solve(lhs, rhs, d);
    }

    private static double Norm(ReadOnlySpan<double> a) => Distance(a, new double[a.Length]);

    private static double Distance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
        return Math.Sqrt(s);
    }

    private static string Vector(ReadOnlySpan<double> v)
    {
        var parts = new string[v.Length];
        for (int i = 0; i < v.Length; i++) parts[i] = F($"{v[i],8:F4}");
        return "[" + string.Join(",", parts) + " ]";
    }
}
