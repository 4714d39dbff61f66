using MetaSpec.Geometry;
using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Tasks;
using MetaSpec.Tests.Support;
using Xunit.Abstractions;

namespace MetaSpec.Tests.Geometry;

/// <summary>
/// The learned geometries through the engine (<see cref="MetaProblem{T}"/>, <see cref="Engine.TaskWorker{T}"/>, the
/// trajectory and the methods), in float64: meta-gradients of every block (θ or z₀, θ_P, θ_g) against central differences
/// of L_Q(φ_N) as a function of the meta-parameters, on the MLP and the conv-BN net, N = 1 and 3; and the engine against
/// the reference recursion of <see cref="ReferenceGeometryLoop"/>'s loops to rounding, second and first order.
/// </summary>
public class EngineGeometryTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-7;

    /// <summary>The geometries with meta-parameters, by name; the mirror maps small (E = 3, H = 4) so differences stay cheap.</summary>
    internal static StepGeometry Geometry(string name) => name switch
    {
        "diagonal" => StepGeometry.Diagonal,
        "block-diagonal" => StepGeometry.BlockDiagonal,
        "kronecker" => StepGeometry.Kronecker,
        "mirror" => StepGeometry.MirrorMap with { Embedding = 3, Hidden = 4 },
        "mirror-dense" => StepGeometry.MirrorMap with { Embedding = 3, Hidden = 4, DenseOutput = true },
        _ => throw new ArgumentException(name),
    };

    internal static readonly string[] Kinds = ["diagonal", "block-diagonal", "kronecker", "mirror", "mirror-dense"];

    private sealed record Case(string Name, Sequential<double> Network, TaskData<double> Task, double Alpha);

    private static Case Network(string name) => name switch
    {
        "mlp" => new Case("MLP", GeometryFixtures.Mlp(), GeometryFixtures.RegressionTask(2, 3, 11), 0.3),
        _ => ConvCase(),
    };

    private static Case ConvCase()
    {
        var net = GeometryFixtures.ConvNet();
        return new Case("conv-BN net", net, GeometryFixtures.RegressionTask(net.InputShape.Size, 2, 12, support: 4, query: 3), 0.2);
    }

    private static MetaProblem<double> Problem(Case c, string kind, int steps, Hypergradient method) =>
        MetaProblem<double>.ForNetwork(c.Network, MeanSquaredError<double>.Instance,
            new InnerLoop { Steps = steps, StepSize = c.Alpha, Geometry = Geometry(kind) }, method);

    /// <summary>
    /// The initial meta-parameters with the geometry's part perturbed, so no entry is special (P ≠ I, g ≠ identity) and
    /// every path carries signal; Meta-SGD's step sizes stay positive around α.
    /// </summary>
    internal static double[] Perturbed(MetaProblem<double> problem, int seed)
    {
        var meta = problem.CreateMetaParameters(problem.Network!.CreateParameters(seed), seed);
        var r = new Random(seed + 100);
        int p = problem.ParameterCount;
        bool diagonal = problem.Inner.Geometry.Kind == GeometryKind.Diagonal;
        for (int i = p; i < meta.Length; i++) meta[i] += diagonal ? problem.Inner.StepSize * (r.NextDouble() - 0.5) : 0.3 * (2 * r.NextDouble() - 1);
        return meta;
    }

    public static TheoryData<string, string, int> Cases()
    {
        var data = new TheoryData<string, string, int>();
        foreach (string net in new[] { "mlp", "conv" })
            foreach (string kind in Kinds)
                foreach (int steps in new[] { 1, 3 }) data.Add(net, kind, steps);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Engine_meta_gradient_matches_finite_differences_in_every_block(string network, string kind, int steps)
    {
        var c = Network(network);
        var problem = Problem(c, kind, steps, Hypergradient.Unrolled);
        var meta = Perturbed(problem, 3);
        var worker = problem.CreateWorker(c.Task.SupportCount, c.Task.QueryCount);
        var analytic = new double[meta.Length];
        worker.MetaGradient(meta, c.Task, analytic);
        var numeric = FiniteDifference.Gradient(m =>
        {
            worker.Adapt(m, c.Task);
            return worker.QueryLoss(steps);
        }, meta);
        int p = problem.ParameterCount;
        string what = $"{kind}, {c.Name}, N = {steps}";
        Report(numeric[..p], analytic[..p], $"{what}: ∇{(kind.StartsWith("mirror", StringComparison.Ordinal) ? "z₀" : "θ")}");
        Report(numeric[p..], analytic[p..], $"{what}: ∇{(kind.StartsWith("mirror", StringComparison.Ordinal) ? "θ_g" : "θ_P")}");
        Assert.Contains(analytic.Skip(p), g => Math.Abs(g) > 1e-4);
    }

    public static TheoryData<string, string, int, bool> ReferenceCases()
    {
        var data = new TheoryData<string, string, int, bool>();
        foreach (string net in new[] { "mlp", "conv" })
            foreach (string kind in Kinds)
                foreach (int steps in new[] { 1, 3 })
                    foreach (bool firstOrder in new[] { false, true }) data.Add(net, kind, steps, firstOrder);
        return data;
    }

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void Engine_equals_the_reference_recursion_to_rounding(string network, string kind, int steps, bool firstOrder)
    {
        var c = Network(network);
        var problem = Problem(c, kind, steps, firstOrder ? Hypergradient.FirstOrder : Hypergradient.Unrolled);
        var meta = Perturbed(problem, 5);
        var engine = new double[meta.Length];
        double engineLoss = problem.CreateWorker(c.Task.SupportCount, c.Task.QueryCount).MetaGradient(meta, c.Task, engine);

        int p = problem.ParameterCount;
        var objective = problem.Objective;
        var blocks = GeometryBlocks.Of(c.Network);
        var reference = new double[meta.Length];
        var start = meta[..p];
        var theta = meta[p..];
        double referenceLoss;
        if (kind.StartsWith("mirror", StringComparison.Ordinal))
        {
            var settings = problem.Inner.Geometry;
            var map = new MirrorMap<double>(p, blocks, settings.Embedding, settings.Hidden, denseOutput: settings.DenseOutput);
            var loop = new MirrorReference(objective, map, c.Alpha, steps);
            var gz = new double[p];
            var gTheta = new double[theta.Length];
            referenceLoss = loop.MetaGradient(start, theta, c.Task, gz, gTheta, firstOrder);
            gz.CopyTo(reference, 0);
            gTheta.CopyTo(reference, p);
        }
        else
        {
            // Meta-SGD's step sizes s are the reference's diagonal p with α = 1 (docs/geometry.md §2.2).
            IPreconditioner<double> precond = kind switch
            {
                "diagonal" => new DiagonalPreconditioner<double>(p, blocks),
                "block-diagonal" => FactoredPreconditioner<double>.BlockDiagonal(p, blocks),
                _ => FactoredPreconditioner<double>.Kronecker(p, blocks),
            };
            var loop = new PreconditionedReference(objective, precond, kind == "diagonal" ? 1 : c.Alpha, steps);
            var g0 = new double[p];
            var gTheta = new double[theta.Length];
            referenceLoss = loop.MetaGradient(start, theta, c.Task, g0, gTheta, firstOrder);
            g0.CopyTo(reference, 0);
            gTheta.CopyTo(reference, p);
        }
        Assertions.Close(referenceLoss, engineLoss, 1e-13, "query loss");
        string what = $"{kind}, {c.Name}, N = {steps}{(firstOrder ? ", first order" : "")}";
        double scale = Math.Max(1, reference.Max(Math.Abs));
        output.WriteLine($"{what}: engine vs reference max |Δ| {reference.Zip(engine, (a, b) => Math.Abs(a - b)).Max():E2} (scale {scale:G3})");
        Assertions.Close(reference, engine, 1e-12, what);
    }

    [Theory]
    [InlineData("block-diagonal")]
    [InlineData("kronecker")]
    [InlineData("mirror")]
    public void HessianFree_approximates_the_exact_meta_gradient(string kind)
    {
        var c = Network("mlp");
        var exact = Problem(c, kind, 3, Hypergradient.Unrolled);
        var differences = exact.With(method: new Hypergradient { Kind = HypergradientKind.HessianFree, FiniteDifferenceStep = 1e-4 });
        var meta = Perturbed(exact, 7);
        var a = new double[meta.Length];
        var b = new double[meta.Length];
        exact.CreateWorker(c.Task.SupportCount, c.Task.QueryCount).MetaGradient(meta, c.Task, a);
        differences.CreateWorker(c.Task.SupportCount, c.Task.QueryCount).MetaGradient(meta, c.Task, b);
        // Central differences of gradients err by O(δ²·‖∇³L‖).
        Assertions.Close(a, b, 1e-6, $"HF {kind}");
    }

    [Fact]
    public void At_initialisation_every_geometry_is_maml_and_its_theta_gradient_is_mamls()
    {
        var c = Network("mlp");
        var maml = MetaProblem<double>.ForNetwork(c.Network, MeanSquaredError<double>.Instance, new InnerLoop { Steps = 3, StepSize = c.Alpha }, Hypergradient.Unrolled);
        var theta = c.Network.CreateParameters(4);
        var expected = new double[theta.Length];
        maml.CreateWorker(c.Task.SupportCount, c.Task.QueryCount).MetaGradient(theta, c.Task, expected);
        foreach (string kind in Kinds)
        {
            var problem = Problem(c, kind, 3, Hypergradient.Unrolled);
            var meta = problem.CreateMetaParameters(theta, seed: 4);
            var g = new double[meta.Length];
            problem.CreateWorker(c.Task.SupportCount, c.Task.QueryCount).MetaGradient(meta, c.Task, g);
            Assertions.Close(expected, g.AsSpan(0, theta.Length), 1e-13, $"{kind} at its initial value");
            Assert.Equal(1, problem.StepNormBound(meta), 12);
        }
    }

    [Fact]
    public void Meta_parameter_counts_and_names_follow_the_shared_rule_and_docs()
    {
        var net = GeometryFixtures.ConvNet();
        var tensors = GeometryBlocks.Of(net).Select(t => t.Dimensions).ToList();
        foreach (string kind in Kinds)
        {
            var settings = Geometry(kind);
            var problem = MetaProblem<double>.ForNetwork(net, MeanSquaredError<double>.Instance, new InnerLoop { Geometry = settings }, Hypergradient.Unrolled);
            long expected = MetaSpec.Specification.GeometryRules.ParameterCount((MetaSpec.Specification.StepGeometryKind)settings.Kind, net.ParameterCount,
                tensors, settings.Embedding, settings.Hidden, settings.DenseOutput);
            Assert.Equal(net.ParameterCount + expected, problem.MetaParameterCount);
            Assert.Equal(problem.MetaParameterCount, problem.MetaTensors.Sum(t => t.Length));
            Assert.Equal(problem.MetaTensors.Count, problem.MetaTensors.Select(t => t.Name).Distinct().Count());
        }
        string Names(StepGeometry g) => string.Join(" ", MetaProblem<double>.ForNetwork(net, MeanSquaredError<double>.Instance, new InnerLoop { Geometry = g }, Hypergradient.Unrolled)
            .MetaTensors.Skip(net.Tensors.Count).Select(t => $"{t.Name}[{string.Join(",", t.Dimensions)}]"));
        Assert.StartsWith("step_size.conv.weight[3,2,3,3] step_size.conv.bias[3]", Names(StepGeometry.Diagonal));
        Assert.StartsWith("geometry.conv.weight.output[3,3] geometry.conv.bias.output[3,3]", Names(StepGeometry.BlockDiagonal));
        Assert.StartsWith("geometry.conv.weight.output[3,3] geometry.conv.weight.input[2,2] geometry.conv.weight.spatial[9,9] geometry.conv.bias.output[3,3]", Names(StepGeometry.Kronecker));
        Assert.StartsWith("mirror.conv.weight.constants[108] mirror.conv.weight.encoder.weight[8,8] mirror.conv.weight.encoder.bias[8] " +
            "mirror.conv.bias.decoder.0.weight[32,8] mirror.conv.bias.decoder.0.bias[32] mirror.conv.bias.decoder.2.weight[6,32] mirror.conv.bias.decoder.2.bias[6]",
            Names(StepGeometry.MirrorMap));
        Assert.Contains("mirror.head.weight.decoder.2.weight[4,32] mirror.head.weight.decoder.2.bias[108]", Names(StepGeometry.MirrorMap));
        Assert.Contains("mirror.head.weight.decoder.2.weight[108,32]", Names(StepGeometry.MirrorMap with { DenseOutput = true }));
    }

    [Fact]
    public void A_geometry_on_part_of_a_tensor_is_refused()
    {
        var net = GeometryFixtures.Mlp();
        var mask = new bool[net.ParameterCount];
        mask[0] = true;
        var e = Assert.Throws<ArgumentException>(() => new MetaProblem<double>(net, MeanSquaredError<double>.Instance, new InnerLoop { Geometry = StepGeometry.Kronecker },
            Hypergradient.Unrolled, mask));
        Assert.Contains("'hidden.weight' is only partly adapted (1 of 8 values)", e.Message);
    }

    private void Report(double[] expected, double[] actual, string what)
    {
        double scale = Math.Max(1, expected.Max(Math.Abs));
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        output.WriteLine($"{what}: max |Δ| {worst:E2} (scale {scale:G3}, {expected.Length} values)");
        Assertions.Close(expected, actual, Tolerance, what);
    }
}
