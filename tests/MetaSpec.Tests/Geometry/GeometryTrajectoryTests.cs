using MetaSpec.Layers;
using MetaSpec.Geometry;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Tasks;
using MetaSpec.Theory;
using MetaSpec.Tests.Support;
using Xunit.Abstractions;

namespace MetaSpec.Tests.Geometry;

/// <summary>
/// Whole trajectories: N inner steps of each geometry, meta-gradients by the reference adjoint recursion
/// (<see cref="PreconditionedReference"/>, <see cref="MirrorReference"/>) against central differences of
/// L_Q(φ_N) in every meta-parameter block (φ₀ or z₀, θ_P, θ_g), in double precision.
/// </summary>
public class GeometryTrajectoryTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-7;

    public static TheoryData<string, int> PreconditionerCases()
    {
        var data = new TheoryData<string, int>();
        foreach (string kind in GeometryFixtures.PreconditionerKinds)
            foreach (int steps in new[] { 1, 3 }) data.Add(kind, steps);
        return data;
    }

    /// <summary>A problem: objective, blocks the geometry covers, a task, a starting point and a step size.</summary>
    private sealed record Problem(string Name, IObjective<double> Objective, IReadOnlyList<ParameterTensor> Blocks, TaskData<double> Task,
        double[] Start, double Alpha, double Proximal = 0);

    private static Problem Mlp(bool headOnly = false)
    {
        var net = GeometryFixtures.Mlp();
        return new Problem(headOnly ? "MLP, head adapted" : "MLP", GeometryFixtures.Objective(net),
            headOnly ? GeometryBlocks.Of(net, "head") : GeometryBlocks.Of(net), GeometryFixtures.RegressionTask(2, 3, 11), net.CreateParameters(3), 0.3);
    }

    private static Problem Conv()
    {
        var net = GeometryFixtures.ConvNet();
        return new Problem("conv net", GeometryFixtures.Objective(net), GeometryBlocks.Of(net),
            GeometryFixtures.RegressionTask(net.InputShape.Size, 2, 12, support: 4, query: 3), net.CreateParameters(4), 0.2);
    }

    /// <summary>Quadratic tasks on ℝ¹⁸ split into a [2, 3], a [2] and a [2, 2, 2] block; coordinates 8 and 9 are not adapted.</summary>
    private static Problem Quadratic(double proximal = 0)
    {
        const int d = 18;
        ParameterTensor[] blocks = [new("a.weight", 0, [2, 3]), new("a.bias", 6, [2]), new("c.weight", 10, [2, 2, 2])];
        var r = new Random(5);
        var start = Enumerable.Range(0, d).Select(_ => 2 * r.NextDouble() - 1).ToArray();
        return new Problem(proximal > 0 ? "quadratic, proximal" : "quadratic", new QuadraticObjective<double>(d), blocks,
            GeometryFixtures.QuadraticTask(d, 13), start, 0.3, proximal);
    }

    private static Problem ProblemNamed(string name) => name switch
    {
        "mlp" => Mlp(),
        "mlp-head" => Mlp(headOnly: true),
        "conv" => Conv(),
        "quadratic" => Quadratic(),
        "quadratic-proximal" => Quadratic(proximal: 0.5),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string, string, int> PreconditionedTrajectories()
    {
        var data = new TheoryData<string, string, int>();
        foreach (string problem in new[] { "mlp", "mlp-head", "conv", "quadratic", "quadratic-proximal" })
            foreach (string kind in GeometryFixtures.PreconditionerKinds)
                foreach (int steps in new[] { 1, 3 }) data.Add(problem, kind, steps);
        return data;
    }

    [Theory]
    [MemberData(nameof(PreconditionedTrajectories))]
    public void Preconditioned_meta_gradient_matches_finite_differences(string problemName, string kind, int steps)
    {
        var problem = ProblemNamed(problemName);
        int p = problem.Objective.ParameterCount;
        var precond = GeometryFixtures.Preconditioner(kind, p, problem.Blocks);
        var theta = GeometryFixtures.PerturbedParameters(precond, 21);
        var reference = new PreconditionedReference(problem.Objective, precond, problem.Alpha, steps, problem.Proximal);
        var gStart = new double[p];
        var gTheta = new double[precond.ParameterCount];
        reference.MetaGradient(problem.Start, theta, problem.Task, gStart, gTheta);

        var numeric = FiniteDifference.Gradient(x => reference.Run(x[..p], x[p..], problem.Task), [.. problem.Start, .. theta]);
        string what = $"{kind}, {problem.Name}, N = {steps}";
        Report(numeric[..p], gStart, $"{what}: ∇φ₀");
        if (precond.ParameterCount > 0)
        {
            Report(numeric[p..], gTheta, $"{what}: ∇θ_P");
            Assert.Contains(gTheta, g => Math.Abs(g) > 1e-4);
        }
    }

    public static TheoryData<string, int, bool> MirrorTrajectories()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (string problem in new[] { "mlp", "mlp-head", "conv", "quadratic" })
            foreach (int steps in new[] { 1, 3 })
                foreach (bool dense in new[] { false, true }) data.Add(problem, steps, dense);
        return data;
    }

    [Theory]
    [MemberData(nameof(MirrorTrajectories))]
    public void Mirror_meta_gradient_matches_finite_differences(string problemName, int steps, bool dense)
    {
        var problem = ProblemNamed(problemName);
        int p = problem.Objective.ParameterCount;
        var map = new MirrorMap<double>(p, problem.Blocks, embedding: 3, hidden: 4, denseOutput: dense);
        var theta = GeometryFixtures.PerturbedParameters(map, 22);
        var reference = new MirrorReference(problem.Objective, map, problem.Alpha, steps);
        var gStart = new double[p];
        var gTheta = new double[map.ParameterCount];
        reference.MetaGradient(problem.Start, theta, problem.Task, gStart, gTheta);

        var numeric = FiniteDifference.Gradient(x => reference.Run(x[..p], x[p..], problem.Task), [.. problem.Start, .. theta]);
        string what = $"mirror ({(dense ? "dense" : "FiLM")} output), {problem.Name}, N = {steps}";
        Report(numeric[..p], gStart, $"{what}: ∇z₀");
        Report(numeric[p..], gTheta, $"{what}: ∇θ_g");
        foreach (var t in map.Tensors)
        {
            // BatchNorm cancels the conv bias: L does not depend on it, so nothing reaches its decoder.
            if (problemName == "conv" && t.Name.StartsWith("mirror.conv.bias.decoder", StringComparison.Ordinal)) continue;
            Assert.True(gTheta.Skip(t.Offset).Take(t.Length).Any(g => Math.Abs(g) > 1e-6), $"{t.Name} gets no meta-gradient");
        }
    }

    [Theory]
    [MemberData(nameof(PreconditionerCases))]
    public void First_order_preconditioned_gradient_is_that_of_the_loop_with_frozen_inner_gradients(string kind, int steps)
    {
        var problem = Mlp();
        int p = problem.Objective.ParameterCount;
        var precond = GeometryFixtures.Preconditioner(kind, p, problem.Blocks);
        var theta = GeometryFixtures.PerturbedParameters(precond, 23);
        var reference = new PreconditionedReference(problem.Objective, precond, problem.Alpha, steps);
        var gStart = new double[p];
        var gTheta = new double[precond.ParameterCount];
        reference.MetaGradient(problem.Start, theta, problem.Task, gStart, gTheta, firstOrder: true);

        // φ_N = φ₀ − αΣₖ P(θ_P)gₖ with the gₖ of this trajectory held fixed.
        var frozen = reference.Gradients.Select(g => (double[])g.Clone()).ToArray();
        var eval = problem.Objective.CreateEvaluator(16);
        var scratch = new double[precond.ScratchLength];
        double Surrogate(double[] x)
        {
            var phi = x[..p];
            var d = new double[p];
            foreach (var g in frozen)
            {
                precond.Apply(x[p..], g, d, scratch);
                for (int i = 0; i < p; i++) phi[i] -= problem.Alpha * d[i];
            }
            return eval.Loss(phi, problem.Task.QueryInputs, problem.Task.QueryTargets);
        }
        var numeric = FiniteDifference.Gradient(Surrogate, [.. problem.Start, .. theta]);
        Report(numeric[..p], gStart, $"first-order {kind}, N = {steps}: ∇φ₀");
        if (precond.ParameterCount > 0) Report(numeric[p..], gTheta, $"first-order {kind}, N = {steps}: ∇θ_P");

        var exact = new double[p];
        reference.MetaGradient(problem.Start, theta, problem.Task, exact, new double[precond.ParameterCount]);
        Assert.True(exact.Zip(gStart, (a, b) => Math.Abs(a - b)).Max() > 1e-3, "first order should differ from the exact gradient here");
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(3, true)]
    public void First_order_mirror_gradient_is_that_of_the_final_map_at_frozen_inner_gradients(int steps, bool dense)
    {
        var problem = Mlp();
        int p = problem.Objective.ParameterCount;
        var map = new MirrorMap<double>(p, problem.Blocks, embedding: 3, hidden: 4, denseOutput: dense);
        var theta = GeometryFixtures.PerturbedParameters(map, 24);
        var reference = new MirrorReference(problem.Objective, map, problem.Alpha, steps);
        var gStart = new double[p];
        var gTheta = new double[map.ParameterCount];
        reference.MetaGradient(problem.Start, theta, problem.Task, gStart, gTheta, firstOrder: true);

        // φ_N = g(z₀ − αΣₖ M∇L_S(φₖ); θ_g) with the inner gradients of this trajectory held fixed.
        var frozen = reference.Gradients.Select(g => (double[])g.Clone()).ToArray();
        var eval = problem.Objective.CreateEvaluator(16);
        var ws = map.CreateWorkspace();
        double Surrogate(double[] x)
        {
            var z = x[..p];
            foreach (var g in frozen)
                for (int i = 0; i < p; i++) z[i] -= problem.Alpha * g[i];
            var phi = new double[p];
            map.Forward(x[p..], z, phi, ws);
            return eval.Loss(phi, problem.Task.QueryInputs, problem.Task.QueryTargets);
        }
        var numeric = FiniteDifference.Gradient(Surrogate, [.. problem.Start, .. theta]);
        Report(numeric[..p], gStart, $"first-order mirror, N = {steps}: ∇z₀");
        Report(numeric[p..], gTheta, $"first-order mirror, N = {steps}: ∇θ_g");
    }

    [Fact]
    public void At_initialisation_every_geometry_takes_maml_steps_and_gets_mamls_meta_gradient()
    {
        var problem = Mlp();
        int p = problem.Objective.ParameterCount;
        const int steps = 3;
        var maml = new PreconditionedReference(problem.Objective, new IdentityPreconditioner<double>(p, problem.Blocks), problem.Alpha, steps);
        var expected = new double[p];
        maml.MetaGradient(problem.Start, [], problem.Task, expected, []);
        foreach (string kind in GeometryFixtures.PreconditionerKinds)
        {
            var precond = GeometryFixtures.Preconditioner(kind, p, problem.Blocks);
            var theta = new double[precond.ParameterCount];
            precond.Initialize(theta);
            var reference = new PreconditionedReference(problem.Objective, precond, problem.Alpha, steps);
            var g = new double[p];
            reference.MetaGradient(problem.Start, theta, problem.Task, g, new double[theta.Length]);
            Assertions.Close(expected, g, 1e-13, $"{kind} at θ_P = I");
        }
        var map = new MirrorMap<double>(p, problem.Blocks);
        var thetaG = new double[map.ParameterCount];
        map.Initialize(thetaG, new Random(1));
        var mirror = new MirrorReference(problem.Objective, map, problem.Alpha, steps);
        var gz = new double[p];
        mirror.MetaGradient(problem.Start, thetaG, problem.Task, gz, new double[thetaG.Length]);
        Assertions.Close(expected, gz, 1e-13, "mirror map at g = identity");
    }

    /// <summary>Asserts like <see cref="Assertions.Close(ReadOnlySpan{double}, ReadOnlySpan{double}, double, string)"/> and writes the error measured.</summary>
    private void Report(double[] expected, double[] actual, string what)
    {
        double scale = Math.Max(1, expected.Max(Math.Abs));
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        output.WriteLine($"{what}: max |Δ| {worst:E2} (scale {scale:G3}, {expected.Length} values)");
        Assertions.Close(expected, actual, Tolerance, what);
    }
}
