using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Optimizers;
using MetaSpec.Tasks;

namespace MetaSpec.Tests.Meta;

public class TrainerTests
{
    /// <summary>Regression tasks y = a·sin(x + b) with fresh points per draw: a small sinusoid family.</summary>
    internal sealed class WaveTasks(int shots = 5) : ITaskDistribution<float>
    {
        public Shape InputShape => Shape.Vector(1);
        public int TargetSize => 1;
        public int SupportCount => shots;
        public int QueryCount => shots;
        public int DescriptorLength => 2;
        public double Scale { get; init; } = 1;

        public void Sample(Random random, TaskData<float> task)
        {
            task.Descriptor[0] = Scale * (0.5 + random.NextDouble());
            task.Descriptor[1] = random.NextDouble() * Math.PI;
            Draw(random, task, task.SupportInputs, task.SupportTargets);
            Draw(random, task, task.QueryInputs, task.QueryTargets);
        }

        public void ResampleSupport(Random random, TaskData<float> task) => Draw(random, task, task.SupportInputs, task.SupportTargets);

        private static void Draw(Random random, TaskData<float> task, float[] x, float[] y)
        {
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = (float)(10 * random.NextDouble() - 5);
                y[i] = (float)(task.Descriptor[0] * Math.Sin(x[i] + task.Descriptor[1]));
            }
        }
    }

    private static Sequential<float> Net() => new(Shape.Vector(1),
        new("hidden", new DenseLayer<float>(1, 16)),
        new("act", new ReLULayer<float>(Shape.Vector(16))),
        new("head", new DenseLayer<float>(16, 1)));

    private static float[] Train(int threads, Hypergradient method, InnerLoop inner, int iterations = 5, int seed = 3)
    {
        var net = Net();
        var problem = MetaProblem<float>.ForNetwork(net, MeanSquaredError<float>.Instance, inner, method);
        var meta = problem.CreateMetaParameters(net.CreateParameters(1));
        using var trainer = new MetaTrainer<float>(problem, new WaveTasks(), new Adam<float>(meta.Length, 1e-2), meta,
            new TrainerOptions { TaskBatch = 6, Threads = threads, Seed = seed });
        trainer.Train(iterations);
        return meta;
    }

    public static TheoryData<HypergradientKind, bool> Methods => new()
    {
        { HypergradientKind.Unrolled, false },
        { HypergradientKind.Unrolled, true },
        { HypergradientKind.EvolutionStrategies, true },
        { HypergradientKind.Implicit, false },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void A_seed_gives_bit_identical_parameters_on_one_or_two_threads(HypergradientKind kind, bool resample)
    {
        // Directions only for ES: a setting the method does not read is rejected (Hypergradient.Validate).
        var method = kind == HypergradientKind.EvolutionStrategies ? new Hypergradient { Kind = kind, Directions = 4 } : new Hypergradient { Kind = kind };
        var inner = new InnerLoop { Steps = 2, StepSize = 0.01, ResampleSupport = resample, Proximal = kind == HypergradientKind.Implicit ? 1 : 0 };
        var one = Train(1, method, inner);
        var two = Train(2, method, inner);
        Assert.Equal(one, two);
        Assert.NotEqual(one, Train(1, method, inner, seed: 4)); // and the seed matters
    }

    [Fact]
    public void Meta_sgd_step_sizes_move_during_training()
    {
        var meta = Train(2, Hypergradient.Unrolled, new InnerLoop { Steps = 1, StepSize = 0.01, LearnStepSizes = true }, iterations: 20);
        int p = Net().ParameterCount;
        var alphas = meta.AsSpan(p).ToArray();
        Assert.Contains(alphas, a => Math.Abs(a - 0.01f) > 1e-3f);
    }

    [Fact]
    public void Training_reduces_the_post_adaptation_loss()
    {
        var net = Net();
        var problem = MetaProblem<float>.ForNetwork(net, MeanSquaredError<float>.Instance, new InnerLoop { Steps = 1, StepSize = 0.01 }, Hypergradient.Unrolled);
        var meta = problem.CreateMetaParameters(net.CreateParameters(1));
        var tasks = new WaveTasks(10);
        double before = MetaEvaluator.Evaluate(problem, meta, tasks, 200, seed: 9).Loss[1].Mean;
        using (var trainer = new MetaTrainer<float>(problem, tasks, new Adam<float>(meta.Length, 1e-2), meta, new TrainerOptions { TaskBatch = 10, Seed = 1 }))
            trainer.Train(300);
        var after = MetaEvaluator.Evaluate(problem, meta, tasks, 200, seed: 9);
        Assert.True(after.Loss[1].Mean < 0.5 * before, $"post-adaptation loss {before:F3} → {after.Loss[1].Mean:F3}");
        Assert.True(after.Loss[1].Mean < after.Loss[0].Mean, "one inner step should help after meta-training");
        Assert.True(after.Loss[1].HalfWidth95 > 0 && after.Loss[1].HalfWidth95 < after.Loss[1].Mean);
    }

    [Fact]
    public void A_non_finite_loss_stops_training_with_the_iteration_and_task_and_keeps_the_last_good_parameters()
    {
        var net = Net();
        // A huge inner step makes the adapted network blow up once the tasks' amplitudes are large.
        var problem = MetaProblem<float>.ForNetwork(net, MeanSquaredError<float>.Instance, new InnerLoop { Steps = 5, StepSize = 1e6 }, Hypergradient.Unrolled);
        var meta = problem.CreateMetaParameters(net.CreateParameters(1));
        using var trainer = new MetaTrainer<float>(problem, new WaveTasks { Scale = 1e10 }, new Sgd<float>(meta.Length, 1e-3), meta,
            new TrainerOptions { TaskBatch = 3, Threads = 2 });
        var snapshot = (float[])meta.Clone();
        var error = Assert.Throws<MetaTrainingException>(() => trainer.Train(10));
        Assert.Equal(0, error.Iteration);
        Assert.InRange(error.Task, 0, 2);
        Assert.Contains("iteration 0", error.Message);
        Assert.Contains($"task {error.Task}", error.Message);
        Assert.Equal(snapshot, meta);
    }

    [Fact]
    public void Labels_out_of_range_and_mismatched_shapes_are_reported_with_the_set_and_sample()
    {
        var net = new Sequential<double>(Shape.Vector(2), new NamedLayer<double>("head", new DenseLayer<double>(2, 3)));
        var problem = MetaProblem<double>.ForNetwork(net, SoftmaxCrossEntropy<double>.Instance, new InnerLoop(), Hypergradient.Unrolled);
        var worker = problem.CreateWorker(9, 9);
        var task = MetaGradientTests.ClassificationTask(1);
        task.QueryTargets[4] = 7;
        var e = Assert.Throws<ArgumentException>(() => worker.Validate(task));
        Assert.Contains("query", e.Message);
        Assert.Contains("sample 4", e.Message);

        var wrongShape = new TaskData<double>(3, 1, 9, 9); // 3 input values per sample, the network takes 2
        var shape = Assert.Throws<ArgumentException>(() => worker.Validate(wrongShape));
        Assert.Contains("support", shape.Message);
        Assert.Contains("[2]", shape.Message);

        var nan = MetaGradientTests.ClassificationTask(2);
        nan.SupportInputs[3] = double.NaN;
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => worker.Validate(nan)).Message);

        var empty = Assert.Throws<ArgumentOutOfRangeException>(() => new TaskData<double>(2, 1, 0, 5));
        Assert.Contains("at least one support sample", empty.Message);
    }

    [Fact]
    public void Specs_that_cannot_work_are_rejected_with_the_setting_named()
    {
        var net = Net();
        Assert.Contains("proximal", Assert.Throws<ArgumentException>(() => MetaProblem<float>.ForNetwork(net, MeanSquaredError<float>.Instance,
            new InnerLoop(), new Hypergradient { Kind = HypergradientKind.Implicit })).Message);
        Assert.Contains("Learned step sizes", Assert.Throws<ArgumentException>(() => MetaProblem<float>.ForNetwork(net, MeanSquaredError<float>.Instance,
            new InnerLoop { LearnStepSizes = true }, Hypergradient.Reptile)).Message);
        Assert.Contains("no parameters", Assert.Throws<ArgumentException>(() => MetaProblem<float>.ForNetwork(net, MeanSquaredError<float>.Instance,
            new InnerLoop(), Hypergradient.Unrolled, "act")).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => MetaProblem<float>.ForNetwork(net, MeanSquaredError<float>.Instance,
            new InnerLoop { StepSize = -1 }, Hypergradient.Unrolled));
    }

    [Fact]
    public void Meta_iterations_allocate_nothing_once_warm()
    {
        var net = Net();
        var problem = MetaProblem<float>.ForNetwork(net, MeanSquaredError<float>.Instance, new InnerLoop { Steps = 3, StepSize = 0.01 }, Hypergradient.Unrolled);
        var meta = problem.CreateMetaParameters(net.CreateParameters(1));
        using var trainer = new MetaTrainer<float>(problem, new WaveTasks(), new Adam<float>(meta.Length), meta, new TrainerOptions { TaskBatch = 4, Threads = 1 });
        trainer.Train(3);
        long before = GC.GetAllocatedBytesForCurrentThread();
        trainer.Train(20);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Adapting_zero_steps_gives_the_starting_point_and_one_step_moves_from_it(bool resetHead)
    {
        var net = Net();
        var inner = new InnerLoop { Steps = 3, StepSize = 0.01, ResetAdaptedToZero = resetHead };
        var problem = MetaProblem<float>.ForNetwork(net, MeanSquaredError<float>.Instance, inner, Hypergradient.Unrolled, "head");
        var learner = new NetworkLearner<float>(problem, new Adam<float>(net.ParameterCount), new TrainerOptions(), seed: 2);
        float[] x = [0.5f, -1, 2, 3, -4], y = [1, 0, -1, 0.5f, 2];
        var start = learner.Adapt(x, y, steps: 0).Parameters.ToArray();
        var expected = learner.Parameters.ToArray();
        if (resetHead) expected.AsSpan(net.Segment("head").Offset).Clear();
        Assert.Equal(expected, start);
        Assert.NotEqual(start, learner.Adapt(x, y, steps: 1).Parameters.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => learner.Adapt(x, y, steps: -1));
    }

    [Fact]
    public void Adam_first_step_moves_each_parameter_by_the_learning_rate_against_its_gradient_sign()
    {
        var adam = new Adam<double>(3, learningRate: 0.1);
        double[] p = [1, 2, 3];
        adam.Step(p, [0.5, -2, 1e-3]);
        // m̂ = g and v̂ = g² on the first step, so the update is lr·g/(|g| + ε).
        Assert.Equal(0.9, p[0], 1e-7);
        Assert.Equal(2.1, p[1], 1e-7);
        Assert.Equal(2.9, p[2], 1e-5);
    }

    [Fact]
    public void Sgd_with_momentum_follows_pytorch()
    {
        var sgd = new Sgd<double>(1, learningRate: 0.1, momentum: 0.9);
        double[] p = [1];
        sgd.Step(p, [1]);   // b = 1
        sgd.Step(p, [1]);   // b = 0.9 + 1
        Assert.Equal(1 - 0.1 - 0.19, p[0], 1e-12);
    }

    [Fact]
    public void Adam_learning_rate_set_between_steps_scales_the_next_step_only()
    {
        // Two steps with the same gradient: m̂ = v̂^½ = |g| after both, so each step moves by lr·sign(g) (ε aside): the first
        // by 0.1, the second, after the rate is set to 0.01, by 0.01; the moments are those of an Adam never changed.
        var adam = new Adam<double>(2, learningRate: 0.1);
        var reference = new Adam<double>(2, learningRate: 0.1);
        double[] p = [1, 2], q = [1, 2];
        adam.Step(p, [0.5, -2]);
        reference.Step(q, [0.5, -2]);
        adam.LearningRate = 0.01;
        Assert.Equal(0.01, adam.LearningRate);
        adam.Step(p, [0.5, -2]);
        reference.Step(q, [0.5, -2]);
        Assert.Equal(1 - 0.1 - 0.01, p[0], 1e-7);
        Assert.Equal(2 + 0.1 + 0.01, p[1], 1e-7);
        Assert.Equal(reference.State.ToArray(), adam.State.ToArray());
        Assert.Equal(2, adam.Steps);
        Assert.Equal(1 - 0.2, q[0], 1e-7); // the unchanged one took two steps of 0.1
    }

    [Fact]
    public void Sgd_learning_rate_set_between_steps_scales_the_next_step_only()
    {
        var sgd = new Sgd<double>(1, learningRate: 0.1, momentum: 0.9);
        double[] p = [1];
        sgd.Step(p, [1]);          // b = 1, step 0.1
        sgd.LearningRate = 0.01;
        sgd.Step(p, [1]);          // b = 1.9, step 0.019
        Assert.Equal(1 - 0.1 - 0.019, p[0], 1e-12);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1e-3)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_learning_rate_that_is_not_positive_and_finite_is_refused_and_the_old_one_kept(double rate)
    {
        IOptimizer<double>[] optimizers = [new Adam<double>(1, learningRate: 0.1), new Sgd<double>(1, learningRate: 0.1)];
        foreach (var optimizer in optimizers)
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => optimizer.LearningRate = rate);
            Assert.Contains("learning rate must be positive and finite", e.Message);
            Assert.Equal(0.1, optimizer.LearningRate);
        }
    }

    [Fact]
    public void Estimate_is_the_mean_with_a_normal_95_percent_interval()
    {
        var e = Estimate.Of([1, 2, 3, 4]);
        Assert.Equal(2.5, e.Mean, 12);
        Assert.Equal(1.96 * Math.Sqrt(5.0 / 3) / 2, e.HalfWidth95, 12);
    }
}
