using MetaSpec.Geometry;
using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Tasks;
using MetaSpec.Tests.Support;

namespace MetaSpec.Tests.Geometry;

/// <summary>Small problems for the geometry tests: blocks of every rank, networks, tasks and perturbed meta-parameters.</summary>
internal static class GeometryFixtures
{
    /// <summary>
    /// θ of 45 values with a Dense-like weight [3, 4], a bias [3], a conv-like weight [2, 3, 2, 2] and a vector [2],
    /// and three coordinates outside every block (indices 0, 16, 17 and 44).
    /// </summary>
    public static (int Length, ParameterTensor[] Blocks) MixedBlocks() => (45,
    [
        new("dense.weight", 1, [3, 4]),
        new("dense.bias", 13, [3]),
        new("conv.weight", 18, [2, 3, 2, 2]),
        new("bn.weight", 42, [2]),
    ]);

    /// <summary>The preconditioner of each geometry that has one, by name.</summary>
    public static IPreconditioner<double> Preconditioner(string kind, int length, IReadOnlyList<ParameterTensor> blocks) => kind switch
    {
        "identity" => new IdentityPreconditioner<double>(length, blocks),
        "diagonal" => new DiagonalPreconditioner<double>(length, blocks),
        "block-diagonal" => FactoredPreconditioner<double>.BlockDiagonal(length, blocks),
        "kronecker" => FactoredPreconditioner<double>.Kronecker(length, blocks),
        _ => throw new ArgumentException(kind),
    };

    public static readonly string[] PreconditionerKinds = ["identity", "diagonal", "block-diagonal", "kronecker"];

    /// <summary>θ_P at its initial value plus uniform noise of the given size, so no entry is special.</summary>
    public static double[] PerturbedParameters(IPreconditioner<double> p, int seed, double noise = 0.3)
    {
        var theta = new double[p.ParameterCount];
        p.Initialize(theta);
        var r = new Random(seed);
        for (int i = 0; i < theta.Length; i++) theta[i] += noise * (2 * r.NextDouble() - 1);
        return theta;
    }

    /// <summary>θ_g at its initial value plus noise, so the output layers and constants are not zero and every path carries signal.</summary>
    public static double[] PerturbedParameters(MirrorMap<double> g, int seed, double noise = 0.3)
    {
        var theta = new double[g.ParameterCount];
        g.Initialize(theta, new Random(seed));
        var r = new Random(seed + 1000);
        for (int i = 0; i < theta.Length; i++) theta[i] += noise * (2 * r.NextDouble() - 1);
        return theta;
    }

    /// <summary>[2] → Dense 4 → tanh → Dense 3 (smooth, so differences are accurate).</summary>
    public static Sequential<double> Mlp() => new(Shape.Vector(2),
        new("hidden", new DenseLayer<double>(2, 4)),
        new("act", new TanhLayer<double>(Shape.Vector(4))),
        new("head", new DenseLayer<double>(4, 3)));

    /// <summary>[2, 3, 3] → Conv 3×3 (3 filters, pad 1) → BatchNorm → tanh → Flatten → Dense 2: every tensor rank a Conv-4 has.</summary>
    public static Sequential<double> ConvNet()
    {
        var input = Shape.Image(2, 3, 3);
        var conv = new Conv2dLayer<double>(input, 3, 3, padding: 1);
        var bn = new BatchNorm2dLayer<double>(conv.OutputShape);
        var act = new TanhLayer<double>(bn.OutputShape);
        var flatten = new FlattenLayer<double>(act.OutputShape);
        return new Sequential<double>(input,
            new("conv", conv), new("bn", bn), new("act", act), new("flatten", flatten),
            new("head", new DenseLayer<double>(flatten.OutputShape.Size, 2)));
    }

    /// <summary>A regression task with uniform inputs and targets in [−1, 1].</summary>
    public static TaskData<double> RegressionTask(int inputSize, int targetSize, int seed, int support = 5, int query = 6)
    {
        var r = new Random(seed);
        var task = new TaskData<double>(inputSize, targetSize, support, query);
        foreach (var a in new[] { task.SupportInputs, task.SupportTargets, task.QueryInputs, task.QueryTargets })
            for (int i = 0; i < a.Length; i++) a[i] = 2 * r.NextDouble() - 1;
        return task;
    }

    /// <summary>
    /// Quadratic tasks ½(θ − θᵢ)ᵀAᵢ(θ − θᵢ) on θ ∈ ℝᵈ with random positive definite Aᵢ (eigenvalues in [0.2, 2]):
    /// two in the support set, one in the query set.
    /// </summary>
    public static TaskData<double> QuadraticTask(int d, int seed)
    {
        var r = new Random(seed);
        int size = d * d + d;
        var task = new TaskData<double>(size, 1, 2, 1);
        for (int s = 0; s < 3; s++)
        {
            double[] target = s < 2 ? task.SupportInputs : task.QueryInputs;
            int at = (s < 2 ? s : 0) * size;
            var b = new double[d, d];
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) b[i, j] = (2 * r.NextDouble() - 1) / Math.Sqrt(d);
            var a = DenseMatrix.Multiply(DenseMatrix.Transpose(b), b);
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) target[at + i * d + j] = 0.5 * a[i, j] + (i == j ? 0.2 : 0);
            for (int i = 0; i < d; i++) target[at + d * d + i] = 2 * r.NextDouble() - 1;
        }
        return task;
    }

    /// <summary>The loss of a problem's objective, evaluated with one evaluator.</summary>
    public static IObjectiveEvaluator<double> Evaluator(IObjective<double> objective, int maxBatch = 8) => objective.CreateEvaluator(maxBatch);

    public static IObjective<double> Objective(Sequential<double> net) =>
        MetaProblem<double>.ForNetwork(net, MeanSquaredError<double>.Instance, new InnerLoop(), Hypergradient.Unrolled).Objective;
}
