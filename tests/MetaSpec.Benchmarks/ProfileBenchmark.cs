using System.Diagnostics;
using System.Globalization;
using MetaSpec.Kernels;
using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Optimizers;

namespace MetaSpec.Benchmarks;

/// <summary>
/// Where a Conv-4 meta-iteration's time goes: every layer wrapped in a stopwatch (<see cref="TimedLayer{T}"/>), a real
/// training run on one thread, and the time per layer and kernel (forward, backward and their tangents) per iteration;
/// what no layer accounts for is the loss and the engine's vector arithmetic. Times are the thread's CPU time where the
/// system offers it (Linux), so that other processes' load inflates them far less than wall-clock time would. Then the
/// convolution's parts (im2col, the GEMMs, col2im) timed alone at the shapes this workload gives them, with the GEMMs' GFLOP/s.
/// </summary>
internal static class ProfileBenchmark
{
    public static int Run(string[] args)
    {
        int batch = 4, queries = 15, steps = 1, iterations = 6;
        bool strided = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--batch" when i + 1 < args.Length: batch = Parse(args[++i]); break;
                case "--queries" when i + 1 < args.Length: queries = Parse(args[++i]); break;
                case "--steps" when i + 1 < args.Length: steps = Parse(args[++i]); break;
                case "--iterations" when i + 1 < args.Length: iterations = Parse(args[++i]); break;
                case "--strided": strided = true; break;
                default:
                    Console.Error.WriteLine($"profile: unknown option '{args[i]}' (options: --batch 4 --queries 15 --steps 1 --iterations 6 --strided)");
                    return 2;
            }
        }
        Console.WriteLine($"Conv-4{(strided ? " (stride 2, no pooling)" : "")} second-order MAML, 5-way 1-shot, {queries} queries per class, batch {batch}, N = {steps}, 1 thread");
        Console.WriteLine($"load average: {MamlBenchmark.LoadAverage()}");

        var plain = MetaBenchmarks.Conv4(strided: strided);
        var timed = plain.Layers.Select(l => new TimedLayer<float>(l.Name, l.Layer)).ToArray();
        var network = new Sequential<float>(plain.InputShape, [.. timed.Select(t => new NamedLayer<float>(t.Name, t))]);
        var problem = MetaProblem<float>.ForNetwork(network, SoftmaxCrossEntropy<float>.Instance, new InnerLoop { Steps = steps, StepSize = 0.4 }, Hypergradient.Unrolled);
        var meta = problem.CreateMetaParameters(network.CreateParameters(0));
        using var trainer = new MetaTrainer<float>(problem, MetaBenchmarks.RandomEpisodes(queries: queries), new Adam<float>(meta.Length), meta,
            new TrainerOptions { TaskBatch = batch, Threads = 1 });
        trainer.Train(2); // JIT and buffers
        Timing.WarmUp(() => trainer.Step(), 0.5);
        foreach (var t in timed) t.Reset();
        double start = ThreadClock.Seconds();
        trainer.Train(iterations);
        double total = (ThreadClock.Seconds() - start) * 1e3 / iterations;

        Console.WriteLine();
        Console.WriteLine($"ms per iteration ({ThreadClock.Kind}): {total:F1}");
        Console.WriteLine($"| layer | forward | backward | fwd tangent | bwd tangent | all | share |");
        Console.WriteLine($"| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        double inLayers = 0;
        var byKind = new Dictionary<string, double>();
        foreach (var t in timed)
        {
            var ms = t.Milliseconds.Select(v => v / iterations).ToArray();
            double all = ms.Sum();
            inLayers += all;
            string kind = t.Layer.GetType().Name.Split('`')[0];
            byKind[kind] = byKind.GetValueOrDefault(kind) + all;
            Console.WriteLine(FormattableString.Invariant($"| {t.Name} | {ms[0]:F2} | {ms[1]:F2} | {ms[2]:F2} | {ms[3]:F2} | {all:F2} | {all / total:P0} |"));
        }
        Console.WriteLine(FormattableString.Invariant($"| outside the layers (loss, engine, optimiser) | | | | | {total - inLayers:F2} | {(total - inLayers) / total:P0} |"));
        Console.WriteLine();
        Console.WriteLine("by layer kind: " + string.Join(", ", byKind.OrderByDescending(k => k.Value).Select(k => FormattableString.Invariant($"{k.Key} {k.Value / total:P0}"))));

        Console.WriteLine();
        Console.WriteLine($"Convolution parts alone ({ThreadClock.Kind}), per product as Conv2d groups the images of a batch (support: 5 images, query: {5 * queries}):");
        Console.WriteLine("| layer | batch | images per product | im2col µs | W·X GEMM µs (GFLOP/s) | dY·Xᵀ GEMM µs (GFLOP/s) | Wᵀ·dY GEMM µs (GFLOP/s) | col2im µs |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var layer in plain.Layers.Where(l => l.Layer is Conv2dLayer<float>))
        {
            var conv = (Conv2dLayer<float>)layer.Layer;
            foreach (int images in new[] { 5, 5 * queries }.Distinct())
                ConvParts(layer.Name, conv, images);
        }
        return 0;
    }

    /// <summary>
    /// Times the parts Conv2d runs for one product over a batch of <paramref name="batch"/> images: the group of images it
    /// unfolds side by side (up to <see cref="Conv2d{T}.DefaultColumnsPerProduct"/> columns), im2col through the same
    /// routine (plane copies for stride 1, the padded gather otherwise), the three GEMMs and col2im.
    /// </summary>
    private static void ConvParts(string name, Conv2dLayer<float> conv, int batch)
    {
        var input = conv.InputShape;
        var geometry = new ConvolutionGeometry(input.Channels, input.Height, input.Width, conv.KernelSize, conv.Stride, conv.Padding);
        int filters = conv.OutputShape.Channels, patch = geometry.PatchSize, positions = geometry.OutputPositions;
        int images = Math.Clamp((Conv2dLayer<float>.DefaultColumnsPerProduct + positions - 1) / positions, 1, batch), width = images * positions;
        bool padded = conv.Stride != 1 || geometry.OutputWidth != input.Width || positions < Conv2dLayer<float>.SmallPlane;
        var offsets = PaddedIm2Col.WindowOffsets(geometry);
        var random = new Random(3);
        float[] x = Fill(new float[images * input.Size], random), w = Fill(new float[filters * patch], random);
        float[] columns = new float[patch * width], product = Fill(new float[filters * width], random), dw = new float[filters * patch];
        float[] pad = new float[PaddedIm2Col.PaddedSize(geometry)];
        void Unfold()
        {
            for (int b = 0; b < images; b++)
                if (padded) PaddedIm2Col.Unfold(geometry, offsets, x.AsSpan(b * input.Size, input.Size), pad, columns.AsSpan(b * positions), width);
                else Im2Col.Unfold(geometry, x.AsSpan(b * input.Size, input.Size), columns.AsSpan(b * positions), width);
        }
        void Fold()
        {
            for (int b = 0; b < images; b++)
                if (padded) PaddedIm2Col.Fold(geometry, offsets, columns.AsSpan(b * positions), width, pad, x.AsSpan(b * input.Size, input.Size));
                else Im2Col.Fold(geometry, columns.AsSpan(b * positions), width, x.AsSpan(b * input.Size, input.Size));
        }
        double flop = 2.0 * filters * patch * width;
        double unfold = Time(Unfold);
        double forward = Time(() => Gemm.Multiply(false, false, filters, width, patch, w, patch, columns, width, product, width));
        double weight = Time(() => Gemm.Multiply(false, true, filters, patch, width, product, width, columns, width, dw, patch));
        double data = Time(() => Gemm.Multiply(true, false, patch, width, filters, w, patch, product, width, columns, width));
        double fold = Time(Fold);
        Console.WriteLine(FormattableString.Invariant(
            $"| {name} | {batch} | {images} | {unfold * 1e6:F0} | {forward * 1e6:F0} ({flop / forward / 1e9:F0}) | {weight * 1e6:F0} ({flop / weight / 1e9:F0}) | {data * 1e6:F0} ({flop / data / 1e9:F0}) | {fold * 1e6:F0} |"));
    }

    /// <summary>Seconds per call on the thread clock: the best of 15 calls after a warm-up.</summary>
    private static double Time(Action action)
    {
        Timing.WarmUp(action, 0.1);
        double best = double.MaxValue;
        for (int i = 0; i < 15; i++)
        {
            double start = ThreadClock.Seconds();
            action();
            best = Math.Min(best, ThreadClock.Seconds() - start);
        }
        return best;
    }

    private static float[] Fill(float[] values, Random random)
    {
        for (int i = 0; i < values.Length; i++) values[i] = random.NextSingle() - 0.5f;
        return values;
    }

    private static int Parse(string s) => int.Parse(s, CultureInfo.InvariantCulture);
}

/// <summary>The calling thread's CPU time (Linux: CLOCK_THREAD_CPUTIME_ID), or wall-clock time elsewhere.</summary>
internal static class ThreadClock
{
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private const int ThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID

    private static readonly bool Available = OperatingSystem.IsLinux() && Probe();

    /// <summary>What <see cref="Seconds"/> measures.</summary>
    public static string Kind => Available ? "thread CPU time" : "wall clock";

    public static double Seconds()
    {
        if (Available && ClockGetTime(ThreadCpuTime, out var t) == 0) return t.Seconds + t.Nanoseconds * 1e-9;
        return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
    }

    private static bool Probe()
    {
        try
        {
            return ClockGetTime(ThreadCpuTime, out _) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}

/// <summary>A layer that forwards every call to <see cref="Layer"/> and adds up the time each of its four kernels takes.</summary>
internal sealed class TimedLayer<T>(string name, ILayer<T> layer) : ILayer<T> where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    private readonly double[] _seconds = new double[4];

    public string Name { get; } = name;

    public ILayer<T> Layer { get; } = layer;

    /// <summary>Milliseconds in Forward, Backward, ForwardTangent and BackwardTangent since the last <see cref="Reset"/>.</summary>
    public double[] Milliseconds => _seconds.Select(t => t * 1000.0).ToArray();

    public void Reset() => Array.Clear(_seconds);

    public Shape InputShape => Layer.InputShape;
    public Shape OutputShape => Layer.OutputShape;
    public int ParameterCount => Layer.ParameterCount;
    public IReadOnlyList<ParameterTensor> ParameterTensors => Layer.ParameterTensors;
    public int StateLength(int batch) => Layer.StateLength(batch);
    public int TangentStateLength(int batch) => Layer.TangentStateLength(batch);
    public int ScratchLength(int batch) => Layer.ScratchLength(batch);
    public void Initialize(Span<T> parameters, Random random) => Layer.Initialize(parameters, random);

    public void Forward(in ForwardPass<T> pass)
    {
        double start = ThreadClock.Seconds();
        Layer.Forward(pass);
        _seconds[0] += ThreadClock.Seconds() - start;
    }

    public void Backward(in BackwardPass<T> pass)
    {
        double start = ThreadClock.Seconds();
        Layer.Backward(pass);
        _seconds[1] += ThreadClock.Seconds() - start;
    }

    public void ForwardTangent(in ForwardTangentPass<T> pass)
    {
        double start = ThreadClock.Seconds();
        Layer.ForwardTangent(pass);
        _seconds[2] += ThreadClock.Seconds() - start;
    }

    public void BackwardTangent(in BackwardTangentPass<T> pass)
    {
        double start = ThreadClock.Seconds();
        Layer.BackwardTangent(pass);
        _seconds[3] += ThreadClock.Seconds() - start;
    }
}
