namespace MetaSpec.TestSupport;

/// <summary>
/// Small data sets in the exact on-disk formats of the real ones (the files' names, layout, element types and
/// compression), written by the tests wherever they run: the loaders, the episode samplers and the spec programs
/// are tested on a machine without the real data. Images are simple class-dependent patterns, so a class is
/// recognisable, and deterministic, so a run is reproducible.
/// </summary>
public static class SampleData
{
    /// <summary>
    /// Writes images_background.npz and images_evaluation.npz into <paramref name="folder"/> as the real files are:
    /// a zip of images.npy (bool, characters × drawings × 105 × 105, stored as bytes 0 = ink and 255 = paper) and
    /// labels.npy (int64, characters × drawings, the character's index).
    /// </summary>
    public static void WriteOmniglot(string folder, int backgroundCharacters = 10, int evaluationCharacters = 8, int drawings = 20)
    {
        const int side = 105;
        Directory.CreateDirectory(folder);
        foreach (var (file, characters) in new[] { ("images_background.npz", backgroundCharacters), ("images_evaluation.npz", evaluationCharacters) })
        {
            var images = new byte[characters * drawings * side * side];
            images.AsSpan().Fill(255);
            for (int c = 0; c < characters; c++)
            {
                for (int d = 0; d < drawings; d++)
                {
                    // A horizontal and a vertical stroke whose positions identify the character, shifted a little per drawing.
                    var image = images.AsSpan((c * drawings + d) * side * side, side * side);
                    int row = 10 + c * 83 / Math.Max(1, characters) + d % 3, column = 95 - c * 83 / Math.Max(1, characters) - d % 4;
                    for (int k = 8; k < side - 8; k++)
                    {
                        for (int w = 0; w < 6; w++)
                        {
                            image[(row + w) * side + k] = 0;
                            image[k * side + column - w] = 0;
                        }
                    }
                }
            }
            var labels = Enumerable.Range(0, characters * drawings).Select(i => (long)(i / drawings));
            DataFiles.WriteZip(Path.Combine(folder, file),
                ("images.npy", DataFiles.Npy("|b1", [characters, drawings, side, side], images)),
                ("labels.npy", DataFiles.Npy("<i8", [characters, drawings], DataFiles.Int64Data(labels))));
        }
    }

    /// <summary>
    /// Writes the four gzipped IDX files of Fashion-MNIST into <paramref name="folder"/> (magic 0x803 for images,
    /// 0x801 for labels, big-endian dimensions, 28 × 28 bytes per image), with ten classes and the labels interleaved
    /// as in the real files.
    /// </summary>
    public static void WriteFashionMnist(string folder, int trainPerClass = 12, int testPerClass = 6)
    {
        const int side = 28, classes = 10;
        Directory.CreateDirectory(folder);
        foreach (var (prefix, perClass) in new[] { ("train", trainPerClass), ("t10k", testPerClass) })
        {
            int count = classes * perClass;
            var labels = new byte[count];
            var pixels = new byte[count * side * side];
            for (int i = 0; i < count; i++)
            {
                int label = i % classes;
                labels[i] = (byte)label;
                // A bright rectangle whose size and place identify the class, its brightness varying per image.
                int top = 2 + label, height = 6 + label, left = 20 - label, width = 4 + label / 2;
                for (int y = top; y < Math.Min(side, top + height); y++)
                    for (int x = left; x < Math.Min(side, left + width); x++)
                        pixels[i * side * side + y * side + x] = (byte)(155 + (i * 37) % 100);
            }
            DataFiles.WriteGzip(Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz"), DataFiles.Idx(0x803, [count, side, side], pixels));
            DataFiles.WriteGzip(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz"), DataFiles.Idx(0x801, [count], labels));
        }
    }
}
