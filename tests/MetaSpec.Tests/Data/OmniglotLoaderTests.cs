using MetaSpec.Datasets;

namespace MetaSpec.Tests.Data;

/// <summary>The Omniglot loader on small archives written here, in the layout of the real files.</summary>
public sealed class OmniglotLoaderTests : IDisposable
{
    private const int Characters = 3, Drawings = 2, Side = 6;
    private readonly ScratchFolder folder = new();

    public void Dispose() => folder.Dispose();

    private string ArchivePath => folder.File("images_background.npz");

    /// <summary>
    /// Drawing d of row r has its first r·Drawings + d + 1 pixels (row-major) inked (byte 0) and the rest
    /// paper (255), so its ink count identifies it. Row r is labelled (r + 1) mod Characters.
    /// </summary>
    private static byte[] ImageBytes()
    {
        var bytes = new byte[Characters * Drawings * Side * Side];
        for (int image = 0; image < Characters * Drawings; image++)
            for (int p = 0; p < Side * Side; p++)
                bytes[image * Side * Side + p] = p <= image ? (byte)0 : (byte)255;
        return bytes;
    }

    private static byte[] ImagesNpy(string descr = "|b1", long[]? shape = null, byte[]? data = null) =>
        DataFiles.Npy(descr, shape ?? [Characters, Drawings, Side, Side], data ?? ImageBytes());

    private static byte[] LabelsNpy(string descr = "<i8", long[]? shape = null, long[]? labels = null) =>
        DataFiles.Npy(descr, shape ?? [Characters, Drawings],
            DataFiles.Int64Data(labels ?? Enumerable.Range(0, Characters * Drawings).Select(i => (long)((i / Drawings + 1) % Characters))));

    private void WriteArchive(byte[]? images = null, byte[]? labels = null) =>
        DataFiles.WriteZip(ArchivePath, ("images.npy", images ?? ImagesNpy()), ("labels.npy", labels ?? LabelsNpy()));

    [Fact]
    public void At_full_size_pixels_are_inverted_ink_and_classes_follow_the_labels()
    {
        WriteArchive();
        LabeledImages images = Omniglot.Load(folder.Path, OmniglotSplit.Background, imageSize: Side);
        Assert.Equal((Characters, Side, Side, Characters * Drawings), (images.ClassCount, images.Height, images.Width, images.StoredImageCount));
        var pixels = new float[Side * Side];
        for (int row = 0; row < Characters; row++)
        {
            int classId = (row + 1) % Characters;
            Assert.Equal(Drawings, images.ImageCountOf(classId));
            for (int d = 0; d < Drawings; d++)
            {
                images.CopyImage(classId, d, pixels.AsSpan());
                int image = row * Drawings + d;
                for (int p = 0; p < pixels.Length; p++) Assert.Equal(p <= image ? 1f : 0f, pixels[p]);
            }
        }
    }

    [Fact]
    public void Halving_averages_two_by_two_blocks()
    {
        WriteArchive();
        LabeledImages images = Omniglot.Load(folder.Path, OmniglotSplit.Background, imageSize: Side / 2);
        var pixels = new float[9];
        images.CopyImage(1, 1, pixels.AsSpan()); // row 0, drawing 1: pixels 0 and 1 inked, both in the top-left block
        Assert.Equal([0.5f, 0, 0, 0, 0, 0, 0, 0, 0], pixels);
        images.CopyImage(2, 1, pixels.AsSpan()); // row 1, drawing 1: pixels 0..3 inked: top row of blocks 0 and 1
        Assert.Equal([0.5f, 0.5f, 0, 0, 0, 0, 0, 0, 0], pixels);
    }

    [Theory]
    [InlineData(4)]  // 1.5 source pixels per target pixel
    [InlineData(5)]  // 1.2
    [InlineData(9)]  // enlarging: 2/3
    public void Fractional_resizing_preserves_the_total_ink(int imageSize)
    {
        // An image with scattered ink, so fractional edge weights are exercised everywhere.
        byte[] data = ImageBytes();
        for (int p = 0; p < data.Length; p++) data[p] = (p * 7 + p / 5) % 3 == 0 ? (byte)0 : (byte)255;
        WriteArchive(images: ImagesNpy(data: data));
        LabeledImages images = Omniglot.Load(folder.Path, OmniglotSplit.Background, imageSize);
        var pixels = new float[imageSize * imageSize];
        double area = (double)Side * Side / (imageSize * imageSize);
        for (int image = 0; image < Characters * Drawings; image++)
        {
            int row = image / Drawings;
            images.CopyImage((row + 1) % Characters, image % Drawings, pixels.AsSpan());
            int ink = data.AsSpan(image * Side * Side, Side * Side).Count((byte)0);
            Assert.Equal(ink, pixels.Sum(v => (double)v) * area, 4);
            Assert.All(pixels, v => Assert.InRange(v, 0f, 1f));
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(9)]
    public void Resizing_matches_a_direct_area_integral(int imageSize)
    {
        byte[] data = ImageBytes();
        for (int p = 0; p < data.Length; p++) data[p] = (p * 5 + p / 7) % 4 == 0 ? (byte)0 : (byte)1; // numpy's own true = 1
        WriteArchive(images: ImagesNpy(data: data));
        LabeledImages images = Omniglot.Load(folder.Path, OmniglotSplit.Background, imageSize);
        var pixels = new double[imageSize * imageSize];
        double scale = (double)Side / imageSize;
        // Overlap, in source pixels, of target interval o with source pixel p along one axis.
        double Overlap(int o, int p) => Math.Max(0, Math.Min((o + 1) * scale, p + 1) - Math.Max(o * scale, p));
        for (int image = 0; image < Characters * Drawings; image++)
        {
            images.CopyImage((image / Drawings + 1) % Characters, image % Drawings, pixels.AsSpan());
            for (int oy = 0; oy < imageSize; oy++)
            {
                for (int ox = 0; ox < imageSize; ox++)
                {
                    double ink = 0;
                    for (int y = 0; y < Side; y++)
                        for (int x = 0; x < Side; x++)
                            if (data[image * Side * Side + y * Side + x] == 0) ink += Overlap(oy, y) * Overlap(ox, x);
                    Assert.Equal(ink / (scale * scale), pixels[oy * imageSize + ox], 6);
                }
            }
        }
    }

    [Fact]
    public void The_evaluation_split_reads_its_own_file()
    {
        DataFiles.WriteZip(folder.File("images_evaluation.npz"), ("images.npy", ImagesNpy()), ("labels.npy", LabelsNpy()));
        Assert.Equal(Characters, Omniglot.Load(folder.Path, OmniglotSplit.Evaluation, 4).ClassCount);
    }

    [Fact]
    public void A_missing_archive_names_the_path_and_where_to_get_it()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Omniglot.Load(folder.Path, OmniglotSplit.Background));
        Assert.Equal(ArchivePath, e.FileName);
        Assert.Contains(ArchivePath, e.Message);
        Assert.Contains("github.com/brendenlake/omniglot", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_zip_is_reported()
    {
        File.WriteAllBytes(ArchivePath, "this is not a zip archive"u8.ToArray());
        AssertRejected("not a readable .npz");
    }

    [Fact]
    public void A_truncated_archive_is_reported()
    {
        WriteArchive();
        byte[] bytes = File.ReadAllBytes(ArchivePath);
        File.WriteAllBytes(ArchivePath, bytes[..(bytes.Length / 2)]);
        AssertRejected("not a readable .npz");
    }

    [Fact]
    public void A_missing_array_is_reported()
    {
        DataFiles.WriteZip(ArchivePath, ("labels.npy", LabelsNpy()));
        AssertRejected("has no images.npy");
    }

    public static TheoryData<string, string, string> MalformedImages => new()
    {
        // case, problem, array named in the message
        { "bad magic", "bad magic", "images.npy" },
        { "wrong dtype", "wrong element type '<f4'", "images.npy" },
        { "wrong rank", "shape mismatch", "images.npy" },
        { "shape mismatch", "shape mismatch: images (3, 3, 6, 6) but labels (3, 2)", "images.npy" },
        { "not square", "must be square", "images.npy" },
        { "truncated data", "truncated data", "images.npy" },
        { "trailing bytes", "unexpected bytes", "images.npy" },
        { "labels dtype", "wrong element type '<f8'", "labels.npy" },
        { "labels rank", "shape mismatch", "labels.npy" },
        { "label out of range", "label 3 of character 2, drawing 1 is outside [0, 3)", "labels.npy" },
        { "labels truncated", "truncated data", "labels.npy" },
    };

    [Theory]
    [MemberData(nameof(MalformedImages))]
    public void Malformed_arrays_are_reported_naming_the_file_and_the_array(string malformation, string problem, string array)
    {
        byte[] images = ImagesNpy(), labels = LabelsNpy();
        switch (malformation)
        {
            case "bad magic": images[1] = (byte)'X'; break;
            case "wrong dtype": images = ImagesNpy(descr: "<f4", data: new byte[4 * ImageBytes().Length]); break;
            case "wrong rank": images = ImagesNpy(shape: [Characters * Drawings, Side, Side]); break;
            case "shape mismatch": images = ImagesNpy(shape: [Characters, 3, Side, Side], data: new byte[Characters * 3 * Side * Side]); break;
            case "not square": images = ImagesNpy(shape: [Characters, Drawings, Side / 2, Side * 2]); break;
            case "truncated data": images = images[..^10]; break;
            case "trailing bytes": images = [.. images, 0]; break;
            case "labels dtype": labels = LabelsNpy(descr: "<f8"); break;
            case "labels rank": labels = LabelsNpy(shape: [Characters * Drawings]); break;
            case "label out of range": labels = LabelsNpy(labels: [0, 0, 1, 1, 2, 3]); break;
            case "labels truncated": labels = labels[..^1]; break;
        }
        WriteArchive(images, labels);
        var e = AssertRejected(problem);
        Assert.Contains($"({array})", e.Message);
    }

    private InvalidDataException AssertRejected(string problem)
    {
        var e = Assert.Throws<InvalidDataException>(() => Omniglot.Load(folder.Path, OmniglotSplit.Background, imageSize: 4));
        Assert.Contains(ArchivePath, e.Message);
        Assert.Contains(problem, e.Message);
        return e;
    }
}
