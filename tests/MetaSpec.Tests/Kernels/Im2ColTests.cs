using MetaSpec.Kernels;
using static MetaSpec.Tests.Support.Assertions;

namespace MetaSpec.Tests.Kernels;

public class Im2ColTests
{
    // (channels, height, width, kernel, stride, padding): stride 1 and 2, padding 0–2, a kernel larger than the
    // unpadded image, a 1×1 kernel, strides that skip the last rows (floor mode), and "same" padding (stride 1,
    // 2p = k − 1), which has its own path, including a window offset wider than the image; and the stride-2 "same"
    // convolutions of a strided Conv-4 (28 → 14 → 7 → 4 → 2).
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
        { 3, 14, 14, 3, 2, 1 },
        { 2, 7, 7, 3, 2, 1 },
        { 2, 4, 4, 3, 2, 1 },
        { 2, 2, 2, 3, 2, 1 },
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

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Padded_unfold_and_fold_match_the_defining_formulas(int channels, int height, int width, int kernel, int stride, int padding)
    {
        // The offset-table path (strided convolutions), in float and double, with the gather instructions and without.
        var g = new ConvolutionGeometry(channels, height, width, kernel, stride, padding);
        var offsets = PaddedIm2Col.WindowOffsets(g);
        var image = RandomVector(new Random(6), g.ImageSize);
        int offset = 3, ld = g.OutputPositions + 7;
        int length = (g.PatchSize - 1) * ld + offset + g.OutputPositions;
        foreach (bool vectorized in new[] { true, false })
        {
            var columns = new double[length];
            Array.Fill(columns, double.NaN);
            var padded = RandomVector(new Random(7), PaddedIm2Col.PaddedSize(g)); // garbage the call must overwrite
            PaddedIm2Col.Unfold(g, offsets, image, padded, columns.AsSpan(offset), ld, vectorized);
            var single = new float[length];
            Array.Fill(single, float.NaN);
            PaddedIm2Col.Unfold(g, offsets, image.Select(v => (float)v).ToArray(), new float[padded.Length], single.AsSpan(offset), ld, vectorized);
            for (int r = 0; r < g.PatchSize; r++)
                for (int col = 0; col < ld && r * ld + col < length; col++)
                {
                    int j = col - offset;
                    if (j >= 0 && j < g.OutputPositions)
                    {
                        Assert.Equal(NaiveEntry(g, image, r, j), columns[r * ld + col]);
                        Assert.Equal((float)NaiveEntry(g, image, r, j), single[r * ld + col]);
                    }
                    else
                    {
                        Assert.True(double.IsNaN(columns[r * ld + col]) && float.IsNaN(single[r * ld + col]), $"entry ({r}, {col}) outside the block was written");
                    }
                }
        }

        // Fold against Im2Col.Fold, which the test above checks against the formula.
        var source = RandomVector(new Random(8), (g.PatchSize - 1) * ld + g.OutputPositions);
        var expected = new double[g.ImageSize];
        Im2Col.Fold(g, (double[])source.Clone(), ld, expected);
        var actual = RandomVector(new Random(9), g.ImageSize);
        PaddedIm2Col.Fold<double>(g, offsets, source, ld, RandomVector(new Random(10), PaddedIm2Col.PaddedSize(g)), actual);
        Close(expected, actual, 1e-14, "padded col2im");
    }

    [Fact]
    public void Padded_path_rejects_a_wrong_offset_table_and_short_scratch()
    {
        var g = new ConvolutionGeometry(2, 6, 6, 3, 2, 1);
        var offsets = PaddedIm2Col.WindowOffsets(g);
        var image = new double[g.ImageSize];
        var columns = new double[g.PatchSize * g.OutputPositions];
        var padded = new double[PaddedIm2Col.PaddedSize(g)];
        var bad = (int[])offsets.Clone();
        bad[^1] += 1000;
        Assert.Contains("offset table holds", Assert.Throws<ArgumentException>(() => PaddedIm2Col.Unfold(g, bad, image, padded, columns, g.OutputPositions)).Message);
        Assert.Contains("entries", Assert.Throws<ArgumentException>(() => PaddedIm2Col.Unfold(g, offsets.AsSpan(1), image, padded, columns, g.OutputPositions)).Message);
        Assert.Contains("padded scratch", Assert.Throws<ArgumentException>(() => PaddedIm2Col.Unfold(g, offsets, image, padded.AsSpan(1), columns, g.OutputPositions)).Message);
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
