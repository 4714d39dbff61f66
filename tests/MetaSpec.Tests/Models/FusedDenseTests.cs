using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;
using MetaSpec.Tasks;
using MetaSpec.Tests.Support;
using static MetaSpec.Tests.Support.Assertions;

namespace MetaSpec.Tests.Models;

/// <summary>
/// The fused Dense+activation passes (<see cref="Sequential{T}.WithFusedDenseLayers"/>) against the layer-by-layer
/// path (to 1e-12 in double: only the order of the sums differs) and against central differences, for every
/// activation, with and without bias, input widths of 1 (the column path) and widths that are no multiple of the
/// vector width (the scalar tails), and through the meta-gradients MAML, FOMAML and ANIL compute with them.
/// </summary>
public class FusedDenseTests
{
    private static Shape V(int n) => Shape.Vector(n);

    public static TheoryData<string> Networks => new() { "relu 1-40-40-1", "tanh-sigmoid 3-13-7-5", "leaky no bias 5-9-4", "dense-dense 4-6-6-2", "single 3-2" };

    // Each network with the 512-bit direct kernel allowed (used where the machine has AVX-512) and with it off (the
    // 256-bit AVX2 one, which machines without AVX-512 use).
    public static TheoryData<string, bool> NetworksAndWidths
    {
        get
        {
            var data = new TheoryData<string, bool>();
            foreach (var name in new[] { "relu 1-40-40-1", "tanh-sigmoid 3-13-7-5", "leaky no bias 5-9-4", "dense-dense 4-6-6-2", "single 3-2" })
            {
                data.Add(name, true);
                data.Add(name, false);
            }
            return data;
        }
    }

    private static Sequential<T> Net<T>(string name) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => name switch
    {
        "relu 1-40-40-1" => new(V(1),
            new("hidden1", new DenseLayer<T>(1, 40)), new("relu1", new ReLULayer<T>(V(40))),
            new("hidden2", new DenseLayer<T>(40, 40)), new("relu2", new ReLULayer<T>(V(40))),
            new("head", new DenseLayer<T>(40, 1))),
        "tanh-sigmoid 3-13-7-5" => new(V(3),
            new("hidden1", new DenseLayer<T>(3, 13)), new("tanh", new TanhLayer<T>(V(13))),
            new("hidden2", new DenseLayer<T>(13, 7)), new("sigmoid", new SigmoidLayer<T>(V(7))),
            new("head", new DenseLayer<T>(7, 5))),
        "leaky no bias 5-9-4" => new(V(5),
            new("hidden", new DenseLayer<T>(5, 9, bias: false)), new("leaky", new LeakyReLULayer<T>(V(9), 0.2)),
            new("head", new DenseLayer<T>(9, 4, bias: false))),
        "dense-dense 4-6-6-2" => new(V(4),
            new("linear", new DenseLayer<T>(4, 6)),
            new("hidden", new DenseLayer<T>(6, 6)), new("tanh", new TanhLayer<T>(V(6))),
            new("head", new DenseLayer<T>(6, 2))),
        _ => new(V(3), new NamedLayer<T>("head", new DenseLayer<T>(3, 2))),
    };

    private static ILoss<double> Loss(Sequential<double> net) =>
        net.OutputShape.Size > 1 ? SoftmaxCrossEntropy<double>.Instance : MeanSquaredError<double>.Instance;

    private static double[] Targets(Sequential<double> net, int batch, Random r)
    {
        int classes = net.OutputShape.Size;
        var t = new double[batch];
        for (int b = 0; b < batch; b++) t[b] = classes > 1 ? r.Next(classes) : 2 * r.NextDouble() - 1;
        return t;
    }

    [Theory]
    [MemberData(nameof(NetworksAndWidths))]
    public void Fused_passes_equal_the_layer_by_layer_passes(string name, bool wide)
    {
        FusedDenseChain<double>.UseWide = wide;
        try
        {
            FusedEqualsGeneric(name);
        }
        finally
        {
            FusedDenseChain<double>.UseWide = true;
        }
    }

    private static void FusedEqualsGeneric(string name)
    {
        const int batch = 11;
        var generic = Net<double>(name);
        var fused = generic.WithFusedDenseLayers();
        Assert.True(fused.FusesDenseLayers);
        Assert.False(generic.FusesDenseLayers);
        var r = new Random(7);
        double[] theta = generic.CreateParameters(3), v = RandomVector(r, generic.ParameterCount);
        double[] x = RandomVector(r, batch * generic.InputShape.Size, 2), t = Targets(generic, batch, r);
        var loss = Loss(generic);
        var (wg, wf) = (generic.CreateWorkspace(batch), fused.CreateWorkspace(batch));
        int p = generic.ParameterCount, inputs = x.Length;

        var (outG, outF) = (new double[batch * generic.OutputShape.Size], new double[batch * generic.OutputShape.Size]);
        generic.Predict(theta, x, outG, wg);
        fused.Predict(theta, x, outF, wf);
        Close(outG, outF, 1e-12, $"{name}: outputs");

        var (gG, gF, hG, hF) = (new double[p], new double[p], new double[p], new double[p]);
        Close(generic.Gradient(theta, x, t, loss, gG, wg), fused.Gradient(theta, x, t, loss, gF, wf), 1e-12, $"{name}: loss");
        Close(gG, gF, 1e-12, $"{name}: gradient");
        Close(generic.HessianVectorProduct(theta, v, x, t, loss, gG, hG, wg), fused.HessianVectorProduct(theta, v, x, t, loss, gF, hF, wf), 1e-12, $"{name}: HVP loss");
        Close(gG, gF, 1e-12, $"{name}: HVP gradient");
        Close(hG, hF, 1e-12, $"{name}: Hessian-vector product");

        // What a body below the network needs (the ANIL head): x̄ from the gradient, ∂²L/∂x∂θ·v from the product.
        var (xbarG, xbarF, mixG, mixF) = (new double[inputs], new double[inputs], new double[inputs], new double[inputs]);
        generic.GradientCore(batch, theta, x, t, loss, gG, wg, xbarG);
        fused.GradientCore(batch, theta, x, t, loss, gF, wf, xbarF);
        Close(xbarG, xbarF, 1e-12, $"{name}: input gradient");
        generic.HessianVectorProductCore(batch, theta, v, x, t, loss, gG, hG, wg, mixG);
        fused.HessianVectorProductCore(batch, theta, v, x, t, loss, gF, hF, wf, mixF);
        Close(mixG, mixF, 1e-12, $"{name}: mixed derivative ∂²L/∂x∂θ·v");
        Assert.Contains(mixF, m => m != 0); // the comparison above is not of two zero vectors

        // A backward pass from an outside gradient (the ANIL body), with a smaller batch on the same workspace.
        var dy = RandomVector(r, 5 * generic.OutputShape.Size);
        var (bG, bF, bxG, bxF) = (new double[p], new double[p], new double[5 * generic.InputShape.Size], new double[5 * generic.InputShape.Size]);
        generic.ForwardCore(5, theta, x.AsSpan(0, bxG.Length), wg);
        generic.BackwardCore(5, theta, x.AsSpan(0, bxG.Length), dy, bG, wg, bxG);
        fused.ForwardCore(5, theta, x.AsSpan(0, bxF.Length), wf);
        fused.BackwardCore(5, theta, x.AsSpan(0, bxF.Length), dy, bF, wf, bxF);
        Close(bG, bF, 1e-12, $"{name}: backward θ̄");
        Close(bxG, bxF, 1e-12, $"{name}: backward x̄");
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Fused_gradient_and_Hessian_vector_product_match_finite_differences(string name)
    {
        const int batch = 6;
        var net = Net<double>(name).WithFusedDenseLayers();
        var r = new Random(11);
        double[] theta = net.CreateParameters(5), v = RandomVector(r, net.ParameterCount);
        double[] x = RandomVector(r, batch * net.InputShape.Size, 2), t = Targets(net, batch, r);
        var loss = Loss(net);
        var ws = net.CreateWorkspace(batch);
        int p = net.ParameterCount;
        var (g, h) = (new double[p], new double[p]);
        net.HessianVectorProduct(theta, v, x, t, loss, g, h, ws);
        Close(FiniteDifference.Gradient(th => net.Loss(th, x, t, loss, ws), theta), g, 1e-7, $"{name}: gradient");
        Close(FiniteDifference.Directional(th =>
        {
            var gg = new double[p];
            net.Gradient(th, x, t, loss, gg, ws);
            return gg;
        }, theta, v), h, 1e-6, $"{name}: Hessian-vector product");
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Fused_float_passes_equal_the_layer_by_layer_passes(string name)
    {
        const int batch = 9;
        var generic = Net<float>(name);
        var fused = generic.WithFusedDenseLayers();
        var r = new Random(13);
        float[] theta = generic.CreateParameters(2);
        float[] v = [.. RandomVector(r, generic.ParameterCount).Select(d => (float)d)];
        float[] x = [.. RandomVector(r, batch * generic.InputShape.Size, 2).Select(d => (float)d)];
        float[] t = [.. Targets(Net<double>(name), batch, r).Select(d => (float)d)];
        ILoss<float> loss = generic.OutputShape.Size > 1 ? SoftmaxCrossEntropy<float>.Instance : MeanSquaredError<float>.Instance;
        int p = generic.ParameterCount;
        var (gG, gF, hG, hF) = (new float[p], new float[p], new float[p], new float[p]);
        generic.HessianVectorProduct(theta, v, x, t, loss, gG, hG, generic.CreateWorkspace(batch));
        fused.HessianVectorProduct(theta, v, x, t, loss, gF, hF, fused.CreateWorkspace(batch));
        Close([.. gG.Select(f => (double)f)], [.. gF.Select(f => (double)f)], 1e-5, $"{name}: float gradient");
        Close([.. hG.Select(f => (double)f)], [.. hF.Select(f => (double)f)], 1e-5, $"{name}: float Hessian-vector product");
    }

    public static TheoryData<string, HypergradientKind, bool> MetaCases => new()
    {
        { "MAML, 2nd order", HypergradientKind.Unrolled, false },
        { "FOMAML", HypergradientKind.FirstOrder, false },
        { "ANIL, 2nd order", HypergradientKind.Unrolled, true },
    };

    [Theory]
    [MemberData(nameof(MetaCases))]
    public void Meta_gradients_on_the_fused_network_equal_the_layer_by_layer_ones_and_finite_differences(string name, HypergradientKind kind, bool headOnly)
    {
        // Smooth activations, so central differences of the meta-objective are accurate.
        var generic = Net<double>("tanh-sigmoid 3-13-7-5");
        var fused = generic.WithFusedDenseLayers();
        var inner = new InnerLoop { Steps = 3, StepSize = 0.3 };
        var method = new Hypergradient { Kind = kind };
        string[] adapted = headOnly ? ["head"] : [];
        var problemG = MetaProblem<double>.ForNetwork(generic, SoftmaxCrossEntropy<double>.Instance, inner, method, adapted);
        var problemF = MetaProblem<double>.ForNetwork(fused, SoftmaxCrossEntropy<double>.Instance, inner, method, adapted);
        var task = ClassificationTask(17);
        var meta = problemG.CreateMetaParameters(generic.CreateParameters(8));
        var workerG = problemG.CreateWorker(task.SupportCount, task.QueryCount);
        var workerF = problemF.CreateWorker(task.SupportCount, task.QueryCount);
        Assert.Equal(headOnly, workerF.IsHeadSpecialized);
        var (a, b) = (new double[meta.Length], new double[meta.Length]);
        Close(workerG.MetaGradient(meta, task, a), workerF.MetaGradient(meta, task, b), 1e-12, $"{name}: meta-loss");
        Close(a, b, 1e-12, $"{name}: meta-gradient, fused vs layer by layer");
        if (kind == HypergradientKind.Unrolled)
        {
            var numeric = FiniteDifference.Gradient(m =>
            {
                workerF.Adapt(m, task);
                return workerF.QueryLoss(inner.Steps);
            }, meta);
            Close(numeric, b, 1e-7, $"{name}: fused meta-gradient vs finite differences");
        }
    }

    [Fact]
    public void Fused_passes_allocate_nothing()
    {
        var net = Net<float>("tanh-sigmoid 3-13-7-5").WithFusedDenseLayers();
        var ws = net.CreateWorkspace(8);
        float[] theta = net.CreateParameters(1), v = net.CreateParameters(2), x = new float[8 * 3], t = new float[8];
        var (g, h) = (new float[net.ParameterCount], new float[net.ParameterCount]);
        var loss = SoftmaxCrossEntropy<float>.Instance;
        net.HessianVectorProduct(theta, v, x, t, loss, g, h, ws); // JIT and first-use work outside the measured calls
        net.Gradient(theta, x, t, loss, g, ws);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++)
        {
            net.Gradient(theta, x, t, loss, g, ws);
            net.HessianVectorProduct(theta, v, x, t, loss, g, h, ws);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Only_a_chain_of_dense_layers_and_activations_fuses()
    {
        var conv = new Sequential<double>(Shape.Image(1, 4, 4),
            new("conv", new Conv2dLayer<double>(Shape.Image(1, 4, 4), 2, 3)),
            new("flatten", new FlattenLayer<double>(Shape.Image(2, 2, 2))),
            new("head", new DenseLayer<double>(8, 2)));
        var e = Assert.Throws<InvalidOperationException>(() => conv.WithFusedDenseLayers());
        Assert.Contains("layer 'conv' is a Conv2dLayer", e.Message);
        var leadingActivation = new Sequential<double>(V(3), new("relu", new ReLULayer<double>(V(3))), new("head", new DenseLayer<double>(3, 2)));
        Assert.Contains("layer 'relu' is a ReLULayer", Assert.Throws<InvalidOperationException>(() => leadingActivation.WithFusedDenseLayers()).Message);
        var fused = Net<double>("single 3-2").WithFusedDenseLayers();
        Assert.Same(fused, fused.WithFusedDenseLayers());
    }

    private static TaskData<double> ClassificationTask(int seed)
    {
        var r = new Random(seed);
        var task = new TaskData<double>(3, 1, 10, 10);
        for (int i = 0; i < 10; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                task.SupportInputs[3 * i + j] = 2 * r.NextDouble() - 1;
                task.QueryInputs[3 * i + j] = 2 * r.NextDouble() - 1;
            }
            task.SupportTargets[i] = i % 5;
            task.QueryTargets[i] = (i + 2) % 5;
        }
        return task;
    }
}
