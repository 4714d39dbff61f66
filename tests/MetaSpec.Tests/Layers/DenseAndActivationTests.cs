using MetaSpec.Layers;
using MetaSpec.Tests.Support;

namespace MetaSpec.Tests.Layers;

public class DenseAndActivationTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 5, 4)]
    [InlineData(7, 2, 9)]
    public void Dense_derivatives_match_finite_differences(int batch, int inputs, int outputs) =>
        new LayerChecker(new DenseLayer<double>(inputs, outputs), batch, seed: 11 * inputs + outputs).CheckAll();

    public static TheoryData<string> Activations => new() { "relu", "leaky", "tanh", "sigmoid" };

    [Theory]
    [MemberData(nameof(Activations))]
    public void Activation_derivatives_match_finite_differences(string name)
    {
        var shape = Shape.Image(2, 3, 5);
        ILayer<double> layer = name switch
        {
            "relu" => new ReLULayer<double>(shape),
            "leaky" => new LeakyReLULayer<double>(shape, 0.2),
            "tanh" => new TanhLayer<double>(shape),
            _ => new SigmoidLayer<double>(shape),
        };
        new LayerChecker(layer, batch: 4, seed: name.Length).CheckAll(inputScale: 2);
    }

    [Fact]
    public void Flatten_derivatives_match_finite_differences() =>
        new LayerChecker(new FlattenLayer<double>(Shape.Image(3, 2, 4)), batch: 2, seed: 5).CheckAll();

    [Fact]
    public void Dense_forward_matches_a_naive_loop()
    {
        var layer = new DenseLayer<double>(3, 2);
        double[] theta = [1, 2, 3, 4, 5, 6, 0.5, -0.5]; // W = [[1,2,3],[4,5,6]], b = [0.5, -0.5]
        double[] x = [1, 0, -1, 2, 1, 0];
        var y = new double[4];
        layer.Forward(new ForwardPass<double> { Batch = 2, Parameters = theta, Input = x, Output = y });
        Assert.Equal([1 - 3 + 0.5, 4 - 6 - 0.5, 2 + 2 + 0.5, 8 + 5 - 0.5], y);
    }

    [Fact]
    public void Initialization_follows_pytorch_bounds()
    {
        var layer = new DenseLayer<double>(16, 8);
        var theta = new double[layer.ParameterCount];
        layer.Initialize(theta, new Random(1));
        double bound = 1 / Math.Sqrt(16);
        Assert.All(theta, v => Assert.InRange(Math.Abs(v), 0, bound));
        Assert.True(theta.Max() > 0.8 * bound && theta.Min() < -0.8 * bound, "values should fill the interval");
    }
}
