using MetaSpec.Kernels;
using static MetaSpec.Tests.Support.Assertions;

namespace MetaSpec.Tests.Kernels;

public class Im2ColTests
{
    // (channels, height, width, kernel, stride, padding): stride 1 and 2, padding 0–2, a kernel larger than the
    // unpadded image, a 1×1 kernel, strides that skip the last rows (floor mode), and "same" padding (stride 1,
    // 2p = k − 1), which has its own path, including a window offset wider than the image.
    public static TheoryData<int, int, int, int, int, int> Geometries => new()
    {
        { 2, 6, 6, 5, 1, 2 },
        { 1, 3, 1, 5, 1, 2 },
        { 3, 3, 3, 3, 1, 1 },
        { 1, 5, 5, 3, 1, 0 },
        { 2, 5, 4, 3, 1, 1 },
        { 3, 6, 7, 3, 2, 1 },
        { 2, 4, 4, 2, 2, 0 },
        { 1, 3, 3, 3, 1, 2 },
        { 2, 5, 5, 1, 1, 0 },
        { 1, 2, 2, 3, 1, 1 },
        { 1, 4, 5, 3, 3, 2 },
    };

    /// <summary>The defining formula, one entry at a time.</summary>
    private static double NaiveEntry(ConvolutionGeometry g, double[] image, int row, int column)
    {
        int k = g.KernelSize;
        int c = row / (k * k), i = row / k % k, j = row % k;
        int oh = column / g.OutputWidth, ow = column % g.OutputWidth;
        int h = oh * g.Stride - g.Padding + i, w = ow * g.Stride - g.Padding + j;
        return h < 0 || h >= g.Height || w < 0 || w >= g.Width ? 0 : image[(c * g.Height + h) * g.Width + w];
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Unfold_matches_the_defining_formula_inside_a_wider_matrix(int channels, int height, int width, int kernel, int stride, int padding)
    {
        var g = new ConvolutionGeometry(channels, height, width, kernel, stride, padding);
        var image = RandomVector(new Random(1), g.ImageSize);
        // Write at column offset 3 of a matrix 7 columns wider than needed, as a grouped product does; the rest must stay untouched.
        int offset = 3, ld = g.OutputPositions + 7;
        var columns = new double[(g.PatchSize - 1) * ld + offset + g.OutputPositions];
        Array.Fill(columns, double.NaN);
        Im2Col.Unfold(g, image, columns.AsSpan(offset), ld);
        for (int r = 0; r < g.PatchSize; r++)
            for (int col = 0; col < ld && r * ld + col < columns.Length; col++)
            {
                int j = col - offset;
                double actual = columns[r * ld + col];
                if (j >= 0 && j < g.OutputPositions) Assert.Equal(NaiveEntry(g, image, r, j), actual);
                else Assert.True(double.IsNaN(actual), $"entry ({r}, {col}) outside the block was written");
            }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Fold_sums_every_column_entry_back_onto_its_pixel(int channels, int height, int width, int kernel, int stride, int padding)
    {
        var g = new ConvolutionGeometry(channels, height, width, kernel, stride, padding);
        int ld = g.OutputPositions + 2;
        var columns = RandomVector(new Random(2), (g.PatchSize - 1) * ld + g.OutputPositions);
        var expected = new double[g.ImageSize];
        int k = g.KernelSize;
        for (int r = 0; r < g.PatchSize; r++)
            for (int col = 0; col < g.OutputPositions; col++)
            {
                int c = r / (k * k), i = r / k % k, j = r % k;
                int h = col / g.OutputWidth * g.Stride - g.Padding + i, w = col % g.OutputWidth * g.Stride - g.Padding + j;
                if (h >= 0 && h < g.Height && w >= 0 && w < g.Width) expected[(c * g.Height + h) * g.Width + w] += columns[r * ld + col];
            }
        var image = RandomVector(new Random(3), g.ImageSize); // garbage that Fold must overwrite
        Im2Col.Fold(g, columns, ld, image);
        Close(expected, image, 1e-14, "col2im");

        // Fold is the adjoint of Unfold: ⟨Unfold(x), X⟩ = ⟨x, Fold(X)⟩.
        var x = RandomVector(new Random(4), g.ImageSize);
        var unfolded = new double[columns.Length];
        Im2Col.Unfold(g, x, unfolded, ld);
        double lhs = 0;
        for (int r = 0; r < g.PatchSize; r++)
            for (int col = 0; col < g.OutputPositions; col++) lhs += unfolded[r * ld + col] * columns[r * ld + col];
        Close(lhs, Dot(x, image), 1e-12, "⟨Unfold(x), X⟩ = ⟨x, Fold(X)⟩");
    }

    [Fact]
    public void Float_unfold_equals_double_unfold()
    {
        var g = new ConvolutionGeometry(3, 9, 10, 3, 2, 1);
        var image = RandomVector(new Random(5), g.ImageSize);
        var expected = new double[g.PatchSize * g.OutputPositions];
        var actual = new float[expected.Length];
        Im2Col.Unfold(g, image, expected, g.OutputPositions);
        Im2Col.Unfold(g, image.Select(v => (float)v).ToArray(), actual, g.OutputPositions);
        Assert.Equal(expected.Select(v => (float)v), actual);
    }

    [Fact]
    public void Short_spans_and_a_narrow_leading_dimension_are_rejected()
    {
        var g = new ConvolutionGeometry(2, 4, 4, 3, 1, 1);
        var image = new double[g.ImageSize];
        var columns = new double[g.PatchSize * g.OutputPositions];
        Assert.Contains("image span", Assert.Throws<ArgumentException>(() => Im2Col.Unfold(g, image.AsSpan(1), columns, g.OutputPositions)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Im2Col.Unfold(g, image, columns, g.OutputPositions - 1));
        Assert.Contains("needs", Assert.Throws<ArgumentException>(() => Im2Col.Fold<double>(g, columns.AsSpan(1), g.OutputPositions, image)).Message);
        Assert.Throws<ArgumentException>(() => new ConvolutionGeometry(1, 2, 2, 5, 1, 1));
    }
}
