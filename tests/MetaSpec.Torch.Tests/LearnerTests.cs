using MetaSpec.Datasets;
using MetaSpec.IO;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Optimizers;
using MetaSpec.Tasks;
using static MetaSpec.Torch.Tests.Fixtures;

namespace MetaSpec.Torch.Tests;

/// <summary>Training, evaluation, adaptation and checkpoints of the torch learner against the managed learner.</summary>
public class LearnerTests
{
    private static MetaProblem<double> SineMaml(int steps = 2, params string[] adapted) =>
        MetaProblem<double>.ForNetwork(SineMlp<double>(), MeanSquaredError<double>.Instance, new InnerLoop { Steps = steps, StepSize = 0.01 }, Hypergradient.Unrolled, adapted);

    private static NetworkLearner<double> Managed(MetaProblem<double> problem, IOptimizer<double> optimizer, int batch, int seed, double clip = 0) =>
        new(problem, optimizer,
            new TrainerOptions { TaskBatch = batch, ClipGradientNorm = clip, SmoothnessIterations = 0 }, seed);

    public static TheoryData<string> Optimizers => ["adam", "sgd-momentum-clipped"];

    /// <summary>Same seed, same tasks, same optimiser semantics: both backends reach the same parameters.</summary>
    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Training_follows_the_managed_learner(string optimizer)
    {
        var problem = SineMaml();
        bool adam = optimizer == "adam";
        int p = problem.MetaParameterCount;
        var outer = adam
            ? new TorchOuterSettings { Optimizer = TorchOptimizerKind.Adam, LearningRate = 1e-3, TaskBatch = 5 }
            : new TorchOuterSettings { Optimizer = TorchOptimizerKind.Sgd, LearningRate = 0.05, Momentum = 0.9, TaskBatch = 5, ClipGradientNorm = 0.5 };
        var managed = Managed(problem, adam ? new Adam<double>(p, 1e-3) : new Sgd<double>(p, 0.05, 0.9), 5, seed: 21, clip: outer.ClipGradientNorm);
        using var torch = ManagedBridge.CreateLearner(problem, outer, seed: 21, Cpu);
        Assert.Equal(managed.MetaParameters, torch.MetaParameters); // the same initialisation from the seed
        var lossesManaged = new List<double>();
        var lossesTorch = new List<double>();
        // Two calls each: the second continues the optimiser and draws from the seed mixed with the iteration count.
        managed.Train(new SinusoidTasks<double>(10), 4, s => lossesManaged.Add(s.MetaLoss), threads: 1);
        managed.Train(new SinusoidTasks<double>(10), 3, s => lossesManaged.Add(s.MetaLoss), threads: 1);
        torch.Train(new SinusoidTasks<double>(10), 4, s => lossesTorch.Add(s.MetaLoss));
        torch.Train(new SinusoidTasks<double>(10), 3, s => lossesTorch.Add(s.MetaLoss));
        Assert.Equal(7, torch.Iterations);
        Assert.Equal(lossesManaged.Count, lossesTorch.Count);
        for (int i = 0; i < lossesManaged.Count; i++) Assert.Equal(lossesManaged[i], lossesTorch[i], 1e-12);
        double relative = RelativeDifference(managed.MetaParameters, torch.MetaParameters);
        Assert.True(relative <= 1e-12, $"parameters after training differ by {relative:E2} relative");
        Assert.NotEqual(problem.CreateMetaParameters(problem.Network!.CreateParameters(21)), torch.MetaParameters);
    }

    [Fact]
    public void Evaluation_equals_the_managed_evaluator()
    {
        var network = ConvBn();
        var problem = MetaProblem<double>.ForNetwork(network, SoftmaxCrossEntropy<double>.Instance, new InnerLoop { Steps = 2, StepSize = 0.3 }, Hypergradient.FirstOrder);
        var meta = problem.CreateMetaParameters(network.CreateParameters(2));
        var tasks = new ClassificationEpisodes<double>(RandomImages(), 3, 2, 3);
        var expected = MetaEvaluator.Evaluate(problem, meta, tasks, taskCount: 7, seed: 4, steps: 3);
        using var torch = TorchFor(problem, meta);
        var actual = new TorchLearner<double>(torch.Model, torch.Settings, torch.Outer, meta, options: Cpu with { EvaluationBatch = 3 })
            .Evaluate(tasks, taskCount: 7, steps: 3, seed: 4);
        Assert.Equal(4, actual.Loss.Length);
        Assert.Equal(4, actual.Accuracy.Length);
        for (int j = 0; j <= 3; j++)
        {
            Assert.Equal(expected.Loss[j].Mean, actual.Loss[j].Mean, 1e-12);
            Assert.Equal(expected.Loss[j].HalfWidth95, actual.Loss[j].HalfWidth95, 1e-12);
            Assert.Equal(expected.Accuracy[j].Mean, actual.Accuracy[j].Mean, 1e-12);
            Assert.Equal(7, actual.Loss[j].Count);
        }
        Assert.NotEqual(actual.Loss[0].Mean, actual.Loss[3].Mean); // the steps were taken
    }

    [Fact]
    public void Adapt_and_predict_equal_the_managed_learner()
    {
        var problem = SineMaml(3, "head");
        var managed = Managed(problem, new Adam<double>(problem.MetaParameterCount), 4, seed: 8);
        using var torch = ManagedBridge.CreateLearner(problem, Adam(), seed: 8, Cpu);
        var task = SineTasks(1, 3)[0];
        var adaptedManaged = managed.Adapt(task.SupportInputs, task.SupportTargets, steps: 4);
        var adapted = torch.Adapt(task.SupportInputs, task.SupportTargets, steps: 4);
        var expected = adaptedManaged.Predict(task.QueryInputs);
        var actual = torch.Predict(adapted, task.QueryInputs);
        double relative = RelativeDifference(expected, actual);
        Assert.True(relative <= 1e-12, $"predictions differ by {relative:E2}");
        Assert.NotEqual(torch.Predict(torch.MetaParameters, task.QueryInputs), actual); // adaptation did something
    }

    public static TheoryData<bool> StepSizes => [false, true];

    /// <summary>Train on one backend, save, load on the other, train on: both directions, with and without Meta-SGD's step sizes.</summary>
    [Theory]
    [MemberData(nameof(StepSizes))]
    public void Checkpoints_load_on_the_other_backend(bool learnStepSizes)
    {
        var problem = MetaProblem<double>.ForNetwork(SineMlp<double>(), MeanSquaredError<double>.Instance,
            new InnerLoop { Steps = 1, StepSize = 0.02, LearnStepSizes = learnStepSizes }, Hypergradient.Unrolled);
        string folder = Directory.CreateTempSubdirectory("metaspec-torch-").FullName;
        try
        {
            // managed → torch
            var managed = Managed(problem, new Adam<double>(problem.MetaParameterCount), 3, seed: 1);
            managed.Train(new SinusoidTasks<double>(10), 3, threads: 1);
            string fromManaged = Path.Combine(folder, "managed.safetensors");
            managed.Save(fromManaged);
            using var torch = ManagedBridge.CreateLearner(problem, Adam(3), seed: 99, Cpu);
            Assert.NotEqual(managed.MetaParameters, torch.MetaParameters);
            torch.Load(fromManaged);
            Assert.Equal(managed.MetaParameters, torch.MetaParameters);

            // torch → managed
            torch.Train(new SinusoidTasks<double>(10), 2);
            string fromTorch = Path.Combine(folder, "torch.safetensors");
            torch.Save(fromTorch, "SineMaml");
            var other = Managed(problem, new Adam<double>(problem.MetaParameterCount), 3, seed: 5);
            other.Load(fromTorch);
            Assert.Equal(torch.MetaParameters, other.MetaParameters);
            var content = SafeTensors.Load(fromTorch);
            Assert.Equal(Checkpoint.Format, content.Metadata["format"]);
            Assert.Equal("torch", content.Metadata["backend"]);
            Assert.Equal(learnStepSizes ? 12 : 6, content.Tensors.Count);
            Assert.All(content.Tensors, t => Assert.Equal("F64", t.DType));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Loading_a_checkpoint_of_another_network_names_the_tensor()
    {
        string folder = Directory.CreateTempSubdirectory("metaspec-torch-").FullName;
        try
        {
            var conv = MetaProblem<double>.ForNetwork(ConvBn(), SoftmaxCrossEntropy<double>.Instance, new InnerLoop(), Hypergradient.FirstOrder);
            using var convLearner = ManagedBridge.CreateLearner(conv, Adam(), seed: 1, Cpu);
            string path = Path.Combine(folder, "conv.safetensors");
            convLearner.Save(path);
            using var sine = ManagedBridge.CreateLearner(SineMaml(), Adam(), seed: 1, Cpu);
            var before = sine.MetaParameters;
            var e = Assert.Throws<InvalidDataException>(() => sine.Load(path));
            Assert.Contains("has no tensor 'hidden1.weight'", e.Message);
            Assert.Equal(before, sine.MetaParameters); // nothing changed
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Float32_meta_gradient_is_close_to_float64_and_training_lowers_the_loss()
    {
        var problem32 = MetaProblem<float>.ForNetwork(SineMlp<float>(), MeanSquaredError<float>.Instance, new InnerLoop { Steps = 5, StepSize = 0.01 }, Hypergradient.Unrolled);
        var problem64 = SineMaml(5);
        var tasks64 = SineTasks(4, 2);
        var tasks32 = tasks64.Select(t =>
        {
            var c = new TaskData<float>(1, 1, t.SupportCount, t.QueryCount);
            for (int i = 0; i < t.SupportCount; i++) (c.SupportInputs[i], c.SupportTargets[i]) = ((float)t.SupportInputs[i], (float)t.SupportTargets[i]);
            for (int i = 0; i < t.QueryCount; i++) (c.QueryInputs[i], c.QueryTargets[i]) = ((float)t.QueryInputs[i], (float)t.QueryTargets[i]);
            return c;
        }).ToArray();
        using var learner32 = ManagedBridge.CreateLearner(problem32, new TorchOuterSettings { LearningRate = 0.01, TaskBatch = 8 }, seed: 3, Cpu);
        using var learner64 = ManagedBridge.CreateLearner(problem64, Adam(), seed: 3, Cpu);
        Assert.Equal(TorchSharp.torch.ScalarType.Float32, learner32.DType);
        var g32 = new float[learner32.MetaParameterCount];
        var g64 = new double[learner64.MetaParameterCount];
        learner32.MetaGradient(tasks32, g32);
        learner64.MetaGradient(tasks64, g64);
        double relative = RelativeDifference(g64, Array.ConvertAll(g32, v => (double)v));
        Assert.True(relative <= 1e-4, $"float32 differs from float64 by {relative:E2}");

        var sine = new SinusoidTasks<float>(10);
        double before = learner32.Evaluate(sine, 100, steps: 1, seed: 7).Loss[1].Mean;
        learner32.Train(sine, 150);
        double after = learner32.Evaluate(sine, 100, steps: 1, seed: 7).Loss[1].Mean;
        Assert.True(after < 0.8 * before, $"150 iterations should lower the post-adaptation loss: {before:F3} → {after:F3}");
    }

    private static LabeledImages RandomImages()
    {
        const int classes = 6, perClass = 5, size = 8;
        var random = new Random(3);
        var pixels = new float[classes * perClass * size * size];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
        var labels = new int[classes * perClass];
        for (int i = 0; i < labels.Length; i++) labels[i] = i / perClass;
        return new LabeledImages(pixels, size, size, labels, classes);
    }
}
