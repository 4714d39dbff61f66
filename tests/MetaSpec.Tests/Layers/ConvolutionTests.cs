using MetaSpec.Layers;
using MetaSpec.Tests.Support;
using static MetaSpec.Tests.Support.Assertions;

namespace MetaSpec.Tests.Layers;

public class ConvolutionTests
{
    // (batch, channels, size, filters, kernel, stride, padding)
    public static TheoryData<int, int, int, int, int, int, int> Configurations => new()
    {
        { 1, 1, 5, 2, 3, 1, 0 },
        { 3, 2, 5, 3, 3, 1, 1 },
        { 3, 2, 6, 2, 3, 2, 1 },
        { 1, 3, 5, 2, 2, 2, 0 },
        { 2, 2, 4, 3, 1, 1, 0 },
        { 2, 3, 9, 4, 3, 2, 1 },  // Finn et al.'s Omniglot block: stride 2, padding 1, odd plane (9 → 5)
        { 2, 2, 8, 3, 3, 2, 1 },  // 16 positions: whole gather vectors in float and double
        { 3, 4, 3, 5, 3, 1, 1 },  // a Conv-4's last block: a 3×3 plane with "same" padding takes the gather too
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Derivatives_match_finite_differences(int batch, int channels, int size, int filters, int kernel, int stride, int padding) =>
        new LayerChecker(new Conv2dLayer<double>(Shape.Image(channels, size, size), filters, kernel, stride, padding), batch, seed: 31 * size + kernel)
            .CheckAll();

    [Theory]
    [InlineData(1)]   // one product per sample
    [InlineData(40)]  // two samples per product: a batch of 3 leaves a partial last group
    public void Derivatives_match_finite_differences_for_every_grouping(int columnsPerProduct)
    {
        // 5×5 output = 25 columns per sample.
        var layer = new Conv2dLayer<double>(Shape.Image(2, 5, 5), 3, 3, padding: 1) { ColumnsPerProduct = columnsPerProduct };
        new LayerChecker(layer, batch: 3, seed: columnsPerProduct).CheckAll();
    }

    /// <summary>y[b, f, oh, ow] = bias[f] + Σ weight[f, c, i, j]·x[b, c, oh·s − p + i, ow·s − p + j], zero padding.</summary>
    private static double[] NaiveConvolution(int batch, Shape input, Conv2dLayer<double> layer, double[] theta, double[] x)
    {
        int k = layer.KernelSize, s = layer.Stride, p = layer.Padding;
        var output = layer.OutputShape;
        int filters = output.Channels, channels = input.Channels;
        var y = new double[batch * output.Size];
        for (int b = 0; b < batch; b++)
            for (int f = 0; f < filters; f++)
                for (int oh = 0; oh < output.Height; oh++)
                    for (int ow = 0; ow < output.Width; ow++)
                    {
                        double sum = theta[filters * channels * k * k + f];
                        for (int c = 0; c < channels; c++)
                            for (int i = 0; i < k; i++)
                                for (int j = 0; j < k; j++)
                                {
                                    int h = oh * s - p + i, w = ow * s - p + j;
                                    if (h < 0 || h >= input.Height || w < 0 || w >= input.Width) continue;
                                    sum += theta[((f * channels + c) * k + i) * k + j] * x[((b * channels + c) * input.Height + h) * input.Width + w];
                                }
                        y[((b * filters + f) * output.Height + oh) * output.Width + ow] = sum;
                    }
        return y;
    }

    [Theory]
    [InlineData(1, 1, 6, 7, 2, 3, 1, 0, 1024)]
    [InlineData(3, 3, 7, 6, 4, 3, 2, 1, 1024)]
    [InlineData(3, 3, 7, 6, 4, 3, 2, 1, 1)]
    [InlineData(5, 2, 5, 5, 3, 3, 1, 1, 50)]
    [InlineData(2, 2, 4, 4, 2, 4, 1, 2, 1024)]
    public void Forward_matches_a_naive_loop(int batch, int channels, int height, int width, int filters, int kernel, int stride, int padding, int columnsPerProduct)
    {
        var input = Shape.Image(channels, height, width);
        var layer = new Conv2dLayer<double>(input, filters, kernel, stride, padding) { ColumnsPerProduct = columnsPerProduct };
        var random = new Random(height * width);
        var theta = RandomVector(random, layer.ParameterCount);
        var x = RandomVector(random, batch * input.Size);
        var y = new double[batch * layer.OutputShape.Size];
        layer.Forward(new ForwardPass<double> { Batch = batch, Parameters = theta, Input = x, Output = y, Scratch = new double[layer.ScratchLength(batch)] });
        Close(NaiveConvolution(batch, input, layer, theta, x), y, 1e-13, "convolution");
    }

    [Fact]
    public void Output_shape_and_parameters_follow_pytorch()
    {
        var layer = new Conv2dLayer<double>(Shape.Image(3, 28, 28), 64, 3, stride: 2, padding: 1);
        Assert.Equal(Shape.Image(64, 14, 14), layer.OutputShape);
        Assert.Equal(64 * 3 * 9 + 64, layer.ParameterCount);
        Assert.Collection(layer.ParameterTensors,
            w => { Assert.Equal("weight", w.Name); Assert.Equal(0, w.Offset); Assert.Equal([64, 3, 3, 3], w.Dimensions); },
            b => { Assert.Equal("bias", b.Name); Assert.Equal(64 * 27, b.Offset); Assert.Equal([64], b.Dimensions); });
        Assert.Equal(Shape.Image(8, 3, 3), new Conv2dLayer<double>(Shape.Image(1, 7, 7), 8, 3, stride: 2).OutputShape); // ⌊(7 − 3)/2⌋ + 1
    }

    [Fact]
    public void Initialization_is_kaiming_uniform_with_fan_in_of_one_window()
    {
        var layer = new Conv2dLayer<double>(Shape.Image(4, 6, 6), 8, 3);
        var theta = new double[layer.ParameterCount];
        layer.Initialize(theta, new Random(3));
        double bound = 1 / Math.Sqrt(4 * 9);
        Assert.All(theta, v => Assert.InRange(Math.Abs(v), 0, bound));
        Assert.True(theta.Max() > 0.8 * bound && theta.Min() < -0.8 * bound, "values should fill the interval");
        var bias = theta.AsSpan(8 * 36).ToArray();
        Assert.Contains(bias, v => v != 0);
    }

    [Fact]
    public void Constructor_errors_name_the_shapes()
    {
        var tooBig = Assert.Throws<ArgumentException>(() => new Conv2dLayer<double>(Shape.Image(2, 4, 5), 3, kernelSize: 6, padding: 0));
        Assert.Contains("[3, 2, 6, 6]", tooBig.Message);
        Assert.Contains("[2, 4, 5]", tooBig.Message);
        // The same kernel fits once padding makes the plane 6×7.
        Assert.Equal(Shape.Image(3, 1, 2), new Conv2dLayer<double>(Shape.Image(2, 4, 5), 3, kernelSize: 6, padding: 1).OutputShape);

        var noFilters = Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2dLayer<double>(Shape.Image(2, 4, 4), 0, 3));
        Assert.Contains("[2, 4, 4]", noFilters.Message);
        var vector = Assert.Throws<ArgumentException>(() => new Conv2dLayer<double>(Shape.Vector(16), 4, 3));
        Assert.Contains("[16]", vector.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2dLayer<double>(Shape.Image(1, 4, 4), 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2dLayer<double>(Shape.Image(1, 4, 4), 2, 3, stride: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2dLayer<double>(Shape.Image(1, 4, 4), 2, 3, padding: -1));
    }

    [Theory]
    [InlineData(1)] // same padding: Im2Col's plane copies
    [InlineData(2)] // strided: PaddedIm2Col's gathers
    public void Float_matches_double(int stride)
    {
        var input = Shape.Image(3, 6, 6);
        var d = new Conv2dLayer<double>(input, 4, 3, stride, padding: 1);
        var f = new Conv2dLayer<float>(input, 4, 3, stride, padding: 1);
        int batch = 2;
        var random = new Random(9);
        var theta = RandomVector(random, d.ParameterCount);
        var x = RandomVector(random, batch * input.Size);
        var dy = RandomVector(random, batch * d.OutputShape.Size);
        var (yd, dxd, dtd) = (new double[dy.Length], new double[x.Length], new double[theta.Length]);
        var (yf, dxf, dtf) = (new float[dy.Length], new float[x.Length], new float[theta.Length]);
        d.Forward(new ForwardPass<double> { Batch = batch, Parameters = theta, Input = x, Output = yd, Scratch = new double[d.ScratchLength(batch)] });
        d.Backward(new BackwardPass<double> { Batch = batch, Parameters = theta, Input = x, Output = yd, OutputGradient = dy, InputGradient = dxd, ParameterGradient = dtd, Scratch = new double[d.ScratchLength(batch)] });
        float[] F(double[] v) => v.Select(e => (float)e).ToArray();
        f.Forward(new ForwardPass<float> { Batch = batch, Parameters = F(theta), Input = F(x), Output = yf, Scratch = new float[f.ScratchLength(batch)] });
        f.Backward(new BackwardPass<float> { Batch = batch, Parameters = F(theta), Input = F(x), Output = yf, OutputGradient = F(dy), InputGradient = dxf, ParameterGradient = dtf, Scratch = new float[f.ScratchLength(batch)] });
        double[] D(float[] v) => v.Select(e => (double)e).ToArray();
        Close(yd, D(yf), 1e-5, "y");
        Close(dxd, D(dxf), 1e-5, "x̄");
        Close(dtd, D(dtf), 1e-5, "θ̄");
    }
}
