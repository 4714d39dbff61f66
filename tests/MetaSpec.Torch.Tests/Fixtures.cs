using MetaSpec.Engine;
using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Tasks;

namespace MetaSpec.Torch.Tests;

/// <summary>The networks, tasks and comparisons the backend's tests share.</summary>
internal static class Fixtures
{
    /// <summary>The sinusoid MLP of Finn et al.: 1 → 40 → 40 → 1 with ReLU.</summary>
    public static Sequential<T> SineMlp<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => new(Shape.Vector(1),
        new("hidden1", new DenseLayer<T>(1, 40)), new("relu1", new ReLULayer<T>(Shape.Vector(40))),
        new("hidden2", new DenseLayer<T>(40, 40)), new("relu2", new ReLULayer<T>(Shape.Vector(40))),
        new("head", new DenseLayer<T>(40, 1)));

    /// <summary>A small Conv-BN net: 1×8×8 → Conv(4, 3, pad 1) → BN → ReLU → MaxPool(2) → Flatten → Dense(3).</summary>
    public static Sequential<double> ConvBn()
    {
        var input = Shape.Image(1, 8, 8);
        var conv = new Conv2dLayer<double>(input, 4, 3, 1, 1);
        var norm = new BatchNorm2dLayer<double>(conv.OutputShape);
        var relu = new ReLULayer<double>(norm.OutputShape);
        var pool = new MaxPool2dLayer<double>(relu.OutputShape, 2);
        var flat = new FlattenLayer<double>(pool.OutputShape);
        return new(input, new("conv", conv), new("norm", norm), new("relu", relu), new("pool", pool), new("flatten", flat),
            new("head", new DenseLayer<double>(flat.OutputShape.Size, 3)));
    }

    /// <summary>A net with every other layer kind: strided, padded convolution, LeakyReLU, Tanh, Sigmoid, a bias-free Dense.</summary>
    public static Sequential<double> Mixed()
    {
        var input = Shape.Image(2, 7, 7);
        var conv = new Conv2dLayer<double>(input, 3, 3, 2, 1);
        var leaky = new LeakyReLULayer<double>(conv.OutputShape, 0.1);
        var norm = new BatchNorm2dLayer<double>(conv.OutputShape, 1e-3);
        var pool = new MaxPool2dLayer<double>(norm.OutputShape, 2, 1);
        var flat = new FlattenLayer<double>(pool.OutputShape);
        return new(input, new("conv", conv), new("leaky", leaky), new("norm", norm), new("pool", pool), new("flatten", flat),
            new("hidden", new DenseLayer<double>(flat.OutputShape.Size, 5, bias: false)), new("tanh", new TanhLayer<double>(Shape.Vector(5))),
            new("head", new DenseLayer<double>(5, 4)), new("sigmoid", new SigmoidLayer<double>(Shape.Vector(4))));
    }

    /// <summary><paramref name="count"/> sinusoid tasks (K = 10 support, 10 query) drawn from <paramref name="seed"/>.</summary>
    public static TaskData<double>[] SineTasks(int count, int seed)
    {
        var tasks = new SinusoidTasks<double>(10);
        var random = new SeededRandom((ulong)seed);
        return [.. Enumerable.Range(0, count).Select(_ => { var t = tasks.CreateTaskData(); tasks.Sample(random, t); return t; })];
    }

    /// <summary>Random image tasks with class labels: <paramref name="support"/> and <paramref name="query"/> samples.</summary>
    public static TaskData<double>[] ImageTasks(Shape input, int classes, int count, int seed, int support = 6, int query = 9)
    {
        var random = new Random(seed);
        var tasks = new TaskData<double>[count];
        for (int t = 0; t < count; t++)
        {
            var task = new TaskData<double>(input.Size, 1, support, query);
            for (int i = 0; i < task.SupportInputs.Length; i++) task.SupportInputs[i] = random.NextDouble() * 2 - 1;
            for (int i = 0; i < task.QueryInputs.Length; i++) task.QueryInputs[i] = random.NextDouble() * 2 - 1;
            for (int i = 0; i < support; i++) task.SupportTargets[i] = i % classes;
            for (int i = 0; i < query; i++) task.QueryTargets[i] = random.Next(classes);
            tasks[t] = task;
        }
        return tasks;
    }

    /// <summary>The managed engine's meta-gradient of the batch: the mean of its per-task <c>MetaGradient</c>s, and the mean query loss.</summary>
    public static (double[] Gradient, double Loss) ManagedMetaGradient(MetaProblem<double> problem, double[] meta, IReadOnlyList<TaskData<double>> tasks)
    {
        var worker = problem.CreateWorker(tasks.Max(t => t.SupportCount), tasks.Max(t => t.QueryCount));
        var sum = new double[problem.MetaParameterCount];
        var one = new double[problem.MetaParameterCount];
        double loss = 0;
        foreach (var task in tasks)
        {
            loss += worker.MetaGradient(meta, task, one);
            for (int i = 0; i < sum.Length; i++) sum[i] += one[i];
        }
        for (int i = 0; i < sum.Length; i++) sum[i] /= tasks.Count;
        return (sum, loss / tasks.Count);
    }

    /// <summary>‖actual − expected‖∞ / ‖expected‖∞.</summary>
    public static double RelativeDifference(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0, worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.False(double.IsNaN(actual[i]), $"value {i} is NaN");
            scale = Math.Max(scale, Math.Abs(expected[i]));
            worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]));
        }
        Assert.True(scale > 0, "the expected vector is zero: the comparison would prove nothing");
        return worst / scale;
    }

    /// <summary>
    /// The CPU with one libtorch thread: the tests check numbers, and on a shared two-core machine libgomp's spinning
    /// workers made a two-thread sinusoid step 60× slower than a one-thread one (measured, load ≈ 24).
    /// </summary>
    public static TorchOptions Cpu { get; } = new() { Device = "cpu", Threads = 1 };

    /// <summary>Loads libtorch for tests that use it directly, with one thread (see <see cref="Cpu"/>).</summary>
    public static void LoadTorch()
    {
        TorchRuntime.EnsureLoaded();
        TorchSharp.torch.set_num_threads(1);
    }

    public static TorchOuterSettings Adam(int batch = 4) => new() { Optimizer = TorchOptimizerKind.Adam, LearningRate = 1e-3, TaskBatch = batch };

    /// <summary>A torch learner for a managed problem starting at <paramref name="meta"/>, on the CPU.</summary>
    public static TorchLearner<double> TorchFor(MetaProblem<double> problem, double[] meta, TorchOuterSettings? outer = null,
        TorchConvolution convolution = TorchConvolution.Auto) =>
        new(ManagedBridge.ToTorchModel(problem.Network!), ManagedBridge.ToTorchSettings(problem),
            outer ?? Adam(), meta, options: Cpu with { Convolution = convolution });
}
