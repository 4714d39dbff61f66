namespace MetaSpec;

/// <summary>
/// The shape of one sample flowing between layers: a feature vector <c>[Channels]</c>
/// or an image <c>[Channels, Height, Width]</c> stored channel-major (NCHW with the batch outside).
/// </summary>
public readonly record struct Shape
{
    private Shape(int channels, int height, int width, int rank)
    {
        if (channels < 1 || height < 1 || width < 1)
            throw new ArgumentOutOfRangeException(nameof(channels), $"Every dimension of a shape must be at least 1, got [{channels}, {height}, {width}].");
        Channels = channels;
        Height = height;
        Width = width;
        Rank = rank;
    }

    /// <summary>Number of features (vector) or channels (image).</summary>
    public int Channels { get; }

    /// <summary>Image height; 1 for a vector.</summary>
    public int Height { get; }

    /// <summary>Image width; 1 for a vector.</summary>
    public int Width { get; }

    /// <summary>1 for a vector, 3 for an image.</summary>
    public int Rank { get; }

    /// <summary>Number of values in one sample.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>True for a feature vector.</summary>
    public bool IsVector => Rank == 1;

    /// <summary>A feature vector of <paramref name="features"/> values.</summary>
    public static Shape Vector(int features) => new(features, 1, 1, 1);

    /// <summary>An image of <paramref name="channels"/> planes of <paramref name="height"/> × <paramref name="width"/>.</summary>
    public static Shape Image(int channels, int height, int width) => new(channels, height, width, 3);

    /// <inheritdoc/>
    public override string ToString() => IsVector ? $"[{Channels}]" : $"[{Channels}, {Height}, {Width}]";
}
