using System.IO.Compression;

namespace MetaSpec.Datasets;

/// <summary>
/// Loads Omniglot (Lake, Salakhutdinov, Tenenbaum 2015: 1623 handwritten characters, 20 drawings each)
/// from its NumPy archives: <c>images_background.npz</c> and <c>images_evaluation.npz</c>.
/// </summary>
/// <remarks>
/// <para>Each .npz is a zip of two .npy arrays: <c>images.npy</c>, bool (characters, 20, 105, 105), true
/// where the page is white; and <c>labels.npy</c>, int64 (characters, 20), the character index within the
/// split (0-based). Such a file is what <c>numpy.savez_compressed(path, images=images, labels=labels)</c>
/// writes from the PNG release (images_background.zip / images_evaluation.zip of
/// github.com/brendenlake/omniglot), reading each PNG as a bool array.</para>
/// <para>Images are resized by area averaging (see <see cref="Load"/>) and inverted so that ink is 1 and
/// paper 0: the foreground is what a convolution should respond to, as in the usual MAML pipelines.</para>
/// </remarks>
public static class Omniglot
{
    /// <summary>Side of the stored images.</summary>
    public const int StoredImageSize = 105;

    /// <summary>The archive's name for a split.</summary>
    public static string FileName(OmniglotSplit split) => split switch
    {
        OmniglotSplit.Background => "images_background.npz",
        OmniglotSplit.Evaluation => "images_evaluation.npz",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown Omniglot split."),
    };

    /// <summary>
    /// Loads one split as <paramref name="imageSize"/>×<paramref name="imageSize"/> float images in [0, 1]
    /// (ink = 1), one class per character (class id = the label in the file). Each target pixel is the
    /// fraction of its area of the 105×105 drawing that is inked (area averaging, i.e. a box filter).
    /// Use <see cref="LabeledImages.WithRotatedClasses"/> for the rotation augmentation of the MAML protocol.
    /// </summary>
    /// <param name="directory">The folder holding the .npz files.</param>
    /// <param name="split">Which half to load.</param>
    /// <param name="imageSize">Side of the returned images; 28 in the MAML protocol.</param>
    /// <exception cref="FileNotFoundException">The archive is not in <paramref name="directory"/>.</exception>
    /// <exception cref="InvalidDataException">The archive or an array in it is malformed, truncated or of the wrong type or shape; the message names the file.</exception>
    public static LabeledImages Load(string directory, OmniglotSplit split, int imageSize = 28)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1);
        string path = Path.GetFullPath(Path.Combine(directory, FileName(split)));
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"Omniglot {split.ToString().ToLowerInvariant()} set not found: '{path}'. Pass the folder holding {FileName(split)}, " +
                "a NumPy archive with images.npy (bool, characters × 20 × 105 × 105, true = paper) and labels.npy (int64, characters × 20), " +
                "converted from the PNG release of github.com/brendenlake/omniglot (see the Omniglot class documentation).",
                path);
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        using ZipArchive archive = OpenArchive(file, path);
        (int[] classOfImage, NpyHeader labelsHeader) = ReadLabels(archive, path);
        float[] pixels = ReadResizedDrawings(archive, path, labelsHeader, imageSize);
        return new LabeledImages(pixels, imageSize, imageSize, classOfImage, (int)labelsHeader.Shape[0]);
    }

    /// <summary>Reads labels.npy: (characters, drawings) integers, each a character index within the split.</summary>
    private static (int[] ClassOfImage, NpyHeader Header) ReadLabels(ZipArchive archive, string path)
    {
        string name = $"{path} (labels.npy)";
        using Stream stream = OpenEntry(archive, "labels.npy", path, out ZipArchiveEntry entry);
        NpyHeader header = NpyHeader.Read(stream, name);
        header.RequireRank(name, 2, "(characters, drawings)");
        header.RequireElementType(name, NpyElementType.Int64, NpyElementType.Int32);
        RequireEntryLength(entry, header, name);
        long[] labels = header.ReadIntegers(stream, name);
        header.RequireEnd(stream, name);

        long characters = header.Shape[0], drawings = header.Shape[1];
        if (characters == 0 || drawings == 0)
            throw NpyHeader.Malformed(name, $"shape {header.ShapeText} holds no images");
        var classOfImage = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0 || labels[i] >= characters)
                throw NpyHeader.Malformed(name, $"label {labels[i]} of character {i / drawings}, drawing {i % drawings} is outside [0, {characters})");
            classOfImage[i] = (int)labels[i];
        }
        return (classOfImage, header);
    }

    /// <summary>Reads images.npy, (characters, drawings, S, S) bools matching the labels, resized to <paramref name="imageSize"/>.</summary>
    private static float[] ReadResizedDrawings(ZipArchive archive, string path, NpyHeader labelsHeader, int imageSize)
    {
        string name = $"{path} (images.npy)";
        using Stream stream = OpenEntry(archive, "images.npy", path, out ZipArchiveEntry entry);
        NpyHeader header = NpyHeader.Read(stream, name);
        header.RequireRank(name, 4, "(characters, drawings, height, width)");
        header.RequireElementType(name, NpyElementType.Boolean, NpyElementType.Byte);
        if (header.Shape[0] != labelsHeader.Shape[0] || header.Shape[1] != labelsHeader.Shape[1])
            throw NpyHeader.Malformed(name, $"shape mismatch: images {header.ShapeText} but labels {labelsHeader.ShapeText}; the first two dimensions must agree");
        if (header.Shape[2] != header.Shape[3] || header.Shape[2] < 1 || header.Shape[2] > AreaResampler.MaxSourceSize)
            throw NpyHeader.Malformed(name, $"shape mismatch: images {header.ShapeText} must be square drawings of at most {AreaResampler.MaxSourceSize} pixels a side (Omniglot's are {StoredImageSize})");
        RequireEntryLength(entry, header, name);

        int sourceSize = (int)header.Shape[2];
        int imageCount = (int)(header.Shape[0] * header.Shape[1]); // as many as labels, which are in memory
        long outputLength = (long)imageCount * imageSize * imageSize;
        if (outputLength > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, $"{imageCount} images of {imageSize}×{imageSize} do not fit in one array.");
        var pixels = new float[outputLength];
        var resampler = new AreaResampler(sourceSize, imageSize);
        int sourceBytes = sourceSize * sourceSize, targetPixels = imageSize * imageSize;
        // Decompression is sequential and cheap; resizing dominates and runs on all cores, a chunk of
        // drawings at a time. Each drawing is resized on its own, so the result does not depend on the
        // number of threads.
        int batch = Math.Max(1, Math.Min(imageCount, (1 << 23) / sourceBytes));
        var buffer = new byte[batch * sourceBytes];
        long read = header.HeaderBytes;
        for (int first = 0; first < imageCount; first += batch)
        {
            int count = Math.Min(batch, imageCount - first);
            Span<byte> chunk = buffer.AsSpan(0, count * sourceBytes);
            header.ReadData(stream, chunk, read, name);
            read += chunk.Length;
            AreaResampler.ToPaperBits(chunk);
            int chunkStart = first; // offsets stay below outputLength ≤ Array.MaxLength
            Parallel.For(0, count, resampler.CreateWorkspace, (i, _, workspace) =>
            {
                resampler.ResizeInk(buffer.AsSpan(i * sourceBytes, sourceBytes), pixels, (chunkStart + i) * targetPixels, workspace);
                return workspace;
            }, static _ => { });
        }
        header.RequireEnd(stream, name);
        return pixels;
    }

    private static ZipArchive OpenArchive(FileStream file, string path)
    {
        try
        {
            return new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: not a readable .npz (zip) archive, perhaps truncated or corrupt: {e.Message}", e);
        }
    }

    private static Stream OpenEntry(ZipArchive archive, string name, string path, out ZipArchiveEntry entry)
    {
        entry = archive.GetEntry(name) ?? throw new InvalidDataException(
            $"{path}: the archive has no {name} (it holds: {string.Join(", ", archive.Entries.Select(e => e.FullName))}); " +
            "an Omniglot .npz needs images.npy and labels.npy");
        try
        {
            return entry.Open();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path} ({name}): cannot open the archive entry: {e.Message}", e);
        }
    }

    /// <summary>
    /// Compares the entry's uncompressed size with what the header promises, before allocating for it, so a
    /// truncated array (or one with trailing garbage) is reported rather than half-read.
    /// </summary>
    private static void RequireEntryLength(ZipArchiveEntry entry, NpyHeader header, string fileName)
    {
        long expected = header.HeaderBytes + header.DataBytes;
        if (entry.Length < expected)
            throw NpyHeader.Malformed(fileName, $"truncated data: shape {header.ShapeText} of '{header.Descriptor}' needs {header.DataBytes} bytes after the {header.HeaderBytes}-byte header, the array holds {entry.Length - header.HeaderBytes}");
        if (entry.Length > expected)
            throw NpyHeader.Malformed(fileName, $"unexpected bytes after the {header.DataBytes} bytes of data for shape {header.ShapeText} of '{header.Descriptor}' ({entry.Length - expected} extra)");
    }
}
