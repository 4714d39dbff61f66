using System.Buffers.Binary;
using System.IO.Compression;

namespace MetaSpec.Datasets;

/// <summary>
/// Loads Fashion-MNIST (Xiao, Rasul, Vollgraf 2017: 28×28 grey images of 10 kinds of clothing) from its
/// gzipped IDX files: <c>train-images-idx3-ubyte.gz</c>, <c>train-labels-idx1-ubyte.gz</c>,
/// <c>t10k-images-idx3-ubyte.gz</c>, <c>t10k-labels-idx1-ubyte.gz</c> (uncompressed copies without
/// <c>.gz</c> are read too).
/// </summary>
/// <remarks>
/// <para>IDX: a big-endian header, magic 0x00000803 (unsigned bytes, 3 dimensions) for images or 0x00000801
/// for labels, then the dimensions as big-endian 32-bit integers, then the data.</para>
/// <para>Pixels are kept as bytes (value/255 in [0, 1]: background 0, garment up to 1, as stored): 70 000 images
/// take 55 MB rather than 220 MB as floats.</para>
/// <para>Few-shot class split: Fashion-MNIST has no standard one. The default gives 5 classes to each side,
/// so that 5-way episodes, the usual evaluation, exist on both: meta-train T-shirt/top, Trouser, Pullover,
/// Dress, Coat (labels 0–4); meta-test Sandal, Shirt, Sneaker, Bag, Ankle boot (labels 5–9). Note that this
/// is a shift of domain (mostly garments → mostly footwear and bags); choose another count with
/// <c>metaTrainClasses</c>, or <see cref="LabeledImages.SelectClasses"/> on the <see cref="FashionMnistSplit.Train"/>
/// or <see cref="FashionMnistSplit.Test"/> set for any other split.</para>
/// </remarks>
public static class FashionMnist
{
    /// <summary>Where the Debian package dataset-fashion-mnist installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Classes given to meta-training by default (labels 0..4); the other 5 are for meta-testing.</summary>
    public const int DefaultMetaTrainClasses = 5;

    /// <summary>Number of classes.</summary>
    public const int ClassCount = 10;

    /// <summary>Image side.</summary>
    public const int ImageSize = 28;

    /// <summary>The class names, indexed by the label in the files.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private const int ImagesMagic = 0x00000803;
    private const int LabelsMagic = 0x00000801;

    /// <summary>Loads <paramref name="split"/> from <see cref="DefaultDirectory"/>.</summary>
    public static LabeledImages Load(FashionMnistSplit split, int metaTrainClasses = DefaultMetaTrainClasses) =>
        Load(DefaultDirectory, split, metaTrainClasses);

    /// <summary>
    /// Loads <paramref name="split"/> from <paramref name="directory"/>: 28×28 images, pixels in [0, 1].
    /// For <see cref="FashionMnistSplit.MetaTrain"/> class id = label; for <see cref="FashionMnistSplit.MetaTest"/>
    /// class id = label − <paramref name="metaTrainClasses"/> (see <see cref="ClassNames"/>).
    /// </summary>
    /// <param name="directory">The folder holding the IDX files.</param>
    /// <param name="split">Which images and classes to return.</param>
    /// <param name="metaTrainClasses">m: labels 0..m−1 are meta-train classes, m..9 meta-test classes (1 ≤ m ≤ 9).</param>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or truncated, or images and labels disagree; the message names the file.</exception>
    public static LabeledImages Load(string directory, FashionMnistSplit split, int metaTrainClasses = DefaultMetaTrainClasses)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(metaTrainClasses, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(metaTrainClasses, ClassCount - 1);
        switch (split)
        {
            case FashionMnistSplit.Train:
            case FashionMnistSplit.Test:
            {
                string prefix = split == FashionMnistSplit.Train ? "train" : "t10k";
                (byte[] pixels, int[] labels) = ReadFiles(directory, [prefix]);
                return new LabeledImages(pixels, ImageSize, ImageSize, labels, ClassCount);
            }
            case FashionMnistSplit.MetaTrain:
            case FashionMnistSplit.MetaTest:
            {
                (byte[] pixels, int[] labels) = ReadFiles(directory, ["train", "t10k"]);
                var all = new LabeledImages(pixels, ImageSize, ImageSize, labels, ClassCount);
                bool train = split == FashionMnistSplit.MetaTrain;
                int first = train ? 0 : metaTrainClasses;
                int count = train ? metaTrainClasses : ClassCount - metaTrainClasses;
                Span<int> classes = stackalloc int[count];
                for (int k = 0; k < count; k++) classes[k] = first + k;
                return all.SelectClasses(classes);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown Fashion-MNIST split.");
        }
    }

    /// <summary>Reads the image and label files of each prefix ("train", "t10k") into one pixel and one label array.</summary>
    private static (byte[] Pixels, int[] Labels) ReadFiles(string directory, ReadOnlySpan<string> prefixes)
    {
        // Every file is located before any is read, so a missing one fails at once. Labels are small and come
        // first: their counts size the pixel array, and each image file decompresses straight into its part.
        var labelPaths = new string[prefixes.Length];
        var imagePaths = new string[prefixes.Length];
        for (int f = 0; f < prefixes.Length; f++)
        {
            imagePaths[f] = Locate(directory, $"{prefixes[f]}-images-idx3-ubyte");
            labelPaths[f] = Locate(directory, $"{prefixes[f]}-labels-idx1-ubyte");
        }
        var labelParts = new int[prefixes.Length][];
        int total = 0;
        for (int f = 0; f < prefixes.Length; f++)
        {
            labelParts[f] = ReadLabels(labelPaths[f]);
            total += labelParts[f].Length;
        }

        const int imageBytes = ImageSize * ImageSize;
        var pixels = new byte[(long)total * imageBytes];
        var labels = new int[total];
        int offset = 0;
        for (int f = 0; f < prefixes.Length; f++)
        {
            int count = labelParts[f].Length;
            ReadImages(imagePaths[f], labelPaths[f], pixels.AsSpan(offset * imageBytes, count * imageBytes));
            labelParts[f].CopyTo(labels, offset);
            offset += count;
        }
        return (pixels, labels);
    }

    /// <summary>The gzipped file if present, else an uncompressed one, else a <see cref="FileNotFoundException"/> saying how to get the data.</summary>
    private static string Locate(string directory, string name)
    {
        string gz = Path.GetFullPath(Path.Combine(directory, name + ".gz"));
        if (File.Exists(gz)) return gz;
        string plain = Path.GetFullPath(Path.Combine(directory, name));
        if (File.Exists(plain)) return plain;
        throw new FileNotFoundException(
            $"Fashion-MNIST file not found: '{gz}'. Install the Debian package dataset-fashion-mnist (files in {DefaultDirectory}), " +
            "or put the four IDX files of github.com/zalandoresearch/fashion-mnist (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, " +
            "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) into the folder you pass.",
            gz);
    }

    private static int[] ReadLabels(string path)
    {
        using Stream stream = Open(path);
        int count = ReadHeader(stream, path, LabelsMagic, dimensions: 1)[0];
        var raw = new byte[count];
        ReadData(stream, raw, path, $"{count} labels");
        RequireEnd(stream, path);
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            if (raw[i] >= ClassCount)
                throw new InvalidDataException($"{path}: label {raw[i]} of sample {i} is outside [0, {ClassCount}).");
            labels[i] = raw[i];
        }
        return labels;
    }

    /// <summary>Reads an image file into <paramref name="destination"/>, which holds as many images as the matching label file has labels.</summary>
    private static void ReadImages(string path, string labelsPath, Span<byte> destination)
    {
        using Stream stream = Open(path);
        int[] shape = ReadHeader(stream, path, ImagesMagic, dimensions: 3);
        if (shape[1] != ImageSize || shape[2] != ImageSize)
            throw new InvalidDataException($"{path}: shape mismatch: images are {shape[1]}×{shape[2]}, Fashion-MNIST images are {ImageSize}×{ImageSize}.");
        int expectedCount = destination.Length / (ImageSize * ImageSize);
        if (shape[0] != expectedCount)
            throw new InvalidDataException($"{path}: shape mismatch: {shape[0]} images but {expectedCount} labels in {labelsPath}.");
        ReadData(stream, destination, path, $"{shape[0]} images of {ImageSize}×{ImageSize}");
        RequireEnd(stream, path);
    }

    private static Stream Open(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
    }

    /// <summary>Reads and checks the magic number and the dimensions.</summary>
    private static int[] ReadHeader(Stream stream, string path, int magic, int dimensions)
    {
        Span<byte> field = stackalloc byte[4];
        if (ReadAtMost(stream, field, path) < 4)
            throw new InvalidDataException($"{path}: truncated: the file ends inside the IDX header.");
        int actual = BinaryPrimitives.ReadInt32BigEndian(field);
        if (actual != magic)
        {
            string kind = magic == ImagesMagic ? "images (unsigned bytes, 3 dimensions)" : "labels (unsigned bytes, 1 dimension)";
            throw new InvalidDataException($"{path}: bad magic 0x{actual:X8}: not an IDX file of {kind}, whose magic is 0x{magic:X8}.");
        }
        var shape = new int[dimensions];
        for (int d = 0; d < dimensions; d++)
        {
            if (ReadAtMost(stream, field, path) < 4)
                throw new InvalidDataException($"{path}: truncated: the file ends inside the IDX header.");
            shape[d] = BinaryPrimitives.ReadInt32BigEndian(field);
            if (shape[d] < 0 || shape[d] > 100_000_000)
                throw new InvalidDataException($"{path}: malformed header: dimension {d} is {shape[d]}.");
        }
        return shape;
    }

    private static void ReadData(Stream stream, Span<byte> destination, string path, string what)
    {
        int got = ReadAtMost(stream, destination, path);
        if (got < destination.Length)
            throw new InvalidDataException($"{path}: truncated data: {what} need {destination.Length} bytes after the header, the file has {got}.");
    }

    private static void RequireEnd(Stream stream, string path)
    {
        Span<byte> probe = stackalloc byte[1];
        if (ReadAtMost(stream, probe, path) != 0)
            throw new InvalidDataException($"{path}: unexpected bytes after the data the header describes.");
    }

    private static int ReadAtMost(Stream stream, Span<byte> buffer, string path)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: corrupt gzip data ({e.Message}).", e);
        }
    }
}
