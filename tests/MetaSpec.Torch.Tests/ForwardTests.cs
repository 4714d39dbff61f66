using MetaSpec.Models;
using MetaSpec.Tasks;
using TorchSharp;
using static MetaSpec.Torch.Tests.Fixtures;
using static TorchSharp.torch;

namespace MetaSpec.Torch.Tests;

/// <summary>The functional forward pass against the managed network, and the task-batched form against the per-task one.</summary>
public class ForwardTests
{
    public static TheoryData<string> Networks => ["sine", "convbn", "mixed"];

    private static Sequential<double> Network(string name) => name switch
    {
        "sine" => SineMlp<double>(),
        "convbn" => ConvBn(),
        _ => Mixed(),
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void Forward_equals_the_managed_network(string name)
    {
        LoadTorch();
        var network = Network(name);
        var model = ManagedBridge.ToTorchModel(network);
        var theta = network.CreateParameters(3);
        var random = new Random(4);
        const int batch = 5;
        var inputs = new double[batch * network.InputShape.Size];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextDouble() * 2 - 1;
        var expected = new double[batch * network.OutputShape.Size];
        network.Predict(theta, inputs, expected, network.CreateWorkspace(batch, hessianVectorProducts: false));

        using var scope = NewDisposeScope();
        var parameters = model.Tensors.Select(t => tensor(theta.AsSpan(t.Offset, t.Length).ToArray(), t.Dimensions, ScalarType.Float64)).ToArray();
        var x = tensor(inputs, TensorData.InputShape(1, batch, model.Input), ScalarType.Float64);
        var shared = new bool[parameters.Length];
        var y = Functional.Forward(model, parameters, shared, 1, Functional.Input(x, model.Input), 0, model.Layers.Count).Value;
        Assert.Equal([1L, batch, network.OutputShape.Size], y.shape);
        double relative = RelativeDifference(expected, TensorData.ToDoubles(y));
        Assert.True(relative <= 1e-13, $"{name}: relative difference {relative:E2}");
    }

    public static TheoryData<string, TorchConvolution> NetworksAndConvolutions => new()
    {
        { "sine", TorchConvolution.Auto },
        { "convbn", TorchConvolution.Grouped }, { "convbn", TorchConvolution.PerTask },
        { "mixed", TorchConvolution.Grouped }, { "mixed", TorchConvolution.PerTask },
    };

    /// <summary>
    /// T tasks with their own parameters in one graph (bmm/baddbmm for Dense, grouped or per-task convolution, per-task
    /// batch statistics) give what each task gives alone; some tensors shared, as in ANIL, and some per task.
    /// </summary>
    [Theory]
    [MemberData(nameof(NetworksAndConvolutions))]
    public void Batched_tasks_equal_each_task_alone(string name, TorchConvolution convolution)
    {
        LoadTorch();
        var network = Network(name);
        var model = ManagedBridge.ToTorchModel(network);
        const int tasks = 3, batch = 4;
        using var scope = NewDisposeScope();
        manual_seed(1);
        foreach (bool everyOther in new[] { false, true })
        {
            // Per-task copies of every tensor (or of every other one, the rest shared), each task's different.
            var perTask = model.Tensors.Select((_, i) => !everyOther || i % 2 == 0).ToArray();
            var parameters = model.Tensors.Select((t, i) =>
                perTask[i] ? randn([tasks, .. t.Dimensions], ScalarType.Float64) * 0.5 : randn(t.Dimensions, ScalarType.Float64) * 0.5).ToArray();
            var x = randn(TensorData.InputShape(tasks, batch, model.Input), ScalarType.Float64);
            var all = Functional.Forward(model, parameters, perTask, tasks, Functional.Input(x, model.Input), 0, model.Layers.Count, convolution).Value;
            for (int t = 0; t < tasks; t++)
            {
                var own = parameters.Select((p, i) => perTask[i] ? p[t] : p).ToArray();
                var alone = Functional.Forward(model, own, new bool[own.Length], 1, Functional.Input(x[t].unsqueeze(0), model.Input), 0, model.Layers.Count).Value;
                double relative = RelativeDifference(TensorData.ToDoubles(alone), TensorData.ToDoubles(all[t]));
                Assert.True(relative <= 1e-13, $"{name}, task {t}{(everyOther ? ", half shared" : "")}: relative difference {relative:E2}");
            }
        }
    }

    [Fact]
    public void Baddbmm_operand_order_is_the_measured_one()
    {
        // TorchSharp 0.107.0's baddbmm takes (batch1, batch2, input); Functional.AddBatchedProduct hides it. If a later
        // TorchSharp fixes the order, this fails and AddBatchedProduct must change with it.
        LoadTorch();
        using var scope = NewDisposeScope();
        manual_seed(2);
        var a = randn([2, 3, 4], ScalarType.Float64);
        var b = randn([2, 4, 5], ScalarType.Float64);
        var c = randn([2, 1, 5], ScalarType.Float64);
        var expected = bmm(a, b) + c;
        double relative = RelativeDifference(TensorData.ToDoubles(expected), TensorData.ToDoubles(Functional.AddBatchedProduct(c, a, b)));
        Assert.True(relative <= 1e-15, $"relative difference {relative:E2}");
    }

    [Fact]
    public void The_model_has_the_managed_tensor_layout()
    {
        var network = ConvBn();
        var model = ManagedBridge.ToTorchModel(network);
        Assert.Equal(network.ParameterCount, model.ParameterCount);
        Assert.Equal(network.Tensors.Select(t => (t.Name, t.Offset, string.Join("x", t.Dimensions))),
            model.Tensors.Select(t => (t.Name, t.Offset, string.Join("x", t.Dimensions))));
        var back = ManagedBridge.ToSequential<double>(model);
        Assert.Equal(network.CreateParameters(9), back.CreateParameters(9)); // same layers, same PyTorch-style initialisation
    }

    [Fact]
    public void Layers_that_do_not_chain_are_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new TorchModel(Shape.Vector(3), TorchLayer.Dense("a", 3, 4), TorchLayer.Dense("b", 5, 1)));
        Assert.Contains("Layer 'b' expects input of shape [5], but layer 'a' produces [4]", e.Message);
    }
}
