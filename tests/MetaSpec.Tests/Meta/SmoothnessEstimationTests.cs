using MetaSpec.Meta;
using MetaSpec.Optimizers;
using MetaSpec.Tasks;
using MetaSpec.Theory;

namespace MetaSpec.Tests.Meta;

/// <summary>
/// Without a declared L the trainer estimates it by power iteration at the first meta-iteration: on quadratic tasks
/// ½(θ − θᵢ)ᵀAᵢ(θ − θᵢ), whose Hessian is Aᵢ, the estimate is the largest eigenvalue over the batch's tasks.
/// </summary>
public class SmoothnessEstimationTests
{
    private const int D = 4;

    /// <summary>Aᵢ = H diag(λ) H with a Householder reflection H, so the eigenvalues are exactly <paramref name="eigenvalues"/>.</summary>
    private static TaskData<double> QuadraticTask(double[] eigenvalues, int seed)
    {
        var r = new Random(seed);
        var u = Enumerable.Range(0, D).Select(_ => r.NextDouble() - 0.5).ToArray();
        double uu = u.Sum(x => x * x);
        var h = new double[D, D];
        for (int i = 0; i < D; i++)
            for (int j = 0; j < D; j++) h[i, j] = (i == j ? 1 : 0) - 2 * u[i] * u[j] / uu;
        var task = new TaskData<double>(D * D + D, 1, 1, 1);
        for (int i = 0; i < D; i++)
            for (int j = 0; j < D; j++)
            {
                double a = 0;
                for (int k = 0; k < D; k++) a += h[i, k] * eigenvalues[k] * h[j, k];
                task.SupportInputs[i * D + j] = task.QueryInputs[i * D + j] = a;
            }
        for (int i = 0; i < D; i++) task.SupportInputs[D * D + i] = task.QueryInputs[D * D + i] = r.NextDouble();
        return task;
    }

    private static TaskPool<double> Pool(params TaskData<double>[] tasks) => new(Shape.Vector(D * D + D), tasks);

    private static MetaTrainer<double> Trainer(MetaProblem<double> problem, TaskPool<double> tasks, TrainerOptions options, double[]? meta = null) =>
        new(problem, tasks, new Sgd<double>(problem.MetaParameterCount, learningRate: 0.1), meta ?? new double[problem.MetaParameterCount], options);

    [Theory]
    [InlineData(HypergradientKind.Unrolled)]   // exact Hessian-vector products
    [InlineData(HypergradientKind.FirstOrder)] // central differences of gradients
    public void Estimate_is_the_largest_eigenvalue_over_the_batch_within_one_percent(HypergradientKind method)
    {
        var tasks = Pool(QuadraticTask([6, 2, 1, 0.5], 1), QuadraticTask([4, 3, 1, 1], 2), QuadraticTask([5, 4.5, 0.1, 0.1], 3));
        var problem = new MetaProblem<double>(new QuadraticObjective<double>(D), new InnerLoop { Steps = 2, StepSize = 0.05 }, new Hypergradient { Kind = method });
        var log = new StringWriter();
        using var trainer = Trainer(problem, tasks, new TrainerOptions { TaskBatch = 6, Threads = 2, Log = log });
        SmoothnessReport? reported = null;
        trainer.SmoothnessReported += r => reported = r;
        Assert.Null(trainer.Smoothness);
        trainer.Train(2);

        var report = Assert.IsType<SmoothnessReport>(trainer.Smoothness);
        Assert.Same(report, reported);
        Assert.True(report.Estimated);
        Assert.True(Math.Abs(report.Smoothness - 6) < 0.01 * 6, $"L estimate {report.Smoothness}, expected 6");
        Assert.False(report.ExceedsBound); // 0.05·2·6 = 0.6
        Assert.Contains("Smoothness L = 6 (estimated by power iteration", log.ToString());
        Assert.DoesNotContain("warning", log.ToString());
    }

    [Fact]
    public void Estimate_covers_only_the_adapted_subset()
    {
        var task = QuadraticTask([6, 2, 1, 0.5], 4);
        // The top eigenvalue of the leading 2×2 block: the Hessian the inner loop sees when it adapts θ₀ and θ₁ only.
        double a = task.SupportInputs[0], b = task.SupportInputs[1], c = task.SupportInputs[D + 1];
        double expected = (a + c) / 2 + Math.Sqrt((a - c) * (a - c) / 4 + b * b);
        var problem = new MetaProblem<double>(new QuadraticObjective<double>(D), new InnerLoop(), Hypergradient.Unrolled, [true, true, false, false]);
        using var trainer = Trainer(problem, Pool(task), new TrainerOptions { TaskBatch = 1, Threads = 1, SmoothnessIterations = 60 });
        trainer.Step();
        Assert.Equal(expected, trainer.Smoothness!.Smoothness, 1e-6 * expected);
    }

    [Fact]
    public void Step_size_beyond_the_bound_is_a_warning_in_the_training_log()
    {
        var problem = new MetaProblem<double>(new QuadraticObjective<double>(D), new InnerLoop { Steps = 5, StepSize = 0.1 }, Hypergradient.Unrolled);
        var log = new StringWriter();
        using var trainer = Trainer(problem, Pool(QuadraticTask([6, 2, 1, 0.5], 5)), new TrainerOptions { TaskBatch = 1, Threads = 1, Log = log, StepSizeConstant = 2 });
        trainer.Step();
        Assert.True(trainer.Smoothness!.ExceedsBound); // 0.1·5·6 = 3 > 2
        string line = log.ToString();
        Assert.Contains("warning: α·N·L = 0.1·5·6 = 3 exceeds c = 2", line);
        Assert.Contains("consider StepSize ≤ 0.0667", line);
    }

    [Fact]
    public void Declared_smoothness_is_reported_without_estimating()
    {
        var problem = new MetaProblem<double>(new QuadraticObjective<double>(D), new InnerLoop { Steps = 5, StepSize = 0.1 }, Hypergradient.Unrolled);
        using var trainer = Trainer(problem, Pool(QuadraticTask([6, 2, 1, 0.5], 6)), new TrainerOptions { TaskBatch = 1, Threads = 1, Smoothness = 1 });
        trainer.Step();
        Assert.False(trainer.Smoothness!.Estimated);
        Assert.Equal(1, trainer.Smoothness.Smoothness);
        Assert.False(trainer.Smoothness.ExceedsBound);

        using var silent = Trainer(problem, Pool(QuadraticTask([6, 2, 1, 0.5], 6)), new TrainerOptions { TaskBatch = 1, Threads = 1, SmoothnessIterations = 0 });
        silent.Step();
        Assert.Null(silent.Smoothness);
    }

    [Fact]
    public void Estimating_does_not_change_the_trained_parameters_on_any_thread_count()
    {
        var problem = new MetaProblem<double>(new QuadraticObjective<double>(D), new InnerLoop { Steps = 3, StepSize = 0.05 },
            new Hypergradient { Kind = HypergradientKind.EvolutionStrategies, Directions = 3 });
        double[] Run(int iterations, int threads)
        {
            var meta = new double[D];
            // A fresh pool per run: a pool's draw order is state of its own.
            var tasks = Pool(QuadraticTask([6, 2, 1, 0.5], 7), QuadraticTask([4, 3, 1, 1], 8), QuadraticTask([2, 1, 1, 1], 9));
            using var trainer = Trainer(problem, tasks, new TrainerOptions { TaskBatch = 4, Threads = threads, Seed = 5, SmoothnessIterations = iterations }, meta);
            trainer.Train(5);
            return meta;
        }
        var without = Run(0, 1);
        Assert.Equal(without, Run(20, 1));
        Assert.Equal(without, Run(20, 2));
    }

    [Theory]
    [InlineData(-1.0, 20, 1.0)]
    [InlineData(double.PositiveInfinity, 20, 1.0)]
    [InlineData(0.0, -1, 1.0)]
    [InlineData(0.0, 20, 0.0)]
    [InlineData(0.0, 20, double.NaN)]
    public void Invalid_smoothness_settings_are_rejected(double smoothness, int iterations, double constant)
    {
        var problem = new MetaProblem<double>(new QuadraticObjective<double>(D), new InnerLoop(), Hypergradient.Unrolled);
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer(problem, Pool(QuadraticTask([1, 1, 1, 1], 1)),
            new TrainerOptions { Smoothness = smoothness, SmoothnessIterations = iterations, StepSizeConstant = constant }));
    }
}
