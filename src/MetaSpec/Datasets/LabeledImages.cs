using System.Numerics;
using System.Numerics.Tensors;

namespace MetaSpec.Datasets;

/// <summary>
/// A labelled set of single-channel images held in memory, grouped by class: what few-shot episodes
/// (<see cref="Tasks.ClassificationEpisodes{T}"/>) draw from. Images have shape [1, H, W], row-major.
/// </summary>
/// <remarks>
/// <para>Pixels are stored either as floats (taken as they are) or as bytes (value/255, so 0..255 maps to
/// [0, 1]); bytes take a quarter of the memory, which matters for 70 000 Fashion-MNIST images.</para>
/// <para>Views made by <see cref="SelectClasses"/> and <see cref="WithRotatedClasses"/> share the pixel storage.
/// The pixel array passed to a constructor is not copied: do not change it afterwards.</para>
/// <para>With rotated classes (the Omniglot protocol of Santoro et al. 2016 and Finn et al. 2017), each class
/// c of the <see cref="BaseClassCount"/> stored classes appears four times: class r·BaseClassCount + c holds
/// the images of c rotated by r·90° counter-clockwise (as numpy.rot90), r = 0..3. Classes 0..BaseClassCount−1
/// are the originals.</para>
/// </remarks>
public sealed class LabeledImages
{
    private readonly float[]? floatPixels;
    private readonly byte[]? bytePixels;

    // Class c's images are imageIndices[classStarts[c] .. classStarts[c + 1]] (compressed rows: one array
    // for all classes, so a view is two small arrays and no per-class objects).
    private readonly int[] classStarts;
    private readonly int[] imageIndices;

    /// <summary>Images stored as floats, used as they are.</summary>
    /// <param name="pixels">Image-major pixels: labels.Length × height × width values.</param>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <param name="labels">The class of each image, in [0, <paramref name="classCount"/>).</param>
    /// <param name="classCount">Number of classes (a class may have no images).</param>
    public LabeledImages(float[] pixels, int height, int width, ReadOnlySpan<int> labels, int classCount)
        : this(pixels ?? throw new ArgumentNullException(nameof(pixels)), null, height, width, labels, classCount)
    {
    }

    /// <summary>Images stored as bytes; pixel value = byte/255.</summary>
    /// <param name="pixels">Image-major pixels: labels.Length × height × width values.</param>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <param name="labels">The class of each image, in [0, <paramref name="classCount"/>).</param>
    /// <param name="classCount">Number of classes (a class may have no images).</param>
    public LabeledImages(byte[] pixels, int height, int width, ReadOnlySpan<int> labels, int classCount)
        : this(null, pixels ?? throw new ArgumentNullException(nameof(pixels)), height, width, labels, classCount)
    {
    }

    private LabeledImages(float[]? floatPixels, byte[]? bytePixels, int height, int width, ReadOnlySpan<int> labels, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        long pixelCount = floatPixels?.LongLength ?? bytePixels!.LongLength;
        if (pixelCount != (long)labels.Length * height * width)
            throw new ArgumentException($"{labels.Length} images of {height}×{width} need {(long)labels.Length * height * width} pixels, got {pixelCount}.", nameof(labels));

        this.floatPixels = floatPixels;
        this.bytePixels = bytePixels;
        Height = height;
        Width = width;
        StoredImageCount = labels.Length;
        BaseClassCount = classCount;

        classStarts = new int[classCount + 1];
        for (int i = 0; i < labels.Length; i++)
        {
            int label = labels[i];
            if ((uint)label >= (uint)classCount)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"The label of image {i} is outside [0, {classCount}).");
            classStarts[label + 1]++;
        }
        for (int c = 0; c < classCount; c++) classStarts[c + 1] += classStarts[c];
        imageIndices = new int[labels.Length];
        Span<int> next = classCount <= 4096 ? stackalloc int[classCount] : new int[classCount];
        classStarts.AsSpan(0, classCount).CopyTo(next);
        for (int i = 0; i < labels.Length; i++) imageIndices[next[labels[i]]++] = i; // stable: images keep their order within a class
    }

    private LabeledImages(LabeledImages source, int[] classStarts, int[] imageIndices, bool rotatedClasses)
    {
        floatPixels = source.floatPixels;
        bytePixels = source.bytePixels;
        Height = source.Height;
        Width = source.Width;
        StoredImageCount = source.StoredImageCount;
        BaseClassCount = classStarts.Length - 1;
        this.classStarts = classStarts;
        this.imageIndices = imageIndices;
        HasRotatedClasses = rotatedClasses;
    }

    /// <summary>Image height.</summary>
    public int Height { get; }

    /// <summary>Image width.</summary>
    public int Width { get; }

    /// <summary>The shape of one image: [1, H, W].</summary>
    public Shape ImageShape => Shape.Image(1, Height, Width);

    /// <summary>Pixels per image.</summary>
    public int ImageSize => Height * Width;

    /// <summary>Images in the underlying storage (a view may use only some of them).</summary>
    public int StoredImageCount { get; }

    /// <summary>Whether pixels are stored as bytes (value/255) rather than floats.</summary>
    public bool StoresBytes => bytePixels is not null;

    /// <summary>Classes before rotation augmentation.</summary>
    public int BaseClassCount { get; }

    /// <summary>Whether every class also appears rotated by 90°, 180° and 270° as three new classes.</summary>
    public bool HasRotatedClasses { get; }

    /// <summary>Classes episodes can draw: <see cref="BaseClassCount"/>, times 4 with rotated classes.</summary>
    public int ClassCount => HasRotatedClasses ? 4 * BaseClassCount : BaseClassCount;

    /// <summary>Images of class <paramref name="classId"/>.</summary>
    public int ImageCountOf(int classId)
    {
        int baseClass = BaseClassOf(classId);
        return classStarts[baseClass + 1] - classStarts[baseClass];
    }

    /// <summary>The fewest images any class has.</summary>
    public int MinImagesPerClass()
    {
        int min = int.MaxValue;
        for (int c = 0; c < BaseClassCount; c++) min = Math.Min(min, classStarts[c + 1] - classStarts[c]);
        return min;
    }

    /// <summary>The stored class whose images class <paramref name="classId"/> shows (itself without rotation).</summary>
    public int BaseClassOf(int classId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classId);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(classId, ClassCount);
        return classId % BaseClassCount;
    }

    /// <summary>Quarter turns (counter-clockwise) applied to the images of class <paramref name="classId"/>: 0..3.</summary>
    public int QuarterTurnsOf(int classId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classId);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(classId, ClassCount);
        return classId / BaseClassCount;
    }

    /// <summary>
    /// Writes image <paramref name="indexInClass"/> of class <paramref name="classId"/>, converted to
    /// <typeparamref name="T"/> and rotated as the class says, into <paramref name="destination"/> (H·W values).
    /// Allocates nothing.
    /// </summary>
    public void CopyImage<T>(int classId, int indexInClass, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int baseClass = BaseClassOf(classId);
        int start = classStarts[baseClass];
        ArgumentOutOfRangeException.ThrowIfNegative(indexInClass);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(indexInClass, classStarts[baseClass + 1] - start);
        Guard.Length(destination.Length, ImageSize, nameof(destination));
        int image = imageIndices[start + indexInClass];
        int turns = classId / BaseClassCount;
        int size = ImageSize;
        if (floatPixels is not null)
        {
            ReadOnlySpan<float> source = floatPixels.AsSpan(image * size, size);
            if (turns == 0)
            {
                TensorPrimitives.ConvertTruncating(source, destination);
            }
            else
            {
                for (int i = 0; i < size; i++) destination[i] = T.CreateTruncating(source[RotatedSourceIndex(i, Width, turns)]);
            }
        }
        else
        {
            ReadOnlySpan<byte> source = bytePixels.AsSpan(image * size, size);
            ReadOnlySpan<T> unit = UnitBytes<T>.Values;
            if (turns == 0)
            {
                for (int i = 0; i < size; i++) destination[i] = unit[source[i]];
            }
            else
            {
                for (int i = 0; i < size; i++) destination[i] = unit[source[RotatedSourceIndex(i, Width, turns)]];
            }
        }
    }

    /// <summary>Builds the byte → <typeparamref name="T"/> table now rather than on the first copy.</summary>
    internal static void PrepareConversion<T>() where T : unmanaged, IFloatingPointIeee754<T> => _ = UnitBytes<T>.Values;

    /// <summary>
    /// A view holding only <paramref name="baseClasses"/>, renumbered 0..k−1 in the order given (e.g. a
    /// meta-train / meta-test class split). Shares the pixels; keeps the rotation setting.
    /// </summary>
    public LabeledImages SelectClasses(ReadOnlySpan<int> baseClasses)
    {
        if (baseClasses.IsEmpty) throw new ArgumentException("Select at least one class.", nameof(baseClasses));
        var starts = new int[baseClasses.Length + 1];
        for (int k = 0; k < baseClasses.Length; k++)
        {
            int c = baseClasses[k];
            if ((uint)c >= (uint)BaseClassCount)
                throw new ArgumentOutOfRangeException(nameof(baseClasses), c, $"Class {c} is outside [0, {BaseClassCount}).");
            if (baseClasses[..k].Contains(c))
                throw new ArgumentException($"Class {c} is selected twice.", nameof(baseClasses));
            starts[k + 1] = starts[k] + classStarts[c + 1] - classStarts[c];
        }
        var indices = new int[starts[^1]];
        for (int k = 0; k < baseClasses.Length; k++)
        {
            int c = baseClasses[k];
            imageIndices.AsSpan(classStarts[c], classStarts[c + 1] - classStarts[c]).CopyTo(indices.AsSpan(starts[k]));
        }
        return new LabeledImages(this, starts, indices, HasRotatedClasses);
    }

    /// <summary>
    /// A view in which every class also appears rotated by 90°, 180° and 270° as three new classes
    /// (see the remarks). Rotations keep the shape, so images must be square.
    /// </summary>
    public LabeledImages WithRotatedClasses()
    {
        if (HasRotatedClasses) return this;
        if (Height != Width)
            throw new InvalidOperationException($"Rotated classes need square images, these are {Height}×{Width}.");
        return new LabeledImages(this, classStarts, imageIndices, rotatedClasses: true);
    }

    /// <summary>
    /// Where pixel <paramref name="destinationIndex"/> of an n×n image rotated counter-clockwise by
    /// <paramref name="turns"/> quarter turns comes from, as numpy.rot90: out[i, j] = in[j, n−1−i] for one turn.
    /// </summary>
    private static int RotatedSourceIndex(int destinationIndex, int n, int turns)
    {
        int i = Math.DivRem(destinationIndex, n, out int j);
        return turns switch
        {
            1 => j * n + (n - 1 - i),
            2 => (n - 1 - i) * n + (n - 1 - j),
            _ => (n - 1 - j) * n + i,
        };
    }

    /// <summary>byte → byte/255 in <typeparamref name="T"/>, computed once per type.</summary>
    private static class UnitBytes<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static readonly T[] Values = Build();

        private static T[] Build()
        {
            var values = new T[256];
            for (int b = 0; b < values.Length; b++) values[b] = T.CreateTruncating(b) / T.CreateTruncating(255);
            return values;
        }
    }
}
