using MetaSpec.Layers;
using MetaSpec.Tests.Support;
using static MetaSpec.Tests.Support.Assertions;

namespace MetaSpec.Tests.Layers;

public class BatchNormTests
{
    // (batch, channels, height, width): one sample with a spatial plane, several samples, one value per sample.
    public static TheoryData<int, int, int, int> Configurations => new()
    {
        { 1, 2, 3, 3 },
        { 4, 3, 2, 2 },
        { 3, 2, 1, 1 },
        { 2, 1, 4, 5 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Derivatives_match_finite_differences(int batch, int channels, int height, int width) =>
        new LayerChecker(new BatchNorm2dLayer<double>(Shape.Image(channels, height, width)), batch, seed: 17 * batch + height).CheckAll();

    [Fact]
    public void Derivatives_match_finite_differences_for_offset_inputs_and_a_large_epsilon()
    {
        // A mean far from zero checks the centring; a large ε keeps s away from 1/σ so ε's place in s matters.
        var layer = new BatchNorm2dLayer<double>(Shape.Image(2, 3, 2), epsilon: 0.5);
        var checker = new LayerChecker(layer, batch: 3, seed: 4);
        var x = RandomVector(new Random(8), 3 * 12).Select(v => 3 * v + 5).ToArray();
        checker.CheckAll(x: x);
    }

    [Fact]
    public void Normalised_channels_have_mean_zero_and_unit_variance()
    {
        var input = Shape.Image(3, 4, 5);
        var layer = new BatchNorm2dLayer<double>(input);
        int batch = 4;
        var theta = new double[layer.ParameterCount];
        layer.Initialize(theta, new Random(1));
        Assert.Equal([1.0, 1, 1, 0, 0, 0], theta);
        var random = new Random(2);
        var x = RandomVector(random, batch * input.Size).Select((v, i) => 10 * v + i % 7).ToArray();
        var y = new double[x.Length];
        layer.Forward(new ForwardPass<double> { Batch = batch, Parameters = theta, Input = x, Output = y, State = new double[layer.StateLength(batch)] });
        for (int c = 0; c < 3; c++)
        {
            var xs = ChannelValues(x, batch, input, c);
            var ys = ChannelValues(y, batch, input, c);
            double variance = xs.Select(v => (v - xs.Average()) * (v - xs.Average())).Average();
            Assert.Equal(0, ys.Average(), 12);
            // Biased variance of x̂ = σ²/(σ² + ε): just under 1.
            Assert.Equal(variance / (variance + 1e-5), ys.Select(v => v * v).Average(), 12);
        }
    }

    private static double[] ChannelValues(double[] values, int batch, Shape shape, int c)
    {
        int plane = shape.Height * shape.Width;
        return Enumerable.Range(0, batch).SelectMany(b => values.Skip((b * shape.Channels + c) * plane).Take(plane)).ToArray();
    }

    [Fact]
    public void Forward_matches_hand_computed_values()
    {
        // One channel, two samples of 1×2: x = {1, 3, 5, 7}, μ = 4, σ² = (9 + 1 + 1 + 9)/4 = 5.
        var layer = new BatchNorm2dLayer<double>(Shape.Image(1, 1, 2), epsilon: 1e-3);
        double[] theta = [2.0, 0.5];
        double[] x = [1, 3, 5, 7];
        var y = new double[4];
        var state = new double[layer.StateLength(2)];
        layer.Forward(new ForwardPass<double> { Batch = 2, Parameters = theta, Input = x, Output = y, State = state });
        double s = 1 / Math.Sqrt(5 + 1e-3);
        Close([2 * -3 * s + 0.5, 2 * -1 * s + 0.5, 2 * 1 * s + 0.5, 2 * 3 * s + 0.5], y, 1e-15, "y");
        Close([4.0, s], state, 1e-15, "state (μ, s)");
    }

    [Fact]
    public void A_single_value_per_channel_is_rejected()
    {
        var layer = new BatchNorm2dLayer<double>(Shape.Image(2, 1, 1));
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(new ForwardPass<double> { Batch = 1, Parameters = [1.0, 1, 0, 0], Input = [1.0, 2], Output = new double[2], State = new double[4] }));
        Assert.Contains("[2, 1, 1]", error.Message);
        Assert.Contains("[4]", Assert.Throws<ArgumentException>(() => new BatchNorm2dLayer<double>(Shape.Vector(4))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchNorm2dLayer<double>(Shape.Image(2, 2, 2), epsilon: 0));
    }

    [Fact]
    public void Float_matches_double()
    {
        var input = Shape.Image(3, 5, 5);
        int batch = 3;
        var d = new BatchNorm2dLayer<double>(input);
        var f = new BatchNorm2dLayer<float>(input);
        var random = new Random(6);
        var theta = RandomVector(random, d.ParameterCount).Select(v => v + 1).ToArray();
        var x = RandomVector(random, batch * input.Size).Select(v => 2 * v + 3).ToArray();
        var dy = RandomVector(random, x.Length);
        var (yd, sd, dxd, dtd) = (new double[x.Length], new double[d.StateLength(batch)], new double[x.Length], new double[theta.Length]);
        var (yf, sf, dxf, dtf) = (new float[x.Length], new float[f.StateLength(batch)], new float[x.Length], new float[theta.Length]);
        float[] F(double[] v) => v.Select(e => (float)e).ToArray();
        double[] D(float[] v) => v.Select(e => (double)e).ToArray();
        d.Forward(new ForwardPass<double> { Batch = batch, Parameters = theta, Input = x, Output = yd, State = sd });
        d.Backward(new BackwardPass<double> { Batch = batch, Parameters = theta, Input = x, Output = yd, State = sd, OutputGradient = dy, InputGradient = dxd, ParameterGradient = dtd });
        f.Forward(new ForwardPass<float> { Batch = batch, Parameters = F(theta), Input = F(x), Output = yf, State = sf });
        f.Backward(new BackwardPass<float> { Batch = batch, Parameters = F(theta), Input = F(x), Output = yf, State = sf, OutputGradient = F(dy), InputGradient = dxf, ParameterGradient = dtf });
        Close(yd, D(yf), 1e-5, "y");
        Close(dxd, D(dxf), 1e-5, "x̄");
        Close(dtd, D(dtf), 1e-5, "θ̄");
    }
}
