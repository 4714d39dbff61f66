using MetaSpec.Engine;
using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Tasks;
using MetaSpec.Tests.Support;
using static MetaSpec.Tests.Support.Assertions;

namespace MetaSpec.Tests.Meta;

/// <summary>
/// Every hypergradient method against central differences of its own objective, in double precision,
/// on a small tanh network (smooth, so differences are accurate).
/// </summary>
public class MetaGradientTests
{
    private static Sequential<double> Mlp() => new(Shape.Vector(2),
        new("hidden", new DenseLayer<double>(2, 5)),
        new("act", new TanhLayer<double>(Shape.Vector(5))),
        new("head", new DenseLayer<double>(5, 3)));

    private static TaskData<double> RegressionTask(int seed, int support = 6, int query = 7)
    {
        var r = new Random(seed);
        var task = new TaskData<double>(2, 3, support, query);
        Fill(task.SupportInputs, r);
        Fill(task.SupportTargets, r);
        Fill(task.QueryInputs, r);
        Fill(task.QueryTargets, r);
        return task;
        static void Fill(double[] a, Random r) { for (int i = 0; i < a.Length; i++) a[i] = 2 * r.NextDouble() - 1; }
    }

    /// <summary>F(meta) = L_Q(θ_N(meta)): the objective every exact method differentiates.</summary>
    private static double MetaObjective(TaskWorker<double> worker, TaskData<double> task, double[] meta, int steps)
    {
        worker.Adapt(meta, task);
        return worker.QueryLoss(steps);
    }

    private static (double[] analytic, double[] numeric) Compare(MetaProblem<double> problem, TaskData<double> task, double[]? meta = null)
    {
        var worker = problem.CreateWorker(task.SupportCount, task.QueryCount);
        meta ??= problem.CreateMetaParameters(problem.Network!.CreateParameters(3));
        var analytic = new double[problem.MetaParameterCount];
        worker.MetaGradient(meta, task, analytic);
        var numeric = FiniteDifference.Gradient(m => MetaObjective(worker, task, m, problem.Inner.Steps), meta);
        return (analytic, numeric);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Unrolled_matches_finite_differences(int steps)
    {
        var problem = MetaProblem<double>.ForNetwork(Mlp(), MeanSquaredError<double>.Instance,
            new InnerLoop { Steps = steps, StepSize = 0.3 }, Hypergradient.Unrolled);
        var (analytic, numeric) = Compare(problem, RegressionTask(1));
        Close(numeric, analytic, 1e-7, "MAML meta-gradient");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Unrolled_with_head_only_adaptation_matches_finite_differences(int steps)
    {
        var problem = MetaProblem<double>.ForNetwork(Mlp(), SoftmaxCrossEntropy<double>.Instance,
            new InnerLoop { Steps = steps, StepSize = 0.5 }, Hypergradient.Unrolled, "head");
        var task = ClassificationTask(2);
        var (analytic, numeric) = Compare(problem, task);
        Close(numeric, analytic, 1e-7, "ANIL meta-gradient");
        Assert.Contains(analytic.Take(15), g => Math.Abs(g) > 1e-4); // the body gets a real gradient through the head's steps
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Unrolled_with_proximal_term_matches_finite_differences(int steps)
    {
        var problem = MetaProblem<double>.ForNetwork(Mlp(), MeanSquaredError<double>.Instance,
            new InnerLoop { Steps = steps, StepSize = 0.2, Proximal = 0.7 }, Hypergradient.Unrolled);
        var (analytic, numeric) = Compare(problem, RegressionTask(3));
        Close(numeric, analytic, 1e-7, "proximal MAML meta-gradient");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void MetaSgd_gradients_of_parameters_and_step_sizes_match_finite_differences(int steps)
    {
        var problem = MetaProblem<double>.ForNetwork(Mlp(), MeanSquaredError<double>.Instance,
            new InnerLoop { Steps = steps, StepSize = 0.2, LearnStepSizes = true }, Hypergradient.Unrolled);
        var net = problem.Network!;
        var meta = problem.CreateMetaParameters(net.CreateParameters(5));
        var r = new Random(9);
        for (int i = net.ParameterCount; i < meta.Length; i++) meta[i] = 0.05 + 0.3 * r.NextDouble(); // distinct step sizes
        var (analytic, numeric) = Compare(problem, RegressionTask(4), meta);
        Close(numeric, analytic, 1e-7, "Meta-SGD meta-gradient (θ and α)");
        Assert.Contains(analytic.Skip(net.ParameterCount), g => Math.Abs(g) > 1e-4);
    }

    [Fact]
    public void HessianFree_matches_finite_differences_of_the_maml_objective()
    {
        var problem = MetaProblem<double>.ForNetwork(Mlp(), MeanSquaredError<double>.Instance,
            new InnerLoop { Steps = 3, StepSize = 0.3 }, new Hypergradient { Kind = HypergradientKind.HessianFree, FiniteDifferenceStep = 1e-4 });
        var (analytic, numeric) = Compare(problem, RegressionTask(5));
        // The difference quotient of the Hessian errs by O(δ²·‖∇³L‖) ≈ 1e-8 here.
        Close(numeric, analytic, 1e-6, "HF-MAML meta-gradient");
    }

    [Fact]
    public void FirstOrder_is_the_query_gradient_at_the_adapted_point_and_differs_from_unrolled()
    {
        var task = RegressionTask(6);
        var inner = new InnerLoop { Steps = 2, StepSize = 0.3 };
        var fo = MetaProblem<double>.ForNetwork(Mlp(), MeanSquaredError<double>.Instance, inner, Hypergradient.FirstOrder);
        var net = fo.Network!;
        var theta = net.CreateParameters(3);
        var worker = fo.CreateWorker(task.SupportCount, task.QueryCount);
        var g = new double[theta.Length];
        worker.MetaGradient(theta, task, g);

        var expected = new double[theta.Length];
        net.Gradient(worker.Adapted, task.QueryInputs, task.QueryTargets, MeanSquaredError<double>.Instance, expected, net.CreateWorkspace(10));
        Close(expected, g, 1e-12, "FOMAML gradient");

        var (exact, _) = Compare(MetaProblem<double>.ForNetwork(Mlp(), MeanSquaredError<double>.Instance, inner, Hypergradient.Unrolled), task);
        double gap = exact.Zip(g, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(gap > 1e-3, $"first order should differ from exact MAML here, max gap {gap:E2}");
    }

    [Fact]
    public void Reptile_direction_is_the_displacement_and_one_step_is_the_scaled_support_gradient()
    {
        var task = RegressionTask(7);
        var problem = MetaProblem<double>.ForNetwork(Mlp(), MeanSquaredError<double>.Instance,
            new InnerLoop { Steps = 1, StepSize = 0.25 }, Hypergradient.Reptile);
        var net = problem.Network!;
        var theta = net.CreateParameters(3);
        var g = new double[theta.Length];
        problem.CreateWorker(task.SupportCount, task.QueryCount).MetaGradient(theta, task, g);
        var support = new double[theta.Length];
        net.Gradient(theta, task.SupportInputs, task.SupportTargets, MeanSquaredError<double>.Instance, support, net.CreateWorkspace(10));
        Close(support.Select(x => 0.25 * x).ToArray(), g, 1e-12, "Reptile direction θ − θ₁ = α∇L_S(θ)");
    }

    [Theory]
    [InlineData(ImplicitSolver.ConjugateGradient, 40)]
    [InlineData(ImplicitSolver.Neumann, 200)]
    public void Implicit_matches_finite_differences_of_the_converged_inner_solution(ImplicitSolver solver, int iterations)
    {
        // λ = 2 dominates the small network's curvature: the inner problem is strongly convex, 400 steps solve it
        // to machine precision, and the Neumann series (‖H/λ‖ < 1) converges.
        var problem = MetaProblem<double>.ForNetwork(Mlp(), MeanSquaredError<double>.Instance,
            new InnerLoop { Steps = 400, StepSize = 0.2, Proximal = 2 },
            new Hypergradient { Kind = HypergradientKind.Implicit, Solver = solver, Iterations = iterations });
        var (analytic, numeric) = Compare(problem, RegressionTask(8));
        Close(numeric, analytic, 1e-6, $"iMAML ({solver}) meta-gradient");
    }

    [Fact]
    public void Shared_embedding_itd_and_aid_match_finite_differences_and_leave_the_head_alone()
    {
        var task = ClassificationTask(9);
        var inner = new InnerLoop { Steps = 300, StepSize = 0.5, Proximal = 0.5, ResetAdaptedToZero = true };
        var itd = MetaProblem<double>.ForNetwork(Mlp(), SoftmaxCrossEntropy<double>.Instance, inner, Hypergradient.Unrolled, "head");
        var aid = MetaProblem<double>.ForNetwork(Mlp(), SoftmaxCrossEntropy<double>.Instance, inner,
            new Hypergradient { Kind = HypergradientKind.Implicit, Iterations = 30 }, "head");
        var (gItd, numeric) = Compare(itd, task);
        var (gAid, _) = Compare(aid, task);
        Close(numeric, gItd, 1e-6, "ITD hypergradient");
        Close(numeric, gAid, 1e-6, "AID hypergradient");
        Assert.All(gItd.Skip(15), g => Assert.Equal(0, g)); // head parameters are re-solved, not meta-learned
        Assert.Contains(gItd.Take(15), g => Math.Abs(g) > 1e-4);
    }

    [Fact]
    public void Evolution_strategies_estimate_approaches_the_exact_hypergradient()
    {
        var task = ClassificationTask(10);
        var inner = new InnerLoop { Steps = 5, StepSize = 0.5, Proximal = 0.5, ResetAdaptedToZero = true };
        var exact = MetaProblem<double>.ForNetwork(Mlp(), SoftmaxCrossEntropy<double>.Instance, inner, Hypergradient.Unrolled, "head");
        var (g, _) = Compare(exact, task);
        double Error(int directions)
        {
            var es = MetaProblem<double>.ForNetwork(Mlp(), SoftmaxCrossEntropy<double>.Instance, inner,
                new Hypergradient { Kind = HypergradientKind.EvolutionStrategies, Directions = directions, Smoothing = 1e-4 }, "head");
            var worker = es.CreateWorker(task.SupportCount, task.QueryCount);
            worker.Random.Reseed(1);
            var meta = es.CreateMetaParameters(es.Network!.CreateParameters(3));
            var estimate = new double[meta.Length];
            worker.MetaGradient(meta, task, estimate);
            return Math.Sqrt(estimate.Zip(g, (a, b) => (a - b) * (a - b)).Sum() / g.Sum(x => x * x));
        }
        double few = Error(50), many = Error(5000);
        // The estimator's variance falls as 1/directions: relative error ~ √(dim/Q) ≈ 0.06 at Q = 5000.
        Assert.True(many < 0.15, $"relative error with 5000 directions is {many:F3}");
        Assert.True(many < few / 3, $"error should fall with directions: {few:F3} → {many:F3}");
    }

    [Fact]
    public void Resampling_inner_loop_gradient_matches_finite_differences_on_the_same_draws()
    {
        var tasks = new NoisyLineTasks();
        var problem = MetaProblem<double>.ForNetwork(Mlp(), MeanSquaredError<double>.Instance,
            new InnerLoop { Steps = 3, StepSize = 0.3, ResampleSupport = true }, Hypergradient.Unrolled);
        var task = tasks.CreateTaskData();
        tasks.Sample(new Random(2), task);
        var original = (double[])task.SupportInputs.Clone();
        var originalTargets = (double[])task.SupportTargets.Clone();
        var worker = problem.CreateWorker(task.SupportCount, task.QueryCount, tasks);
        var meta = problem.CreateMetaParameters(problem.Network!.CreateParameters(3));
        double Objective(double[] m)
        {
            original.CopyTo(task.SupportInputs, 0);
            originalTargets.CopyTo(task.SupportTargets, 0);
            worker.Random.Reseed(42);
            worker.Adapt(m, task);
            return worker.QueryLoss(3);
        }
        var numeric = FiniteDifference.Gradient(Objective, meta);
        original.CopyTo(task.SupportInputs, 0);
        originalTargets.CopyTo(task.SupportTargets, 0);
        worker.Random.Reseed(42);
        var analytic = new double[meta.Length];
        worker.MetaGradient(meta, task, analytic);
        Close(numeric, analytic, 1e-7, "resampling MAML meta-gradient");
        Assert.NotEqual(original, task.SupportInputs); // fresh support data was really drawn
    }

    internal static TaskData<double> ClassificationTask(int seed)
    {
        var r = new Random(seed);
        var task = new TaskData<double>(2, 1, 9, 9);
        for (int i = 0; i < 9; i++)
        {
            int label = i % 3;
            task.SupportInputs[2 * i] = label - 1 + 0.5 * r.NextDouble();
            task.SupportInputs[2 * i + 1] = r.NextDouble() - 0.5;
            task.SupportTargets[i] = label;
            task.QueryInputs[2 * i] = label - 1 + 0.5 * r.NextDouble();
            task.QueryInputs[2 * i + 1] = r.NextDouble() - 0.5;
            task.QueryTargets[i] = label;
        }
        return task;
    }

    /// <summary>Tasks y = a·x (three outputs) with fresh x on each draw, to exercise resampling.</summary>
    private sealed class NoisyLineTasks : ITaskDistribution<double>
    {
        public Shape InputShape => Shape.Vector(2);
        public int TargetSize => 3;
        public int SupportCount => 5;
        public int QueryCount => 5;
        public int DescriptorLength => 1;

        public void Sample(Random random, TaskData<double> task)
        {
            task.Descriptor[0] = 2 * random.NextDouble() - 1;
            Draw(random, task.Descriptor[0], task.SupportInputs, task.SupportTargets);
            Draw(random, task.Descriptor[0], task.QueryInputs, task.QueryTargets);
        }

        public void ResampleSupport(Random random, TaskData<double> task) =>
            Draw(random, task.Descriptor[0], task.SupportInputs, task.SupportTargets);

        private static void Draw(Random random, double a, double[] x, double[] y)
        {
            for (int i = 0; i < x.Length / 2; i++)
            {
                x[2 * i] = 2 * random.NextDouble() - 1;
                x[2 * i + 1] = 2 * random.NextDouble() - 1;
                for (int k = 0; k < 3; k++) y[3 * i + k] = a * (k + 1) * x[2 * i] - x[2 * i + 1];
            }
        }
    }
}
