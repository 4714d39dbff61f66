using MetaSpec.Generators.Tests.Specs;
using MetaSpec.Generators.Tests.Support;
using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Optimizers;
using MetaSpec.Tasks;

namespace MetaSpec.Generators.Tests;

/// <summary>
/// The learners generated from Specs/ (compiled by the real generator, as a user's project would be) run,
/// and equal the runtime's reference path built by hand with <see cref="MetaProblem{T}.ForNetwork"/>.
/// </summary>
/// <remarks>
/// Equality is exact, bit for bit: the generated code builds the same network, problem, optimiser and
/// trainer options and calls the same engine, whose task sums run in a fixed order on any number of
/// threads. Any difference would mean a setting was mistranslated, so no tolerance is allowed.
/// </remarks>
public sealed class GeneratedTrainerTests
{
    private const int Seed = 11;
    private const int Iterations = 3;

    /// <summary>A generated learner and the same problem assembled by hand from the runtime's parts.</summary>
    public sealed record Case(
        string Name,
        Func<int, IGeneratedLearner> Create,
        Func<Sequential<float>> Network,
        ILoss<float> Loss,
        InnerLoop Inner,
        Hypergradient Method,
        string[] Adapted,
        Func<int, IOptimizer<float>> Optimizer,
        TrainerOptions Options,
        Func<ITaskDistribution<float>> Tasks)
    {
        public override string ToString() => Name;
    }

    /// <summary>What the tests need of a generated learner, wrapped so the cases can share one test body.</summary>
    public interface IGeneratedLearner
    {
        float[] MetaParameters { get; }
        long Iterations { get; }
        void Train(ITaskDistribution<float> tasks, int iterations, Action<MetaStep>? progress = null, int? threads = null);
        AdaptedNetwork<float> Adapt(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets);
        EvaluationResult Evaluate(ITaskDistribution<float> tasks, int taskCount, int seed);
        void Save(string path);
        IGeneratedLearner Load(string path);
        IReadOnlyList<ParameterTensor> Tensors { get; }
        int ParameterCount { get; }
    }

    private sealed class Wrap<TLearner>(TLearner learner, Func<TLearner, NetworkLearner<float>> engine, Func<string, TLearner> load,
        IReadOnlyList<ParameterTensor> tensors, int parameterCount) : IGeneratedLearner
    {
        public float[] MetaParameters => engine(learner).MetaParameters;
        public long Iterations => engine(learner).Iterations;
        public void Train(ITaskDistribution<float> tasks, int iterations, Action<MetaStep>? progress, int? threads) =>
            engine(learner).Train(tasks, iterations, progress, threads);
        public AdaptedNetwork<float> Adapt(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets) => engine(learner).Adapt(inputs, targets);
        public EvaluationResult Evaluate(ITaskDistribution<float> tasks, int taskCount, int seed) => engine(learner).Evaluate(tasks, taskCount, null, seed);
        public void Save(string path) => engine(learner).Save(path);
        public IGeneratedLearner Load(string path) => new Wrap<TLearner>(load(path), engine, load, tensors, parameterCount);
        public IReadOnlyList<ParameterTensor> Tensors => tensors;
        public int ParameterCount => parameterCount;
    }

    private static NamedLayer<float> Linear(string name, int inputs, int outputs, bool bias = true) => new(name, new DenseLayer<float>(inputs, outputs, bias));
    private static NamedLayer<float> Act(string name, ILayer<float> layer) => new(name, layer);
    private static Shape V(int n) => Shape.Vector(n);

    // An all-dense model's generated network runs the fused dense passes, so the hand-built ones do too.
    private static Sequential<float> SineMlp() => new Sequential<float>(V(1),
        Linear("hidden1", 1, 40), Act("hidden1_relu", new ReLULayer<float>(V(40))),
        Linear("hidden2", 40, 40), Act("hidden2_relu", new ReLULayer<float>(V(40))),
        Linear("head", 40, 1)).WithFusedDenseLayers();

    private static Sequential<float> PointMlp() => new Sequential<float>(V(4),
        Linear("hidden", 4, 16), Act("hidden_relu", new ReLULayer<float>(V(16))), Linear("scores", 16, 3)).WithFusedDenseLayers();

    public static TheoryData<Case> Cases() =>
    [
        new Case("MAML", s => new Wrap<SineMaml>(new SineMaml(s), l => l.Engine, SineMaml.Load, SineNet.Tensors, SineMaml.ParameterCount),
            SineMlp, MeanSquaredError<float>.Instance, new InnerLoop { Steps = 5, StepSize = 0.01 }, Hypergradient.Unrolled, [],
            p => new Adam<float>(p, 0.001), new TrainerOptions { TaskBatch = 25 }, () => new SineTasks(10)),
        new Case("ANIL", s => new Wrap<SineAnil>(new SineAnil(s), l => l.Engine, SineAnil.Load, AnilSineNet.Tensors, SineAnil.ParameterCount),
            SineMlp, MeanSquaredError<float>.Instance, new InnerLoop { Steps = 3, StepSize = 0.05 }, Hypergradient.Unrolled, ["head"],
            p => new Adam<float>(p, 0.001), new TrainerOptions { TaskBatch = 8 }, () => new SineTasks(10)),
        new Case("Meta-SGD", s => new Wrap<SineMetaSgd>(new SineMetaSgd(s), l => l.Engine, SineMetaSgd.Load, TanhNet.Tensors, SineMetaSgd.ParameterCount),
            () => new Sequential<float>(V(1), Linear("hidden", 1, 32), Act("hidden_tanh", new TanhLayer<float>(V(32))), Linear("output", 32, 1)).WithFusedDenseLayers(),
            MeanSquaredError<float>.Instance, new InnerLoop { Steps = 1, StepSize = 0.02, LearnStepSizes = true }, Hypergradient.Unrolled, [],
            p => new Adam<float>(p, 0.001), new TrainerOptions { TaskBatch = 6 }, () => new SineTasks(10)),
        new Case("iMAML", s => new Wrap<SineImaml>(new SineImaml(s), l => l.Engine, SineImaml.Load, SigmoidNet.Tensors, SineImaml.ParameterCount),
            () => new Sequential<float>(V(1), Linear("hidden", 1, 24), Act("hidden_sigmoid", new SigmoidLayer<float>(V(24))), Linear("output", 24, 1)).WithFusedDenseLayers(),
            MeanSquaredError<float>.Instance, new InnerLoop { Steps = 10, StepSize = 0.02, Proximal = 2 },
            new Hypergradient { Kind = HypergradientKind.Implicit, Solver = ImplicitSolver.ConjugateGradient, Iterations = 5 }, [],
            p => new Sgd<float>(p, 0.01, momentum: 0.9), new TrainerOptions { TaskBatch = 4 }, () => new SineTasks(10)),
        new Case("Reptile", s => new Wrap<SineReptile>(new SineReptile(s), l => l.Engine, SineReptile.Load, LeakyNet.Tensors, SineReptile.ParameterCount),
            () => new Sequential<float>(V(1), Linear("hidden", 1, 64), Act("hidden_leakyrelu", new LeakyReLULayer<float>(V(64))), Linear("output", 64, 1, bias: false)).WithFusedDenseLayers(),
            MeanSquaredError<float>.Instance, new InnerLoop { Steps = 8, StepSize = 0.02, ResampleSupport = true }, Hypergradient.Reptile, [],
            p => new Sgd<float>(p, 0.1), new TrainerOptions { TaskBatch = 5 }, () => new SineTasks(10)),
        new Case("Shared embedding (ESJ)", s => new Wrap<SineSharedEmbedding>(new SineSharedEmbedding(s), l => l.Engine, SineSharedEmbedding.Load, EmbeddingNet.Tensors, SineSharedEmbedding.ParameterCount),
            () => new Sequential<float>(V(1), Linear("embedding", 1, 32), Act("embedding_tanh", new TanhLayer<float>(V(32))), Linear("head", 32, 1)).WithFusedDenseLayers(),
            MeanSquaredError<float>.Instance, new InnerLoop { Steps = 10, StepSize = 0.1, Proximal = 0.1, ResetAdaptedToZero = true },
            new Hypergradient { Kind = HypergradientKind.EvolutionStrategies, Directions = 8, Smoothing = 0.01 }, ["head"],
            p => new Adam<float>(p, 0.001), new TrainerOptions { TaskBatch = 4, ClipGradientNorm = 10 }, () => new SineTasks(10)),
        new Case("FOMAML", s => new Wrap<Classifiers.PointFomaml>(new Classifiers.PointFomaml(s), l => l.Engine, Classifiers.PointFomaml.Load, Classifiers.PointNet.Tensors, Classifiers.PointFomaml.ParameterCount),
            PointMlp, SoftmaxCrossEntropy<float>.Instance, new InnerLoop { Steps = 2, StepSize = 0.1 }, Hypergradient.FirstOrder, [],
            p => new Adam<float>(p, 0.003), new TrainerOptions { TaskBatch = 4 }, () => new PointTasks(2)),
        new Case("HF-MAML", s => new Wrap<Classifiers.PointHessianFree>(new Classifiers.PointHessianFree(s), l => l.Engine, Classifiers.PointHessianFree.Load, Classifiers.PointNet.Tensors, Classifiers.PointHessianFree.ParameterCount),
            PointMlp, SoftmaxCrossEntropy<float>.Instance, new InnerLoop { Steps = 2, StepSize = 0.1 },
            new Hypergradient { Kind = HypergradientKind.HessianFree, FiniteDifferenceStep = 0.001 }, [],
            p => new Adam<float>(p, 0.003), new TrainerOptions { TaskBatch = 4 }, () => new PointTasks(2)),
        new Case("Conv ANIL", s => new Wrap<TinyConvAnil>(new TinyConvAnil(s), l => l.Engine, TinyConvAnil.Load, TinyConvNet.Tensors, TinyConvAnil.ParameterCount),
            () => new Sequential<float>(Shape.Image(2, 6, 6),
                new("conv", new Conv2dLayer<float>(Shape.Image(2, 6, 6), 3, 3, stride: 1, padding: 1)),
                new("norm", new BatchNorm2dLayer<float>(Shape.Image(3, 6, 6), 1e-3)), new("norm_relu", new ReLULayer<float>(Shape.Image(3, 6, 6))),
                new("pool", new MaxPool2dLayer<float>(Shape.Image(3, 6, 6), 2, 2)),
                new("flatten", new FlattenLayer<float>(Shape.Image(3, 3, 3))), Linear("classifier", 27, 3)),
            SoftmaxCrossEntropy<float>.Instance, new InnerLoop { Steps = 2, StepSize = 0.2 }, Hypergradient.Unrolled, ["classifier"],
            p => new Adam<float>(p, 0.002), new TrainerOptions { TaskBatch = 3 }, () => new ImageTasks(2)),
        new Case("Mirror map", s => new Wrap<ConvMirrorMap>(new ConvMirrorMap(s), l => l.Engine, ConvMirrorMap.Load, GeometryConvNet.Tensors, ConvMirrorMap.ParameterCount),
            GeometryConv, SoftmaxCrossEntropy<float>.Instance,
            new InnerLoop { Steps = 2, StepSize = 0.2, Geometry = StepGeometry.MirrorMap with { Embedding = 4, Hidden = 8 } }, Hypergradient.Unrolled, [],
            p => new Adam<float>(p, 0.002), new TrainerOptions { TaskBatch = 3 }, () => new ImageTasks(2)),
        new Case("Kronecker, first order", s => new Wrap<ConvKroneckerFirstOrder>(new ConvKroneckerFirstOrder(s), l => l.Engine, ConvKroneckerFirstOrder.Load, GeometryConvNet.Tensors, ConvKroneckerFirstOrder.ParameterCount),
            GeometryConv, SoftmaxCrossEntropy<float>.Instance, new InnerLoop { Steps = 1, StepSize = 0.2, Geometry = StepGeometry.Kronecker }, Hypergradient.FirstOrder, [],
            p => new Adam<float>(p, 0.002), new TrainerOptions { TaskBatch = 3 }, () => new ImageTasks(2)),
    ];

    private static Sequential<float> GeometryConv() => new(Shape.Image(2, 6, 6),
        new("conv", new Conv2dLayer<float>(Shape.Image(2, 6, 6), 3, 3, stride: 1, padding: 1)),
        new("norm", new BatchNorm2dLayer<float>(Shape.Image(3, 6, 6))), new("norm_relu", new ReLULayer<float>(Shape.Image(3, 6, 6))),
        new("pool", new MaxPool2dLayer<float>(Shape.Image(3, 6, 6), 2, 2)),
        new("flatten", new FlattenLayer<float>(Shape.Image(3, 3, 3))), Linear("classifier", 27, 3));

    private static (Sequential<float> Network, MetaProblem<float> Problem, float[] Meta) Reference(Case c)
    {
        var network = c.Network();
        var problem = MetaProblem<float>.ForNetwork(network, c.Loss, c.Inner, c.Method, c.Adapted);
        return (network, problem, problem.CreateMetaParameters(network.CreateParameters(Seed), Seed));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Layout_constants_equal_the_runtime_network(Case c)
    {
        var learner = c.Create(Seed);
        var network = c.Network();
        Assert.Equal(network.ParameterCount, learner.ParameterCount);
        Assert.Equal(network.Tensors.Select(t => (t.Name, t.Offset, string.Join("x", t.Dimensions))),
            learner.Tensors.Select(t => (t.Name, t.Offset, string.Join("x", t.Dimensions))));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Initialisation_and_training_equal_the_hand_built_reference(Case c)
    {
        var (_, problem, meta) = Reference(c);
        var learner = c.Create(Seed);
        Assert.Equal(meta, learner.MetaParameters);

        using (var trainer = new MetaTrainer<float>(problem, c.Tasks(), c.Optimizer(problem.MetaParameterCount), meta,
                   c.Options with { Seed = Seed, Threads = 1 }))
            trainer.Train(Iterations);
        var steps = new List<long>();
        learner.Train(c.Tasks(), Iterations, s => steps.Add(s.Iteration), threads: 2);

        Assert.Equal(meta, learner.MetaParameters);
        Assert.NotEqual(Reference(c).Meta, learner.MetaParameters);
        Assert.Equal([0L, 1L, 2L], steps);
        Assert.Equal(Iterations, learner.Iterations);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Evaluation_equals_the_runtime_evaluator(Case c)
    {
        var (_, problem, meta) = Reference(c);
        var expected = MetaEvaluator.Evaluate(problem, meta, c.Tasks(), 3, seed: 5);
        var actual = c.Create(Seed).Evaluate(c.Tasks(), 3, seed: 5);
        Assert.Equal(expected.Loss, actual.Loss);
        Assert.Equal(expected.Accuracy, actual.Accuracy);
        Assert.Equal(c.Inner.Steps + 1, actual.Loss.Length);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Save_then_load_restores_the_meta_parameters(Case c)
    {
        var learner = c.Create(Seed);
        learner.Train(c.Tasks(), 1, threads: 1);
        string path = Path.Combine(Path.GetTempPath(), $"metaspec-{Guid.NewGuid():N}.safetensors");
        try
        {
            learner.Save(path);
            Assert.Equal(learner.MetaParameters, learner.Load(path).MetaParameters);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Adapted_model_predicts_with_the_worker_s_adapted_parameters(Case c)
    {
        var (network, problem, meta) = Reference(c);
        var tasks = c.Tasks();
        var task = tasks.CreateTaskData();
        tasks.Sample(new Random(3), task);
        var adapting = problem.With(problem.Inner with { ResampleSupport = false });
        float[] workerAdapted = MetaSpec.EngineAccess.EngineAccess.Adapt(adapting, meta, task);
        var expected = new float[task.QueryCount * network.OutputShape.Size];
        network.Predict(workerAdapted, task.QueryInputs, expected, network.CreateWorkspace(task.QueryCount));

        var adapted = c.Create(Seed).Adapt(task.SupportInputs, task.SupportTargets);
        Assert.Equal(workerAdapted, adapted.Parameters.ToArray());
        Assert.Equal(expected, adapted.Predict(task.QueryInputs));
        var into = new float[expected.Length];
        adapted.Predict(task.QueryInputs, into);
        Assert.Equal(expected, into);
    }

    [Fact]
    public void Generated_api_reads_as_documented()
    {
        var learner = new SineMaml(seed: 7);
        ITaskDistribution<float> tasks = new SineTasks(10);
        learner.Train(tasks, iterations: 2, threads: 1);
        var task = tasks.CreateTaskData();
        tasks.Sample(new Random(1), task);
        var adapted = learner.Adapt(task.SupportInputs, task.SupportTargets);
        float[] predictions = adapted.Predict(task.QueryInputs);
        var result = learner.Evaluate(tasks, taskCount: 4);
        Assert.Equal(task.QueryCount, predictions.Length);
        Assert.Equal(SineMaml.InnerSteps + 1, result.Loss.Length);
        Assert.Equal(SineNet.Layout.HeadOffset + SineNet.Layout.HeadLength, SineNet.ParameterCount);
        Assert.Equal(SineMaml.ParameterCount, learner.MetaParameters.Length);
        Assert.Equal(2 * SineMetaSgd.ParameterCount, SineMetaSgd.MetaParameterCount);
        // The generated count of a learned geometry is the runtime's (its θ_P / θ_g over the adapted tensors).
        Assert.Equal(ConvMirrorMap.MetaParameterCount, ConvMirrorMap.CreateProblem(GeometryConvNet.CreateNetwork()).MetaParameterCount);
        Assert.Equal(ConvKroneckerFirstOrder.MetaParameterCount, ConvKroneckerFirstOrder.CreateProblem(GeometryConvNet.CreateNetwork()).MetaParameterCount);
        Assert.True(ConvMirrorMap.MetaParameterCount > ConvMirrorMap.ParameterCount);
    }

    [Fact]
    public void A_declared_smoothness_reaches_the_trainer_and_an_undeclared_one_is_estimated()
    {
        var declared = new SineMaml(seed: 1); // Smoothness = 4 in the spec
        declared.Train(new SineTasks(10), iterations: 1, threads: 1);
        Assert.Equal(new SmoothnessReport(4, Estimated: false, StepSize: 0.01, Steps: 5, Constant: 1), declared.Engine.Smoothness);

        var estimated = new SineAnil(seed: 1); // no Smoothness declared
        estimated.Train(new SineTasks(10), iterations: 1, threads: 1);
        Assert.True(estimated.Engine.Smoothness is { Estimated: true, Smoothness: > 0 });
    }

    [Fact]
    public void Training_continues_across_calls_and_stops_on_cancellation()
    {
        var learner = new SineAnil(seed: 2);
        var tasks = new SineTasks(5);
        var steps = new List<long>();
        learner.Train(tasks, 2, s => steps.Add(s.Iteration), threads: 1);
        learner.Train(tasks, 1, s => steps.Add(s.Iteration), threads: 1);
        Assert.Equal([0L, 1L, 2L], steps);
        Assert.Equal(3, learner.Iterations);

        var before = learner.MetaParameters.ToArray();
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.Throws<OperationCanceledException>(() => learner.Train(tasks, 5, threads: 1, cancellation: cancel.Token));
        Assert.Equal(before, learner.MetaParameters);
        Assert.Equal(3, learner.Iterations);
        Assert.Throws<ArgumentOutOfRangeException>(() => learner.Train(tasks, 1, threads: 0));
    }

    [Fact]
    public void Adapt_rejects_support_data_of_the_wrong_shape_naming_the_set()
    {
        var learner = new SineMaml();
        var error = Assert.Throws<ArgumentException>(() => learner.Adapt([1f, 2f], [1f]));
        Assert.Contains("support", error.Message);
    }

    [Fact]
    public void Generated_networks_fuse_the_dense_passes_exactly_when_every_layer_is_dense()
    {
        Assert.True(SineNet.CreateNetwork().FusesDenseLayers);
        Assert.True(AnilSineNet.CreateNetwork().FusesDenseLayers);
        Assert.True(Classifiers.PointNet.CreateNetwork().FusesDenseLayers);
        Assert.True(LeakyNet.CreateNetwork().FusesDenseLayers);
        Assert.False(Conv4.CreateNetwork().FusesDenseLayers);
        Assert.False(TinyConvNet.CreateNetwork().FusesDenseLayers);
        Assert.False(GeometryConvNet.CreateNetwork().FusesDenseLayers);
    }

    [Fact]
    public void Conv4_constants_agree_with_the_runtime_layers()
    {
        // The runtime layers compute their own shapes and Sequential checks that they chain: a wrong inference throws here.
        var network = Conv4.CreateNetwork();
        Assert.Equal(Conv4.ParameterCount, network.ParameterCount);
        Assert.Equal(Conv4.OutputShape, network.OutputShape);
        Assert.Equal(112_261, Conv4.ParameterCount);
        Assert.Equal(Conv4.Layout.Conv4Offset, network.Segment("conv4").Offset);
        Assert.Equal(64, Conv4.Layout.FlattenOutputSize);
    }
}
