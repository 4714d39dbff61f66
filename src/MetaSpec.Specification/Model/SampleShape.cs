using System.Globalization;

namespace MetaSpec.Specification;

/// <summary>The shape of one sample: a vector [C] (rank 1) or an image [C, H, W] (rank 3), as the runtime's Shape.</summary>
internal readonly record struct SampleShape(int Channels, int Height, int Width, int Rank)
{
    public static SampleShape Vector(int features) => new(features, 1, 1, 1);

    public static SampleShape Image(int channels, int height, int width) => new(channels, height, width, 3);

    public bool IsVector => Rank == 1;

    public int Size => Channels * Height * Width;

    public override string ToString() => IsVector
        ? string.Format(CultureInfo.InvariantCulture, "[{0}]", Channels)
        : string.Format(CultureInfo.InvariantCulture, "[{0}, {1}, {2}]", Channels, Height, Width);
}
