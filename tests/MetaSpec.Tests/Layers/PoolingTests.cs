using MetaSpec.Layers;
using MetaSpec.Tests.Support;
using static MetaSpec.Tests.Support.Assertions;

namespace MetaSpec.Tests.Layers;

public class PoolingTests
{
    // (batch, channels, height, width, kernel, stride): tiling windows, overlapping windows, floor mode dropping a row.
    public static TheoryData<int, int, int, int, int, int> Configurations => new()
    {
        { 1, 1, 4, 4, 2, 2 },
        { 3, 2, 6, 4, 2, 2 },
        { 3, 2, 5, 5, 3, 1 },
        { 2, 3, 7, 6, 3, 2 },
        { 1, 2, 5, 5, 2, 2 },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Derivatives_match_finite_differences(int batch, int channels, int height, int width, int kernel, int stride) =>
        new LayerChecker(new MaxPool2dLayer<double>(Shape.Image(channels, height, width), kernel, stride), batch, seed: height * width + kernel)
            .CheckAll();

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Forward_matches_a_naive_loop(int batch, int channels, int height, int width, int kernel, int stride)
    {
        var input = Shape.Image(channels, height, width);
        var layer = new MaxPool2dLayer<double>(input, kernel, stride);
        var output = layer.OutputShape;
        Assert.Equal(Shape.Image(channels, (height - kernel) / stride + 1, (width - kernel) / stride + 1), output);
        var x = RandomVector(new Random(7), batch * input.Size);
        var y = new double[batch * output.Size];
        layer.Forward(new ForwardPass<double> { Batch = batch, Input = x, Output = y, State = new double[layer.StateLength(batch)] });
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
                for (int oh = 0; oh < output.Height; oh++)
                    for (int ow = 0; ow < output.Width; ow++)
                    {
                        double max = double.NegativeInfinity;
                        for (int i = 0; i < kernel; i++)
                            for (int j = 0; j < kernel; j++)
                                max = Math.Max(max, x[((b * channels + c) * height + oh * stride + i) * width + ow * stride + j]);
                        Assert.Equal(max, y[((b * channels + c) * output.Height + oh) * output.Width + ow]);
                    }
    }

    [Fact]
    public void Ties_route_the_gradient_to_the_first_maximum()
    {
        var layer = new MaxPool2dLayer<double>(Shape.Image(1, 2, 4), 2);
        // Window 0 = {1, 3, 3, 3} (max 3 first at index 1); window 1 = {2, 2, 2, 2} (first at index 2).
        double[] x = [1, 3, 2, 2,
                      3, 3, 2, 2];
        var y = new double[2];
        var state = new double[layer.StateLength(1)];
        layer.Forward(new ForwardPass<double> { Batch = 1, Input = x, Output = y, State = state });
        Assert.Equal([3.0, 2.0], y);
        var dx = new double[8];
        layer.Backward(new BackwardPass<double> { Batch = 1, Input = x, Output = y, State = state, OutputGradient = [10.0, 20.0], InputGradient = dx });
        Assert.Equal([0, 10, 20, 0, 0, 0, 0, 0], dx);
        var yDot = new double[2];
        layer.ForwardTangent(new ForwardTangentPass<double> { Batch = 1, Input = x, InputTangent = [0, 1, 2, 3, 4, 5, 6, 7], Output = y, State = state, OutputTangent = yDot });
        Assert.Equal([1.0, 2.0], yDot);
    }

    [Fact]
    public void Overlapping_windows_sharing_a_maximum_sum_their_gradients()
    {
        var layer = new MaxPool2dLayer<double>(Shape.Image(1, 3, 3), 2, 1); // four windows, all containing the centre
        double[] x = [0, 0, 0, 0, 9, 0, 0, 0, 0];
        var y = new double[4];
        var state = new double[layer.StateLength(1)];
        layer.Forward(new ForwardPass<double> { Batch = 1, Input = x, Output = y, State = state });
        var dx = new double[9];
        layer.Backward(new BackwardPass<double> { Batch = 1, Input = x, Output = y, State = state, OutputGradient = [1.0, 2.0, 3.0, 4.0], InputGradient = dx });
        Assert.Equal([0, 0, 0, 0, 10, 0, 0, 0, 0], dx);
    }

    [Fact]
    public void Stride_defaults_to_the_kernel_size()
    {
        var layer = new MaxPool2dLayer<float>(Shape.Image(64, 28, 28), 2);
        Assert.Equal(2, layer.Stride);
        Assert.Equal(Shape.Image(64, 14, 14), layer.OutputShape);
        Assert.Equal(Shape.Image(64, 3, 3), new MaxPool2dLayer<float>(Shape.Image(64, 7, 7), 2).OutputShape);
        Assert.Equal(0, layer.ParameterCount);
    }

    [Fact]
    public void Float_routes_like_double()
    {
        // The argmax indices live as ints inside the float state buffer; routing must match the double layer's.
        var input = Shape.Image(3, 6, 7);
        int batch = 2;
        var d = new MaxPool2dLayer<double>(input, 3, 2);
        var f = new MaxPool2dLayer<float>(input, 3, 2);
        var x = RandomVector(new Random(4), batch * input.Size).Select(v => (double)(float)v).ToArray();
        var dy = RandomVector(new Random(5), batch * d.OutputShape.Size).Select(v => (double)(float)v).ToArray();
        var (yd, sd, dxd) = (new double[dy.Length], new double[d.StateLength(batch)], new double[x.Length]);
        var (yf, sf, dxf) = (new float[dy.Length], new float[f.StateLength(batch)], new float[x.Length]);
        d.Forward(new ForwardPass<double> { Batch = batch, Input = x, Output = yd, State = sd });
        d.Backward(new BackwardPass<double> { Batch = batch, Input = x, Output = yd, State = sd, OutputGradient = dy, InputGradient = dxd });
        var xf = x.Select(v => (float)v).ToArray();
        f.Forward(new ForwardPass<float> { Batch = batch, Input = xf, Output = yf, State = sf });
        f.Backward(new BackwardPass<float> { Batch = batch, Input = xf, Output = yf, State = sf, OutputGradient = dy.Select(v => (float)v).ToArray(), InputGradient = dxf });
        Assert.Equal(yd, yf.Select(v => (double)v));
        // Overlapping windows sum several ȳ into one x̄, so float rounding may differ in the last bit; zeros must match exactly.
        Close(dxd, dxf.Select(v => (double)v).ToArray(), 1e-6, "x̄");
        Assert.Equal(dxd.Select(v => v == 0), dxf.Select(v => v == 0));
    }

    [Theory]
    [InlineData(20, 18)] // 10 and 9 windows per row: one 8-window AVX2 step, then the scalar tail
    [InlineData(28, 28)] // the Conv-4's first block: 14 per row
    [InlineData(7, 17)]  // odd sizes: the last row and column belong to no window
    public void Float_2x2_pooling_matches_a_scalar_double_loop_with_ties(int height, int width)
    {
        // Values from a small set, so windows often tie: the first maximum in row-major order must win, as in PyTorch.
        var input = Shape.Image(3, height, width);
        int batch = 2;
        var layer = new MaxPool2dLayer<float>(input, 2, 2);
        var random = new Random(height * width);
        var x = Enumerable.Range(0, batch * input.Size).Select(_ => (float)random.Next(-3, 4)).ToArray();
        var y = new float[batch * layer.OutputShape.Size];
        var state = new float[layer.StateLength(batch)];
        layer.Forward(new ForwardPass<float> { Batch = batch, Input = x, Output = y, State = state });
        var dy = Enumerable.Range(0, y.Length).Select(i => (float)(i + 1)).ToArray();
        var dx = new float[x.Length];
        layer.Backward(new BackwardPass<float> { Batch = batch, Input = x, Output = y, State = state, OutputGradient = dy, InputGradient = dx });

        int outH = height / 2, outW = width / 2, o = 0;
        var expectedDx = new double[x.Length];
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < 3; c++)
                for (int oh = 0; oh < outH; oh++)
                    for (int ow = 0; ow < outW; ow++, o++)
                    {
                        int best = -1;
                        double bestValue = double.NegativeInfinity;
                        for (int i = 0; i < 2; i++)
                            for (int j = 0; j < 2; j++)
                            {
                                int at = b * input.Size + (c * height + 2 * oh + i) * width + 2 * ow + j;
                                if (x[at] > bestValue) (best, bestValue) = (at, x[at]);
                            }
                        Assert.Equal(bestValue, y[o]);
                        expectedDx[best] += dy[o];
                    }
        Assert.Equal(expectedDx, dx.Select(v => (double)v));
    }

    [Fact]
    public void Constructor_errors_name_the_shapes()
    {
        var tooBig = Assert.Throws<ArgumentException>(() => new MaxPool2dLayer<double>(Shape.Image(2, 3, 5), 4));
        Assert.Contains("[2, 3, 5]", tooBig.Message);
        Assert.Contains("4×4", tooBig.Message);
        Assert.Contains("[8]", Assert.Throws<ArgumentException>(() => new MaxPool2dLayer<double>(Shape.Vector(8), 2)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPool2dLayer<double>(Shape.Image(1, 4, 4), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPool2dLayer<double>(Shape.Image(1, 4, 4), 2, 0));
    }
}
