using System.Diagnostics;
using System.Globalization;
using MetaSpec.Datasets;
using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Optimizers;
using MetaSpec.Tasks;

namespace MetaSpec.Benchmarks;

/// <summary>The meta-learning workloads of issue 3: the ANIL specialisation's speed-up and the unrolled method's memory.</summary>
internal static class MetaBenchmarks
{
    /// <summary>
    /// Conv-4 of Finn et al. for 28×28 inputs: four [Conv 3×3 pad 1, BatchNorm, ReLU, MaxPool 2] blocks, then a linear head;
    /// <paramref name="strided"/> gives their Omniglot network instead: stride-2 convolutions and no pooling (28 → 14 → 7 → 4 → 2).
    /// </summary>
    public static Sequential<float> Conv4(int ways = 5, int filters = 64, int size = 28, bool strided = false)
    {
        var layers = new List<NamedLayer<float>>();
        var shape = Shape.Image(1, size, size);
        for (int b = 1; b <= 4; b++)
        {
            var conv = new Conv2dLayer<float>(shape, filters, 3, strided ? 2 : 1, 1);
            var norm = new BatchNorm2dLayer<float>(conv.OutputShape);
            var relu = new ReLULayer<float>(norm.OutputShape);
            layers.AddRange([new($"conv{b}", conv), new($"norm{b}", norm), new($"relu{b}", relu)]);
            shape = relu.OutputShape;
            if (strided) continue;
            var pool = new MaxPool2dLayer<float>(shape, 2, 2);
            layers.Add(new($"pool{b}", pool));
            shape = pool.OutputShape;
        }
        var flatten = new FlattenLayer<float>(shape);
        layers.Add(new("flatten", flatten));
        layers.Add(new("head", new DenseLayer<float>(flatten.OutputShape.Size, ways)));
        return new Sequential<float>(Shape.Image(1, size, size), [.. layers]);
    }

    /// <summary>Finn et al.'s sinusoid regressor: 1 → 40 → 40 → 1 with ReLU.</summary>
    public static Sequential<float> SineMlp() => new(Shape.Vector(1),
        new("hidden1", new DenseLayer<float>(1, 40)), new("relu1", new ReLULayer<float>(Shape.Vector(40))),
        new("hidden2", new DenseLayer<float>(40, 40)), new("relu2", new ReLULayer<float>(Shape.Vector(40))),
        new("head", new DenseLayer<float>(40, 1)));

    /// <summary>A start of this benchmark program with <paramref name="arguments"/> (under `dotnet` when run as a dll).</summary>
    public static ProcessStartInfo SelfStart(params string[] arguments)
    {
        string self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") start.ArgumentList.Add(typeof(MetaBenchmarks).Assembly.Location);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        return start;
    }

    /// <summary>5-way 1-shot episodes with 15 queries per class over random images (speed and memory do not depend on the pixels).</summary>
    public static ClassificationEpisodes<float> RandomEpisodes(int ways = 5, int shots = 1, int queries = 15, int size = 28)
    {
        const int classes = 20, perClass = 20;
        var random = new Random(1);
        var pixels = new float[classes * perClass * size * size];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
        var labels = new int[classes * perClass];
        for (int i = 0; i < labels.Length; i++) labels[i] = i / perClass;
        return new ClassificationEpisodes<float>(new LabeledImages(pixels, size, size, labels, classes), ways, shots, queries);
    }

    private static double SecondsPerIteration(MetaProblem<float> problem, ITaskDistribution<float> tasks, int batch, int threads, int iterations)
    {
        var meta = problem.CreateMetaParameters(problem.Network!.CreateParameters(1));
        using var trainer = new MetaTrainer<float>(problem, tasks, new Adam<float>(meta.Length), meta, new TrainerOptions { TaskBatch = batch, Threads = threads, Warnings = null });
        trainer.Train(2); // warm-up: JIT and caches
        double best = double.MaxValue;
        for (int trial = 0; trial < 3; trial++)
        {
            var clock = Stopwatch.StartNew();
            trainer.Train(iterations);
            best = Math.Min(best, clock.Elapsed.TotalSeconds / iterations);
        }
        return best;
    }

    /// <summary>ANIL with and without the head-only specialisation, side by side.</summary>
    public static int Anil(string[] args)
    {
        int threads = Environment.ProcessorCount;
        Console.WriteLine($"ANIL specialisation (Unrolled, head only), batch 4, {threads} threads, best of 3 trials");
        Console.WriteLine($"{"workload",-34} {"N",3} {"general ms/it",14} {"specialised",12} {"speed-up",9}");
        foreach (int steps in new[] { 1, 5 })
        {
            var conv4 = Conv4();
            Row($"Conv-4 5-way 1-shot, 15 queries", steps, conv4, SoftmaxCrossEntropy<float>.Instance, RandomEpisodes(), 4, 3);
            Row($"sinusoid MLP 1-40-40-1, K = 10", steps, SineMlp(), MeanSquaredError<float>.Instance, new SinusoidTasks<float>(10), 25, 200);
        }
        return 0;

        void Row(string name, int steps, Sequential<float> net, ILoss<float> loss, ITaskDistribution<float> tasks, int batch, int iterations)
        {
            var mask = new bool[net.ParameterCount];
            var head = net.Segment("head");
            mask.AsSpan(head.Offset, head.Length).Fill(true);
            var inner = new InnerLoop { Steps = steps, StepSize = 0.1 };
            var special = new MetaProblem<float>(net, loss, inner, Hypergradient.Unrolled, mask);
            var general = special.With(specializeHeadOnly: false);
            double g = SecondsPerIteration(general, tasks, batch, threads, iterations);
            double s = SecondsPerIteration(special, tasks, batch, threads, iterations);
            Console.WriteLine(FormattableString.Invariant($"{name,-34} {steps,3} {g * 1e3,14:F2} {s * 1e3,12:F2} {g / s,8:F1}×"));
        }
    }

    /// <summary>Peak working set of second-order MAML on Conv-4 for N = 1, 5, 10, each in a fresh process.</summary>
    public static int Memory(string[] args)
    {
        if (args.Length == 2 && args[0] == "--child") return MemoryChild(int.Parse(args[1], CultureInfo.InvariantCulture));
        Console.WriteLine("Second-order MAML on Conv-4, 5-way 1-shot, 15 queries, batch 4, 2 threads: peak working set of a fresh process");
        Console.WriteLine($"{"N",3} {"peak MiB",9} {"iterates N·|θ| MiB",19} {"s/it",6}");
        foreach (int steps in new[] { 1, 5, 10 })
        {
            using var child = Process.Start(SelfStart("memory", "--child", steps.ToString(CultureInfo.InvariantCulture)))!;
            string line = child.StandardOutput.ReadToEnd().TrimEnd();
            child.WaitForExit();
            Console.WriteLine(line);
        }
        return 0;
    }

    private static int MemoryChild(int steps)
    {
        var net = Conv4();
        var problem = MetaProblem<float>.ForNetwork(net, SoftmaxCrossEntropy<float>.Instance, new InnerLoop { Steps = steps, StepSize = 0.4 }, Hypergradient.Unrolled);
        double seconds = SecondsPerIteration(problem, RandomEpisodes(), 4, 2, 2);
        double peak = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024);
        // Each of the 2 workers keeps N + 1 iterates of θ.
        double iterates = 2.0 * (steps + 1) * net.ParameterCount * sizeof(float) / (1024.0 * 1024);
        Console.WriteLine(FormattableString.Invariant($"{steps,3} {peak,9:F0} {iterates,19:F1} {seconds,6:F2}"));
        return 0;
    }
}
