using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Optimizers;
using MetaSpec.Tasks;
using MetaSpec.Theory;
using static MetaSpec.Tests.Support.Assertions;
using static MetaSpec.Tests.Support.DenseMatrix;

namespace MetaSpec.Tests.Meta;

/// <summary>Training reaches the closed-form fixed points of DESIGN §6.</summary>
public class ClosedFormTests
{
    [Theory]
    [InlineData(1, 0.1)]
    [InlineData(3, 0.2)]
    public void Maml_on_quadratic_tasks_reaches_the_curvature_weighted_average_of_the_optima(int steps, double alpha)
    {
        const int d = 3, m = 4;
        var r = new Random(steps);
        var matrices = new double[m][,];
        var optima = new double[m][];
        var tasks = new List<TaskData<double>>();
        for (int i = 0; i < m; i++)
        {
            matrices[i] = RandomSpd(r, d, 0.5, 2.0);
            optima[i] = RandomVector(r, d, 3);
            var task = new TaskData<double>(d * d + d, 1, 1, 1);
            for (int a = 0; a < d; a++)
                for (int b = 0; b < d; b++) task.SupportInputs[a * d + b] = task.QueryInputs[a * d + b] = matrices[i][a, b];
            optima[i].CopyTo(task.SupportInputs, d * d);
            optima[i].CopyTo(task.QueryInputs, d * d);
            tasks.Add(task);
        }

        // θ* = (Σ Aᵢ(I − αAᵢ)^{2N})⁻¹ Σ Aᵢ(I − αAᵢ)^{2N} θᵢ
        var lhs = new double[d, d];
        var rhs = new double[d];
        for (int i = 0; i < m; i++)
        {
            var contraction = Add(Identity(d), matrices[i], -alpha);
            var weight = matrices[i];
            for (int k = 0; k < 2 * steps; k++) weight = Multiply(weight, contraction);
            lhs = Add(lhs, weight);
            var wt = Multiply(weight, optima[i]);
            for (int a = 0; a < d; a++) rhs[a] += wt[a];
        }
        var expected = Solve(lhs, rhs);

        var problem = new MetaProblem<double>(new QuadraticObjective<double>(d), new InnerLoop { Steps = steps, StepSize = alpha }, Hypergradient.Unrolled);
        var meta = new double[d];
        using var trainer = new MetaTrainer<double>(problem, new TaskPool<double>(Shape.Vector(d * d + d), tasks),
            new Sgd<double>(d, learningRate: 1.0), meta, new TrainerOptions { TaskBatch = m, Threads = 2 });
        trainer.Train(600);
        Close(expected, meta, 1e-9, "θ after meta-training vs closed-form fixed point");

        // The fixed point is not the plain average of the optima (the test would catch a method that ignores curvature).
        var average = new double[d];
        foreach (var o in optima) for (int a = 0; a < d; a++) average[a] += o[a] / m;
        Assert.True(expected.Zip(average, (x, y) => Math.Abs(x - y)).Max() > 0.05);
    }

    /// <summary>Mixed linear regression tasks y = Φaᵢ with polynomial features; support and query share Φ (finite sum).</summary>
    private static (List<TaskData<double>> tasks, double[][,] features, double[][] weights) LinearTasks(int count, int k, int d, int seed)
    {
        var r = new Random(seed);
        var tasks = new List<TaskData<double>>();
        var features = new double[count][,];
        var weights = new double[count][];
        for (int i = 0; i < count; i++)
        {
            var phi = new double[k, d];
            for (int s = 0; s < k; s++)
            {
                double x = 2 * r.NextDouble() - 1;
                for (int j = 0; j < d; j++) phi[s, j] = Math.Pow(x, j);
            }
            var a = RandomVector(r, d, 1);
            var y = Multiply(phi, a);
            var task = new TaskData<double>(d, 1, k, k);
            for (int s = 0; s < k; s++)
                for (int j = 0; j < d; j++) task.SupportInputs[s * d + j] = task.QueryInputs[s * d + j] = phi[s, j];
            y.CopyTo(task.SupportTargets, 0);
            y.CopyTo(task.QueryTargets, 0);
            tasks.Add(task);
            features[i] = phi;
            weights[i] = a;
        }
        return (tasks, features, weights);
    }

    /// <summary>w_MAML(α) = (Σ CᵢᵀCᵢ)⁻¹ Σ CᵢᵀCᵢaᵢ with Cᵢ = Φᵢ(I − (2α/K)ΦᵢᵀΦᵢ).</summary>
    private static double[] ClosedFormMaml(double[][,] features, double[][] weights, double alpha, int k)
    {
        int d = weights[0].Length;
        var lhs = new double[d, d];
        var rhs = new double[d];
        for (int i = 0; i < features.Length; i++)
        {
            var gram = Multiply(Transpose(features[i]), features[i]);
            var c = Multiply(features[i], Add(Identity(d), gram, -2 * alpha / k));
            var ctc = Multiply(Transpose(c), c);
            lhs = Add(lhs, ctc);
            var t = Multiply(ctc, weights[i]);
            for (int j = 0; j < d; j++) rhs[j] += t[j];
        }
        return Solve(lhs, rhs);
    }

    [Fact]
    public void One_step_maml_on_mixed_linear_regression_reaches_the_closed_form()
    {
        const int k = 10, d = 3, count = 5;
        const double alpha = 0.2;
        var (tasks, features, weights) = LinearTasks(count, k, d, 11);
        var net = new Sequential<double>(Shape.Vector(d), new NamedLayer<double>("linear", new DenseLayer<double>(d, 1, bias: false)));
        var problem = MetaProblem<double>.ForNetwork(net, MeanSquaredError<double>.Instance, new InnerLoop { Steps = 1, StepSize = alpha }, Hypergradient.Unrolled);
        var meta = new double[d];
        using var trainer = new MetaTrainer<double>(problem, new TaskPool<double>(Shape.Vector(d), tasks),
            new Sgd<double>(d, learningRate: 0.3, momentum: 0.9), meta, new TrainerOptions { TaskBatch = count, Threads = 1 });
        trainer.Train(3000);
        var expected = ClosedFormMaml(features, weights, alpha, k);
        Close(expected, meta, 1e-8, "w after meta-training vs w_MAML(α)");
        Assert.True(expected.Zip(ClosedFormMaml(features, weights, 0, k), (x, y) => Math.Abs(x - y)).Max() > 1e-3,
            "MAML's solution should differ from ERM's at this α");
    }

    [Fact]
    public void Closed_form_at_zero_step_size_is_the_least_squares_solution()
    {
        const int k = 8, d = 3, count = 6;
        var (tasks, features, weights) = LinearTasks(count, k, d, 12);
        // ERM: fit one w to all tasks' data by gradient descent on the pooled mean squared error.
        var net = new Sequential<double>(Shape.Vector(d), new NamedLayer<double>("linear", new DenseLayer<double>(d, 1, bias: false)));
        var inputs = tasks.SelectMany(t => t.SupportInputs).ToArray();
        var targets = tasks.SelectMany(t => t.SupportTargets).ToArray();
        var ws = net.CreateWorkspace(count * k);
        var w = new double[d];
        var g = new double[d];
        var sgd = new Sgd<double>(d, learningRate: 0.3, momentum: 0.9);
        for (int it = 0; it < 6000; it++)
        {
            net.Gradient(w, inputs, targets, MeanSquaredError<double>.Instance, g, ws);
            sgd.Step(w, g);
        }
        Close(ClosedFormMaml(features, weights, 0, k), w, 1e-6, "w_MAML(0) vs w_ERM");
    }

    [Fact]
    public void Optimal_step_size_estimate_agrees_with_the_grid_minimiser_of_the_post_adaptation_loss()
    {
        const int k = 10, d = 3, count = 3000;
        var (tasks, _, _) = LinearTasks(count, k, d, 13);
        var pool = new TaskPool<double>(Shape.Vector(d), tasks);
        double estimate = OptimalStepSize.ForLinearRegression<double>(pool, count, new Random(1));

        // Post-adaptation loss from w = 0 (the mean of the task weights) after one step, averaged over the tasks.
        var net = new Sequential<double>(Shape.Vector(d), new NamedLayer<double>("linear", new DenseLayer<double>(d, 1, bias: false)));
        double PostAdaptationLoss(double alpha)
        {
            var problem = MetaProblem<double>.ForNetwork(net, MeanSquaredError<double>.Instance, new InnerLoop { Steps = 1, StepSize = alpha }, Hypergradient.FirstOrder);
            return MetaEvaluator.Evaluate(problem, new double[d], pool, count, seed: 0).Loss[1].Mean;
        }
        var grid = Enumerable.Range(1, 60).Select(i => i * 0.05).ToArray();
        double best = grid.MinBy(PostAdaptationLoss);
        Assert.InRange(estimate, best - 0.05, best + 0.05);
    }
}
