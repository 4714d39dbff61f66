using System.Diagnostics;
using MetaSpec.Engine;
using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Tasks;
using Xunit.Abstractions;

namespace MetaSpec.Generators.Tests.Measurements;

/// <summary>
/// The measurement behind emitting a <c>Sequential&lt;float&gt;</c> rather than a straight-line evaluator:
/// below is the straight-line evaluator the generator would emit for the sinusoid MLP (sealed layer fields
/// called directly, offsets and sizes as constants, no per-layer interface call), compared with the runtime
/// network on the calls the inner loop makes (gradient and Hessian-vector product, batch of 10).
/// </summary>
/// <remarks>
/// Both paths must agree bit for bit (always tested). Timings are printed when METASPEC_MEASURE=1; see
/// docs/dsl.md ("Why the generated model is a Sequential") for the numbers and the decision.
/// </remarks>
public sealed class StraightLineMeasurement(ITestOutputHelper output)
{
    private const int Batch = 10, Hidden = 40;

    [Fact]
    public void Straight_line_evaluator_equals_the_network_and_is_timed_on_request()
    {
        var network = new Sequential<float>(Shape.Vector(1),
            new("hidden1", new DenseLayer<float>(1, Hidden)), new("hidden1_relu", new ReLULayer<float>(Shape.Vector(Hidden))),
            new("hidden2", new DenseLayer<float>(Hidden, Hidden)), new("hidden2_relu", new ReLULayer<float>(Shape.Vector(Hidden))),
            new("head", new DenseLayer<float>(Hidden, 1)));
        var sequential = new MetaProblem<float>(network, MeanSquaredError<float>.Instance, new InnerLoop(), Hypergradient.FirstOrder).Objective.CreateEvaluator(Batch);
        var straight = new StraightLineSineEvaluator();
        var random = new Random(4);
        float[] theta = network.CreateParameters(1), v = new float[theta.Length], x = new float[Batch], t = new float[Batch];
        for (int i = 0; i < v.Length; i++) v[i] = (float)random.NextDouble() - 0.5f;
        for (int i = 0; i < Batch; i++) (x[i], t[i]) = ((float)(10 * random.NextDouble() - 5), (float)random.NextDouble());
        float[] g1 = new float[theta.Length], g2 = new float[theta.Length], h1 = new float[theta.Length], h2 = new float[theta.Length];

        Assert.Equal(sequential.Gradient(theta, x, t, g1), straight.Gradient(theta, x, t, g2));
        Assert.Equal(g1, g2);
        Assert.Equal(sequential.HessianVectorProduct(theta, v, x, t, g1, h1), straight.HessianVectorProduct(theta, v, x, t, g2, h2));
        Assert.Equal(g1, g2);
        Assert.Equal(h1, h2);

        if (Environment.GetEnvironmentVariable("METASPEC_MEASURE") != "1") return;
        var (seqGradient, lineGradient) = Time(() => sequential.Gradient(theta, x, t, g1), () => straight.Gradient(theta, x, t, g1));
        var (seqHvp, lineHvp) = Time(() => sequential.HessianVectorProduct(theta, v, x, t, g1, h1), () => straight.HessianVectorProduct(theta, v, x, t, g1, h1));
        output.WriteLine($"Sequential     gradient {seqGradient,7:F0} ns   Hessian-vector product {seqHvp,7:F0} ns");
        output.WriteLine($"straight-line  gradient {lineGradient,7:F0} ns   Hessian-vector product {lineHvp,7:F0} ns");

        // What a straight-line evaluator would give up: ANIL's head-only specialisation, which needs the network behind the problem.
        var anil = Specs.SineAnil.CreateProblem(Specs.AnilSineNet.CreateNetwork());
        var general = anil.With(specializeHeadOnly: false);
        var tasks = new Support.SineTasks(10);
        var task = tasks.CreateTaskData();
        tasks.Sample(new Random(2), task);
        var meta = anil.CreateMetaParameters(Specs.AnilSineNet.CreateNetwork().CreateParameters(3));
        var grad = new float[meta.Length];
        var anilGradient = MetaSpec.EngineAccess.EngineAccess.MetaGradient(anil, meta, task, grad);
        var generalGradient = MetaSpec.EngineAccess.EngineAccess.MetaGradient(general, meta, task, grad);
        var (specialised, unspecialised) = Time(() => anilGradient(), () => generalGradient());
        output.WriteLine($"ANIL meta-gradient per task (N = 3): head-only specialisation {specialised,7:F0} ns, general recursion {unspecialised,7:F0} ns");
    }

    /// <summary>
    /// Nanoseconds per call of two paths: blocks of 20 000 calls alternate between them so both see the same
    /// machine load, and the best of 15 blocks each filters other processes' noise.
    /// </summary>
    private static (double First, double Second) Time(Action first, Action second)
    {
        const int Calls = 20_000;
        for (int i = 0; i < Calls; i++) { first(); second(); }
        double a = double.MaxValue, b = double.MaxValue;
        for (int block = 0; block < 15; block++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < Calls; i++) first();
            a = Math.Min(a, clock.Elapsed.TotalNanoseconds / Calls);
            clock.Restart();
            for (int i = 0; i < Calls; i++) second();
            b = Math.Min(b, clock.Elapsed.TotalNanoseconds / Calls);
        }
        return (a, b);
    }

    /// <summary>What straight-line emission looks like for 1 → 40 → 40 → 1 with ReLU: every call direct, every size constant.</summary>
    private sealed class StraightLineSineEvaluator : IObjectiveEvaluator<float>
    {
        private const int Offset1 = 0, Length1 = 80, Offset2 = 80, Length2 = 1640, Offset3 = 1720, Length3 = 41;
        private readonly DenseLayer<float> _hidden1 = new(1, Hidden), _hidden2 = new(Hidden, Hidden), _head = new(Hidden, 1);
        private readonly ReLULayer<float> _relu1 = new(Shape.Vector(Hidden)), _relu2 = new(Shape.Vector(Hidden));
        private readonly MeanSquaredError<float> _loss = MeanSquaredError<float>.Instance;
        private readonly float[] _y1 = new float[Batch * Hidden], _z1 = new float[Batch * Hidden], _y2 = new float[Batch * Hidden], _z2 = new float[Batch * Hidden], _y3 = new float[Batch];
        private readonly float[] _dy1 = new float[Batch * Hidden], _dz1 = new float[Batch * Hidden], _dy2 = new float[Batch * Hidden], _dz2 = new float[Batch * Hidden], _dy3 = new float[Batch];
        private readonly float[] _gy1 = new float[Batch * Hidden], _gz1 = new float[Batch * Hidden], _gy2 = new float[Batch * Hidden], _gz2 = new float[Batch * Hidden], _gy3 = new float[Batch];
        private readonly float[] _gdy1 = new float[Batch * Hidden], _gdz1 = new float[Batch * Hidden], _gdy2 = new float[Batch * Hidden], _gdz2 = new float[Batch * Hidden], _gdy3 = new float[Batch];

        public float Loss(ReadOnlySpan<float> p, ReadOnlySpan<float> x, ReadOnlySpan<float> t)
        {
            int b = x.Length;
            Forward(b, p, x);
            return _loss.Value(b, 1, _y3.AsSpan(0, b), t);
        }

        public float Gradient(ReadOnlySpan<float> p, ReadOnlySpan<float> x, ReadOnlySpan<float> t, Span<float> g)
        {
            int b = x.Length, h = b * Hidden;
            Forward(b, p, x);
            float value = _loss.Forward(b, 1, _y3.AsSpan(0, b), t, _gy3.AsSpan(0, b));
            Backward(b, h, p, x, g);
            return value;
        }

        public float HessianVectorProduct(ReadOnlySpan<float> p, ReadOnlySpan<float> v, ReadOnlySpan<float> x, ReadOnlySpan<float> t, Span<float> g, Span<float> hv)
        {
            int b = x.Length, h = b * Hidden;
            Forward(b, p, x);
            _hidden1.ForwardTangent(new ForwardTangentPass<float> { Batch = b, Parameters = p.Slice(Offset1, Length1), ParameterTangent = v.Slice(Offset1, Length1), Input = x, Output = _y1.AsSpan(0, h), OutputTangent = _dy1.AsSpan(0, h) });
            _relu1.ForwardTangent(new ForwardTangentPass<float> { Batch = b, Input = _y1.AsSpan(0, h), InputTangent = _dy1.AsSpan(0, h), Output = _z1.AsSpan(0, h), OutputTangent = _dz1.AsSpan(0, h) });
            _hidden2.ForwardTangent(new ForwardTangentPass<float> { Batch = b, Parameters = p.Slice(Offset2, Length2), ParameterTangent = v.Slice(Offset2, Length2), Input = _z1.AsSpan(0, h), InputTangent = _dz1.AsSpan(0, h), Output = _y2.AsSpan(0, h), OutputTangent = _dy2.AsSpan(0, h) });
            _relu2.ForwardTangent(new ForwardTangentPass<float> { Batch = b, Input = _y2.AsSpan(0, h), InputTangent = _dy2.AsSpan(0, h), Output = _z2.AsSpan(0, h), OutputTangent = _dz2.AsSpan(0, h) });
            _head.ForwardTangent(new ForwardTangentPass<float> { Batch = b, Parameters = p.Slice(Offset3, Length3), ParameterTangent = v.Slice(Offset3, Length3), Input = _z2.AsSpan(0, h), InputTangent = _dz2.AsSpan(0, h), Output = _y3.AsSpan(0, b), OutputTangent = _dy3.AsSpan(0, b) });
            float value = _loss.Forward(b, 1, _y3.AsSpan(0, b), t, _gy3.AsSpan(0, b));
            _loss.Tangent(b, 1, _y3.AsSpan(0, b), _dy3.AsSpan(0, b), t, _gdy3.AsSpan(0, b));

            _head.BackwardTangent(new BackwardTangentPass<float> { Batch = b, Parameters = p.Slice(Offset3, Length3), ParameterTangent = v.Slice(Offset3, Length3), Input = _z2.AsSpan(0, h), InputTangent = _dz2.AsSpan(0, h), Output = _y3.AsSpan(0, b), OutputTangent = _dy3.AsSpan(0, b), OutputGradient = _gy3.AsSpan(0, b), OutputGradientTangent = _gdy3.AsSpan(0, b), InputGradientTangent = _gdz2.AsSpan(0, h), ParameterGradientTangent = hv.Slice(Offset3, Length3) });
            _head.Backward(new BackwardPass<float> { Batch = b, Parameters = p.Slice(Offset3, Length3), Input = _z2.AsSpan(0, h), Output = _y3.AsSpan(0, b), OutputGradient = _gy3.AsSpan(0, b), InputGradient = _gz2.AsSpan(0, h), ParameterGradient = g.Slice(Offset3, Length3) });
            _relu2.BackwardTangent(new BackwardTangentPass<float> { Batch = b, Input = _y2.AsSpan(0, h), InputTangent = _dy2.AsSpan(0, h), Output = _z2.AsSpan(0, h), OutputTangent = _dz2.AsSpan(0, h), OutputGradient = _gz2.AsSpan(0, h), OutputGradientTangent = _gdz2.AsSpan(0, h), InputGradientTangent = _gdy2.AsSpan(0, h) });
            _relu2.Backward(new BackwardPass<float> { Batch = b, Input = _y2.AsSpan(0, h), Output = _z2.AsSpan(0, h), OutputGradient = _gz2.AsSpan(0, h), InputGradient = _gy2.AsSpan(0, h) });
            _hidden2.BackwardTangent(new BackwardTangentPass<float> { Batch = b, Parameters = p.Slice(Offset2, Length2), ParameterTangent = v.Slice(Offset2, Length2), Input = _z1.AsSpan(0, h), InputTangent = _dz1.AsSpan(0, h), Output = _y2.AsSpan(0, h), OutputTangent = _dy2.AsSpan(0, h), OutputGradient = _gy2.AsSpan(0, h), OutputGradientTangent = _gdy2.AsSpan(0, h), InputGradientTangent = _gdz1.AsSpan(0, h), ParameterGradientTangent = hv.Slice(Offset2, Length2) });
            _hidden2.Backward(new BackwardPass<float> { Batch = b, Parameters = p.Slice(Offset2, Length2), Input = _z1.AsSpan(0, h), Output = _y2.AsSpan(0, h), OutputGradient = _gy2.AsSpan(0, h), InputGradient = _gz1.AsSpan(0, h), ParameterGradient = g.Slice(Offset2, Length2) });
            _relu1.BackwardTangent(new BackwardTangentPass<float> { Batch = b, Input = _y1.AsSpan(0, h), InputTangent = _dy1.AsSpan(0, h), Output = _z1.AsSpan(0, h), OutputTangent = _dz1.AsSpan(0, h), OutputGradient = _gz1.AsSpan(0, h), OutputGradientTangent = _gdz1.AsSpan(0, h), InputGradientTangent = _gdy1.AsSpan(0, h) });
            _relu1.Backward(new BackwardPass<float> { Batch = b, Input = _y1.AsSpan(0, h), Output = _z1.AsSpan(0, h), OutputGradient = _gz1.AsSpan(0, h), InputGradient = _gy1.AsSpan(0, h) });
            _hidden1.BackwardTangent(new BackwardTangentPass<float> { Batch = b, Parameters = p.Slice(Offset1, Length1), ParameterTangent = v.Slice(Offset1, Length1), Input = x, Output = _y1.AsSpan(0, h), OutputTangent = _dy1.AsSpan(0, h), OutputGradient = _gy1.AsSpan(0, h), OutputGradientTangent = _gdy1.AsSpan(0, h), ParameterGradientTangent = hv.Slice(Offset1, Length1) });
            _hidden1.Backward(new BackwardPass<float> { Batch = b, Parameters = p.Slice(Offset1, Length1), Input = x, Output = _y1.AsSpan(0, h), OutputGradient = _gy1.AsSpan(0, h), ParameterGradient = g.Slice(Offset1, Length1) });
            return value;
        }

        private void Forward(int b, ReadOnlySpan<float> p, ReadOnlySpan<float> x)
        {
            int h = b * Hidden;
            _hidden1.Forward(new ForwardPass<float> { Batch = b, Parameters = p.Slice(Offset1, Length1), Input = x, Output = _y1.AsSpan(0, h) });
            _relu1.Forward(new ForwardPass<float> { Batch = b, Input = _y1.AsSpan(0, h), Output = _z1.AsSpan(0, h) });
            _hidden2.Forward(new ForwardPass<float> { Batch = b, Parameters = p.Slice(Offset2, Length2), Input = _z1.AsSpan(0, h), Output = _y2.AsSpan(0, h) });
            _relu2.Forward(new ForwardPass<float> { Batch = b, Input = _y2.AsSpan(0, h), Output = _z2.AsSpan(0, h) });
            _head.Forward(new ForwardPass<float> { Batch = b, Parameters = p.Slice(Offset3, Length3), Input = _z2.AsSpan(0, h), Output = _y3.AsSpan(0, b) });
        }

        private void Backward(int b, int h, ReadOnlySpan<float> p, ReadOnlySpan<float> x, Span<float> g)
        {
            _head.Backward(new BackwardPass<float> { Batch = b, Parameters = p.Slice(Offset3, Length3), Input = _z2.AsSpan(0, h), Output = _y3.AsSpan(0, b), OutputGradient = _gy3.AsSpan(0, b), InputGradient = _gz2.AsSpan(0, h), ParameterGradient = g.Slice(Offset3, Length3) });
            _relu2.Backward(new BackwardPass<float> { Batch = b, Input = _y2.AsSpan(0, h), Output = _z2.AsSpan(0, h), OutputGradient = _gz2.AsSpan(0, h), InputGradient = _gy2.AsSpan(0, h) });
            _hidden2.Backward(new BackwardPass<float> { Batch = b, Parameters = p.Slice(Offset2, Length2), Input = _z1.AsSpan(0, h), Output = _y2.AsSpan(0, h), OutputGradient = _gy2.AsSpan(0, h), InputGradient = _gz1.AsSpan(0, h), ParameterGradient = g.Slice(Offset2, Length2) });
            _relu1.Backward(new BackwardPass<float> { Batch = b, Input = _y1.AsSpan(0, h), Output = _z1.AsSpan(0, h), OutputGradient = _gz1.AsSpan(0, h), InputGradient = _gy1.AsSpan(0, h) });
            _hidden1.Backward(new BackwardPass<float> { Batch = b, Parameters = p.Slice(Offset1, Length1), Input = x, Output = _y1.AsSpan(0, h), OutputGradient = _gy1.AsSpan(0, h), ParameterGradient = g.Slice(Offset1, Length1) });
        }
    }
}
