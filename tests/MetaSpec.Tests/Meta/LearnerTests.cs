using MetaSpec.Engine;
using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Optimizers;
using MetaSpec.Tasks;
using static MetaSpec.Tests.Meta.TrainerTests;

namespace MetaSpec.Tests.Meta;

/// <summary>
/// The learner's life cycle: training in several calls or resumed from a checkpoint equals one uninterrupted run,
/// bit for bit; bad input at run time gets an error that names the problem and loses nothing.
/// </summary>
public sealed class LearnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("metaspec-learner-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Sequential<float> Net() => new(Shape.Vector(1),
        new("hidden", new DenseLayer<float>(1, 16)),
        new("act", new ReLULayer<float>(Shape.Vector(16))),
        new("head", new DenseLayer<float>(16, 1)));

    public static TheoryData<string> Optimizers => ["adam", "sgd-momentum"];

    /// <summary>A Meta-SGD learner (step sizes in the meta-parameters and the optimiser state) with the named optimiser.</summary>
    private static NetworkLearner<float> Learner(string optimizer, int seed = 2, InnerLoop? inner = null)
    {
        var problem = MetaProblem<float>.ForNetwork(Net(), MeanSquaredError<float>.Instance,
            inner ?? new InnerLoop { Steps = 2, StepSize = 0.01, LearnStepSizes = true }, Hypergradient.Unrolled);
        IOptimizer<float> opt = optimizer == "adam"
            ? new Adam<float>(problem.MetaParameterCount, 1e-2)
            : new Sgd<float>(problem.MetaParameterCount, 1e-3, momentum: 0.9);
        return new NetworkLearner<float>(problem, opt, new TrainerOptions { TaskBatch = 3, SmoothnessIterations = 0 }, seed);
    }

    private static void AssertSameState(NetworkLearner<float> expected, NetworkLearner<float> actual)
    {
        Assert.Equal(expected.MetaParameters, actual.MetaParameters);
        Assert.Equal(expected.Optimizer.State.ToArray(), actual.Optimizer.State.ToArray());
        Assert.Equal(expected.Optimizer.Steps, actual.Optimizer.Steps);
        Assert.Equal(expected.Iterations, actual.Iterations);
        Assert.Equal(expected.Seed, actual.Seed);
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Training_in_two_calls_draws_the_same_tasks_as_one_call(string optimizer)
    {
        var once = Learner(optimizer);
        once.Train(new WaveTasks(), 7, threads: 2);
        var twice = Learner(optimizer);
        twice.Train(new WaveTasks(), 3, threads: 1);
        twice.Train(new WaveTasks(), 4, threads: 2);
        AssertSameState(once, twice);
        Assert.NotEqual(Learner(optimizer).MetaParameters, once.MetaParameters); // and training did move them
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Training_resumed_from_a_checkpoint_equals_an_uninterrupted_run(string optimizer)
    {
        var uninterrupted = Learner(optimizer);
        uninterrupted.Train(new WaveTasks(), 9);

        var first = Learner(optimizer);
        first.Train(new WaveTasks(), 4);
        string path = Path.Combine(_dir, "resume.safetensors");
        first.Save(path);
        var resumed = Learner(optimizer, seed: 99); // another initialisation and seed: the checkpoint replaces both
        resumed.Load(path);
        Assert.Equal(4, resumed.Iterations);
        Assert.Equal(2, resumed.Seed);
        resumed.Train(new WaveTasks(), 5);
        AssertSameState(uninterrupted, resumed);
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void A_learning_rate_changed_during_training_is_saved_and_resumed(string optimizer)
    {
        // A schedule: 3 iterations at the declared rate, then a tenth of it. Resumed after 4, the checkpoint's rate applies.
        var uninterrupted = Learner(optimizer);
        double declared = uninterrupted.Optimizer.LearningRate;
        uninterrupted.Train(new WaveTasks(), 3);
        uninterrupted.Optimizer.LearningRate = declared / 10;
        uninterrupted.Train(new WaveTasks(), 5);

        var first = Learner(optimizer);
        first.Train(new WaveTasks(), 3);
        first.Optimizer.LearningRate = declared / 10;
        first.Train(new WaveTasks(), 1);
        string path = Path.Combine(_dir, "scheduled.safetensors");
        first.Save(path);
        var resumed = Learner(optimizer);
        Assert.Equal(declared, resumed.Optimizer.LearningRate);
        resumed.Load(path);
        Assert.Equal(declared / 10, resumed.Optimizer.LearningRate);
        resumed.Train(new WaveTasks(), 4);
        AssertSameState(uninterrupted, resumed);

        // Without the saved rate (the resumed learner at its declared one) the run differs: the test can fail.
        var forgetful = Learner(optimizer);
        forgetful.Load(path);
        forgetful.Optimizer.LearningRate = declared;
        forgetful.Train(new WaveTasks(), 4);
        Assert.NotEqual(uninterrupted.MetaParameters, forgetful.MetaParameters);
    }

    [Fact]
    public void A_checkpoint_with_a_bad_learning_rate_is_rejected_and_changes_nothing()
    {
        var learner = Learner("adam");
        learner.Train(new WaveTasks(), 2);
        string path = Path.Combine(_dir, "rate.safetensors");
        learner.Save(path);
        var content = MetaSpec.IO.SafeTensors.Load(path);
        Assert.Equal("0.01", content.Metadata["optimizer.lr"]);
        var metadata = content.Metadata.ToDictionary(StringComparer.Ordinal);
        metadata["optimizer.lr"] = "-1";
        MetaSpec.IO.SafeTensors.Save(path, content.Tensors, metadata);

        var fresh = Learner("adam");
        var before = fresh.MetaParameters.ToArray();
        var e = Assert.Throws<InvalidDataException>(() => fresh.Load(path));
        Assert.Contains("'optimizer.lr' = '-1' is not a positive learning rate", e.Message);
        Assert.Equal(before, fresh.MetaParameters);
        Assert.Equal(0.01, fresh.Optimizer.LearningRate);
        Assert.Equal(0, fresh.Iterations);
    }

    [Fact]
    public void A_trainer_that_starts_at_iteration_k_continues_the_stream_of_one_that_ran_k()
    {
        float[] Run(params int[] calls)
        {
            var net = Net();
            var problem = MetaProblem<float>.ForNetwork(net, MeanSquaredError<float>.Instance, new InnerLoop { Steps = 1, StepSize = 0.01 }, Hypergradient.FirstOrder);
            var meta = problem.CreateMetaParameters(net.CreateParameters(1));
            var sgd = new Sgd<float>(meta.Length, 1e-2);
            long done = 0;
            foreach (int n in calls)
            {
                using var trainer = new MetaTrainer<float>(problem, new WaveTasks(), sgd, meta,
                    new TrainerOptions { TaskBatch = 2, Threads = 1, Seed = 5, FirstIteration = done, SmoothnessIterations = 0 });
                trainer.Train(n);
                done += n;
            }
            return meta;
        }
        Assert.Equal(Run(6), Run(2, 1, 3));
    }

    [Fact]
    public void Load_of_a_checkpoint_from_another_optimiser_is_rejected_and_changes_nothing()
    {
        var adam = Learner("adam");
        adam.Train(new WaveTasks(), 2);
        string path = Path.Combine(_dir, "adam.safetensors");
        adam.Save(path);
        var sgd = Learner("sgd-momentum");
        var before = sgd.MetaParameters.ToArray();
        var e = Assert.Throws<InvalidDataException>(() => sgd.Load(path));
        Assert.Contains("exp_avg", e.Message);
        Assert.Contains("momentum_buffer", e.Message);
        Assert.Equal(before, sgd.MetaParameters);
        Assert.Equal(0, sgd.Iterations);
    }

    [Fact]
    public void Save_of_non_finite_parameters_refuses_and_keeps_the_existing_file()
    {
        var learner = Learner("adam");
        string path = Path.Combine(_dir, "keep.safetensors");
        learner.Save(path);
        byte[] good = File.ReadAllBytes(path);
        learner.MetaParameters[33] = float.NaN; // inside head.weight (after hidden.weight and hidden.bias, 16 each)
        var e = Assert.Throws<ArgumentException>(() => learner.Save(path));
        Assert.Contains("head.weight", e.Message);
        Assert.Contains("NaN", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Save_creates_missing_folders_and_a_failure_names_the_users_path()
    {
        var learner = Learner("adam");
        string nested = Path.Combine(_dir, "runs", "a", "model.safetensors");
        learner.Save(nested);
        Assert.True(File.Exists(nested));

        string blocked = Path.Combine(_dir, "taken.safetensors");
        Directory.CreateDirectory(blocked); // a folder where the file should go: the final rename fails
        var e = Assert.ThrowsAny<Exception>(() => learner.Save(blocked));
        Assert.True(e is IOException or UnauthorizedAccessException, e.GetType().Name);
        Assert.Contains(blocked, e.Message);
        Assert.DoesNotContain(".tmp", e.Message);
        Assert.Empty(Directory.GetFiles(_dir)); // no temporary file left beside it
    }

    [Fact]
    public void A_save_removes_the_temporary_files_a_killed_save_to_the_same_path_left()
    {
        var learner = Learner("adam");
        string path = Path.Combine(_dir, "model.safetensors");
        // What a save killed mid-write leaves: .name.pid.guid.tmp of a process that no longer runs.
        string abandoned = Path.Combine(_dir, $".model.safetensors.{int.MaxValue - 1}.{Guid.NewGuid():N}.tmp");
        string inProgress = Path.Combine(_dir, $".model.safetensors.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        string otherFile = Path.Combine(_dir, $".other.safetensors.{int.MaxValue - 1}.{Guid.NewGuid():N}.tmp");
        foreach (string f in new[] { abandoned, inProgress, otherFile }) File.WriteAllBytes(f, [1, 2, 3]);
        learner.Save(path);
        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(inProgress)); // a save of this (live) process may still be writing it
        Assert.True(File.Exists(otherFile));  // another target's files are not this save's business
    }

    [Fact]
    public void Adapt_that_diverges_names_the_step_and_the_loss()
    {
        var learner = Learner("adam", inner: new InnerLoop { Steps = 5, StepSize = 1e6 });
        float[] x = [1, -2, 3, 4, -5], y = [1e10f, -1e10f, 2e10f, 1e10f, 3e10f];
        var e = Assert.Throws<AdaptationException>(() => learner.Adapt(x, y));
        Assert.InRange(e.Step, 1, 5);
        Assert.Contains($"inner step {e.Step} of 5", e.Message);
        Assert.Contains("StepSize", e.Message);
        Assert.Equal(learner.Adapt(x, y, steps: 0).Parameters.ToArray(), learner.Parameters.ToArray()); // nothing was changed
    }

    [Fact]
    public void Adapt_reuses_its_worker_and_grows_it_for_a_larger_support_set()
    {
        var learner = Learner("adam");
        var problem = learner.Problem;
        float[] small = [0.5f, -1, 2], smallY = [1, 0, -1];
        float[] large = [0.5f, -1, 2, 3, -4, 1, 2], largeY = [1, 0, -1, 0.5f, 2, 1, 1];
        foreach (var (x, y) in new[] { (small, smallY), (large, largeY), (small, smallY) })
        {
            var worker = problem.With(problem.Inner with { ResampleSupport = false }).CreateWorker(x.Length, 1);
            var task = new TaskData<float>(1, 1, x.Length, 1);
            x.CopyTo(task.SupportInputs, 0);
            y.CopyTo(task.SupportTargets, 0);
            worker.Adapt(learner.MetaParameters, task);
            Assert.Equal(worker.Adapted.ToArray(), learner.Adapt(x, y).Parameters.ToArray());
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(-2)]
    public void Evaluate_rejects_a_negative_step_count(int steps)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Learner("adam").Evaluate(new WaveTasks(), 3, steps: steps));
        Assert.Equal("steps", e.ParamName);
    }

    [Fact]
    public void A_re_solved_subset_that_covers_every_parameter_is_rejected_at_construction()
    {
        var e = Assert.Throws<ArgumentException>(() => MetaProblem<float>.ForNetwork(Net(), MeanSquaredError<float>.Instance,
            new InnerLoop { ResetAdaptedToZero = true }, Hypergradient.Unrolled));
        Assert.Contains("ResetAdaptedToZero", e.Message);
        Assert.Contains("nothing would be meta-learned", e.Message);
        // With the head alone adapted it is the shared-embedding problem, and valid.
        MetaProblem<float>.ForNetwork(Net(), MeanSquaredError<float>.Instance, new InnerLoop { ResetAdaptedToZero = true }, Hypergradient.Unrolled, "head");
    }

    [Fact]
    public void A_derived_problem_keeps_the_model_and_the_adapted_subset_and_is_validated_again()
    {
        var anil = MetaProblem<float>.ForNetwork(Net(), MeanSquaredError<float>.Instance, new InnerLoop { Steps = 2 }, Hypergradient.Unrolled, "head");
        var reptile = anil.With(method: Hypergradient.Reptile);
        Assert.Same(anil.Network, reptile.Network);
        Assert.Equal(anil.Mask.ToArray(), reptile.Mask.ToArray());
        Assert.Equal(anil.Inner, reptile.Inner);
        Assert.Equal(HypergradientKind.Reptile, reptile.Method.Kind);
        Assert.Throws<ArgumentException>(() => anil.With(new InnerLoop { LearnStepSizes = true }, Hypergradient.Reptile));
    }

    [Fact]
    public void Every_hypergradient_method_has_an_engine_whose_needs_are_its_capability_row()
    {
        var tasks = new SinusoidTasks<float>(5);
        var task = tasks.CreateTaskData();
        tasks.Sample(new Random(1), task);
        foreach (var kind in Enum.GetValues<HypergradientKind>())
        {
            var problem = MetaProblem<float>.ForNetwork(Net(), MeanSquaredError<float>.Instance,
                new InnerLoop { Steps = 2, StepSize = 0.01, Proximal = 1 }, new Hypergradient { Kind = kind });
            var worker = problem.CreateWorker(tasks.SupportCount, tasks.QueryCount);
            var method = worker.Method;
            Assert.EndsWith(kind + "Hypergradient`1", method.GetType().Name);
            bool exact = MetaSpec.Specification.MethodCapabilities.UsesHessianVectorProducts((MetaSpec.Specification.HypergradientMethod)kind);
            Assert.Equal(exact, method.Hessian is ExactHessianProduct<float>);
            var gradient = new float[problem.MetaParameterCount];
            float loss = worker.MetaGradient(problem.CreateMetaParameters(problem.Network!.CreateParameters(3)), task, gradient);
            Assert.True(float.IsFinite(loss), kind.ToString());
            Assert.Contains(gradient, g => g != 0);
        }
    }
}
