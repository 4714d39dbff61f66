using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Optimizers;
using MetaSpec.Tasks;
using MetaSpec.Tests.Meta;
using static MetaSpec.Tests.Meta.TrainerTests;

namespace MetaSpec.Tests.Geometry;

/// <summary>
/// The learned geometries in the trainer and the learner: bit-identical runs on one or two threads, no allocation per
/// meta-iteration, exact resume from a checkpoint (θ_P / θ_g, their optimiser state and the mirror map's projections),
/// the ANIL specialisation equal to the general path, the runtime's validation, and the step-size check with ‖P‖.
/// </summary>
public sealed class GeometryTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("metaspec-geometry-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Sequential<float> Net() => new(Shape.Vector(1),
        new("hidden", new DenseLayer<float>(1, 16)),
        new("act", new TanhLayer<float>(Shape.Vector(16))),
        new("head", new DenseLayer<float>(16, 1)));

    public static TheoryData<string, HypergradientKind> Geometries()
    {
        var data = new TheoryData<string, HypergradientKind>();
        foreach (string kind in EngineGeometryTests.Kinds)
            foreach (var method in new[] { HypergradientKind.Unrolled, HypergradientKind.FirstOrder }) data.Add(kind, method);
        data.Add("kronecker", HypergradientKind.HessianFree);
        return data;
    }

    private static MetaProblem<float> Problem(string kind, HypergradientKind method, bool resample = false) =>
        MetaProblem<float>.ForNetwork(Net(), MeanSquaredError<float>.Instance,
            new InnerLoop { Steps = 2, StepSize = 0.05, ResampleSupport = resample, Geometry = EngineGeometryTests.Geometry(kind) }, new Hypergradient { Kind = method });

    private static float[] Train(MetaProblem<float> problem, int threads, int iterations = 4, int seed = 3)
    {
        var meta = problem.CreateMetaParameters(problem.Network!.CreateParameters(1), 1);
        using var trainer = new MetaTrainer<float>(problem, new WaveTasks(), new Adam<float>(meta.Length, 1e-2), meta,
            new TrainerOptions { TaskBatch = 5, Threads = threads, Seed = seed, SmoothnessIterations = 0 });
        trainer.Train(iterations);
        return meta;
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void A_seed_gives_bit_identical_meta_parameters_on_one_or_two_threads_and_the_geometry_learns(string kind, HypergradientKind method)
    {
        var problem = Problem(kind, method, resample: method == HypergradientKind.Unrolled);
        var one = Train(problem, 1);
        var two = Train(problem, 2);
        Assert.Equal(one, two);
        Assert.NotEqual(one, Train(problem, 1, seed: 4));
        var start = problem.CreateMetaParameters(problem.Network!.CreateParameters(1), 1);
        int p = problem.ParameterCount;
        Assert.Contains(Enumerable.Range(p, start.Length - p), i => one[i] != start[i]); // θ_P / θ_g moved
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Meta_iterations_allocate_nothing_once_warm(string kind, HypergradientKind method)
    {
        var problem = Problem(kind, method);
        var meta = problem.CreateMetaParameters(problem.Network!.CreateParameters(1), 1);
        using var trainer = new MetaTrainer<float>(problem, new WaveTasks(), new Adam<float>(meta.Length), meta,
            new TrainerOptions { TaskBatch = 4, Threads = 1, SmoothnessIterations = 0 });
        trainer.Train(3);
        long before = GC.GetAllocatedBytesForCurrentThread();
        trainer.Train(10);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("diagonal")]
    [InlineData("block-diagonal")]
    [InlineData("kronecker")]
    [InlineData("mirror")]
    [InlineData("mirror-dense")]
    public void Training_resumed_from_a_checkpoint_equals_an_uninterrupted_run(string kind)
    {
        NetworkLearner<float> Learner(int seed)
        {
            var problem = Problem(kind, HypergradientKind.Unrolled);
            return new NetworkLearner<float>(problem, new Adam<float>(problem.MetaParameterCount, 1e-2),
                new TrainerOptions { TaskBatch = 3, SmoothnessIterations = 0 }, seed);
        }
        var uninterrupted = Learner(2);
        uninterrupted.Train(new WaveTasks(), 7);
        var first = Learner(2);
        first.Train(new WaveTasks(), 3);
        string path = Path.Combine(_dir, $"{kind}.safetensors");
        first.Save(path);
        var resumed = Learner(99);
        resumed.Load(path);
        resumed.Train(new WaveTasks(), 4);
        Assert.Equal(uninterrupted.MetaParameters, resumed.MetaParameters);
        Assert.Equal(uninterrupted.Optimizer.State.ToArray(), resumed.Optimizer.State.ToArray());

        var names = MetaSpec.IO.SafeTensors.Load(path).Tensors.Select(t => t.Name).ToHashSet();
        string expected = kind switch
        {
            "diagonal" => "step_size.hidden.weight",
            "block-diagonal" => "geometry.hidden.weight.output",
            "kronecker" => "geometry.hidden.weight.input",
            _ => "mirror.head.weight.decoder.2.weight",
        };
        Assert.Contains(expected, names);
        Assert.Contains("optimizer.exp_avg." + expected, names);
        if (kind.StartsWith("mirror", StringComparison.Ordinal)) Assert.Contains("mirror.hidden.weight.projection", names);
    }

    [Fact]
    public void A_mirror_checkpoint_with_other_projections_is_rejected_and_changes_nothing()
    {
        var problem = Problem("mirror", HypergradientKind.Unrolled);
        var learner = new NetworkLearner<float>(problem, new Adam<float>(problem.MetaParameterCount), new TrainerOptions { SmoothnessIterations = 0 }, 1);
        string path = Path.Combine(_dir, "mirror.safetensors");
        learner.Save(path);
        // Rewrite one projection entry: the file is otherwise this learner's.
        var content = MetaSpec.IO.SafeTensors.Load(path);
        var tensors = content.Tensors.Select(t => t.Name == "mirror.hidden.weight.projection"
            ? t with { Values = t.Values.Select((v, i) => i == 0 ? -v : v).ToArray() } : t).ToList();
        MetaSpec.IO.SafeTensors.Save(path, tensors, content.Metadata);
        var before = learner.MetaParameters.ToArray();
        var e = Assert.Throws<InvalidDataException>(() => learner.Load(path));
        Assert.Contains("'mirror.hidden.weight.projection' differs", e.Message);
        Assert.Equal(before, learner.MetaParameters);
    }

    public static TheoryData<string, HypergradientKind> HeadGeometries()
    {
        var data = new TheoryData<string, HypergradientKind>();
        foreach (string kind in EngineGeometryTests.Kinds)
            foreach (var method in new[] { HypergradientKind.Unrolled, HypergradientKind.FirstOrder }) data.Add(kind, method);
        return data;
    }

    [Theory]
    [MemberData(nameof(HeadGeometries))]
    public void Head_only_adaptation_on_body_features_equals_the_general_path(string kind, HypergradientKind method)
    {
        var net = new Sequential<double>(Shape.Vector(2),
            new("hidden", new DenseLayer<double>(2, 6)),
            new("act", new TanhLayer<double>(Shape.Vector(6))),
            new("head", new DenseLayer<double>(6, 3)));
        var special = MetaProblem<double>.ForNetwork(net, SoftmaxCrossEntropy<double>.Instance,
            new InnerLoop { Steps = 3, StepSize = 0.4, Geometry = EngineGeometryTests.Geometry(kind) }, new Hypergradient { Kind = method }, "head");
        var general = special.With(specializeHeadOnly: false);
        var task = MetaGradientTests.ClassificationTask(21);
        var meta = EngineGeometryTests.Perturbed(special, 4);
        var specialWorker = special.CreateWorker(task.SupportCount, task.QueryCount);
        var generalWorker = general.CreateWorker(task.SupportCount, task.QueryCount);
        Assert.True(specialWorker.IsHeadSpecialized);
        Assert.False(generalWorker.IsHeadSpecialized);
        var a = new double[meta.Length];
        var b = new double[meta.Length];
        Assert.Equal(generalWorker.MetaGradient(meta, task, b), specialWorker.MetaGradient(meta, task, a), 12);
        MetaSpec.Tests.Support.Assertions.Close(b, a, 1e-12, $"{kind}, {method}: head-only vs general");
        Assert.Contains(a.Take(net.Segment("head").Offset), g => Math.Abs(g) > 1e-4); // the body learns through the head's steps
    }

    public static TheoryData<InnerLoop, Hypergradient, string> Rejected() => new()
    {
        { new InnerLoop { Geometry = StepGeometry.Kronecker }, Hypergradient.Reptile,
            "The learned Kronecker geometry needs a method that differentiates through the inner steps (Unrolled, HessianFree or FirstOrder), not Reptile: its direction θ − θ_N has no derivative with respect to the geometry's parameters." },
        { new InnerLoop { Geometry = StepGeometry.MirrorMap, Proximal = 1 }, new Hypergradient { Kind = HypergradientKind.Implicit },
            "The MirrorMap geometry cannot be combined with Proximal = 1" },
        { new InnerLoop { Geometry = StepGeometry.BlockDiagonal }, new Hypergradient { Kind = HypergradientKind.EvolutionStrategies },
            "not EvolutionStrategies: its Jacobian estimate perturbs θ only" },
        { new InnerLoop { Geometry = StepGeometry.MirrorMap, Proximal = 0.5 }, Hypergradient.Unrolled,
            "The MirrorMap geometry cannot be combined with Proximal = 0.5: the proximal term λ/2‖φ − θ‖² is not defined for mirror descent" },
        { new InnerLoop { Geometry = StepGeometry.MirrorMap, ResetAdaptedToZero = true }, Hypergradient.Unrolled,
            "The learned MirrorMap geometry cannot be combined with ResetAdaptedToZero: the inner loop would start the head at g(0) = μ" },
        { new InnerLoop { Geometry = StepGeometry.Kronecker, ResetAdaptedToZero = true }, Hypergradient.Unrolled,
            "The learned Kronecker geometry cannot be combined with ResetAdaptedToZero" },
        { new InnerLoop { Geometry = StepGeometry.Kronecker, LearnStepSizes = true }, Hypergradient.Unrolled,
            "LearnStepSizes is the Diagonal geometry (Meta-SGD); it cannot be combined with [Geometry(GeometryKind.Kronecker)]" },
        { new InnerLoop { Geometry = StepGeometry.Kronecker with { Hidden = 16 } }, Hypergradient.Unrolled,
            "Hidden is set, but Kronecker does not use it (only MirrorMap does)" },
        { new InnerLoop { Geometry = StepGeometry.MirrorMap with { Embedding = 0 } }, Hypergradient.Unrolled, "Embedding is 0: it must be at least 1" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Combinations_that_are_not_defined_are_rejected_with_the_analyzers_message(InnerLoop inner, Hypergradient method, string message)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => MetaProblem<float>.ForNetwork(Net(), MeanSquaredError<float>.Instance, inner, method, "head"));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Learn_step_sizes_is_the_diagonal_geometry()
    {
        var bySwitch = new InnerLoop { LearnStepSizes = true };
        var byGeometry = new InnerLoop { Geometry = StepGeometry.Diagonal };
        Assert.Equal(StepGeometry.Diagonal, bySwitch.Geometry);
        Assert.True(byGeometry.LearnStepSizes);
        var a = MetaProblem<float>.ForNetwork(Net(), MeanSquaredError<float>.Instance, bySwitch, Hypergradient.Unrolled);
        var b = MetaProblem<float>.ForNetwork(Net(), MeanSquaredError<float>.Instance, byGeometry, Hypergradient.FirstOrder);
        Assert.Equal(a.MetaTensors.Select(t => (t.Name, t.Offset, t.Length)), b.MetaTensors.Select(t => (t.Name, t.Offset, t.Length)));
        Assert.StartsWith("step_size.", a.MetaTensors[^1].Name);
    }

    [Theory]
    [InlineData("kronecker")]
    [InlineData("mirror")]
    public void Evaluation_reports_the_inner_loss_and_gradient_norm_at_every_step(string kind)
    {
        var problem = Problem(kind, HypergradientKind.Unrolled);
        var meta = problem.CreateMetaParameters(problem.Network!.CreateParameters(1), 1);
        ITaskDistribution<float> tasks = new WaveTasks();
        var result = MetaEvaluator.Evaluate(problem, meta, tasks, 1, seed: 8, steps: 3);
        Assert.Equal(3, result.SupportLoss.Length);
        Assert.Equal(3, result.SupportGradientNorm.Length);
        // The same task by hand: the evaluator's first draw from its seed; at step 0 the point is θ₀ (g is the identity at initialisation).
        var task = tasks.CreateTaskData();
        tasks.Sample(new MetaSpec.Engine.SeededRandom(8), task);
        var net = problem.Network;
        var gradient = new float[net.ParameterCount];
        float loss = net.Gradient(meta.AsSpan(0, net.ParameterCount), task.SupportInputs, task.SupportTargets, MeanSquaredError<float>.Instance, gradient,
            net.CreateWorkspace(task.SupportCount));
        Assert.Equal(loss, result.SupportLoss[0].Mean, 6);
        Assert.Equal(System.Numerics.Tensors.TensorPrimitives.Norm<float>(gradient), result.SupportGradientNorm[0].Mean, 5);
        Assert.True(result.SupportLoss[2].Mean < result.SupportLoss[0].Mean, "the inner loop lowers the support loss");
    }

    [Fact]
    public void The_step_size_check_uses_the_norm_of_the_learned_preconditioner()
    {
        var problem = Problem("block-diagonal", HypergradientKind.Unrolled);
        var meta = problem.CreateMetaParameters(problem.Network!.CreateParameters(1));
        Assert.Equal(1, problem.StepNormBound(meta));
        // Double the output factor of the head's weight: ‖P‖₂ = 2 there.
        var factor = problem.MetaTensors.Single(t => t.Name == "geometry.head.weight.output");
        meta[factor.Offset] = 2;
        Assert.Equal(2, problem.StepNormBound(meta));
        var log = new StringWriter();
        using var trainer = new MetaTrainer<float>(problem, new WaveTasks(), new Sgd<float>(meta.Length, 1e-3), meta,
            new TrainerOptions { TaskBatch = 2, Threads = 1, Smoothness = 4, Log = log, Warnings = null });
        trainer.Train(1);
        Assert.Equal(2, trainer.Smoothness!.Preconditioner);
        Assert.Equal(0.05 * 2 * 2 * 4, trainer.Smoothness.StepSizeProduct, 12);
        Assert.Contains("α·‖P‖·N·L = 0.05·2·2·4 = 0.8 ≤ c = 1", log.ToString());
    }
}
