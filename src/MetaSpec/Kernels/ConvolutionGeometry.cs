namespace MetaSpec.Kernels;

/// <summary>
/// A square k×k window sliding with stride s over one [C, H, W] image zero-padded by p on every side, as in
/// convolution and pooling. The window has Ho × Wo positions, Ho = ⌊(H + 2p − k)/s⌋ + 1 (PyTorch's floor mode);
/// position (oh, ow) covers rows oh·s − p … oh·s − p + k − 1 and the matching columns.
/// </summary>
internal readonly record struct ConvolutionGeometry
{
    /// <summary>The window geometry; throws when the window does not fit the padded image.</summary>
    public ConvolutionGeometry(int channels, int height, int width, int kernelSize, int stride, int padding)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (kernelSize > height + 2 * padding || kernelSize > width + 2 * padding)
            throw new ArgumentException(
                $"A {kernelSize}×{kernelSize} window does not fit a {height}×{width} image padded by {padding}.", nameof(kernelSize));
        Channels = channels;
        Height = height;
        Width = width;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
    }

    /// <summary>C.</summary>
    public int Channels { get; }

    /// <summary>H.</summary>
    public int Height { get; }

    /// <summary>W.</summary>
    public int Width { get; }

    /// <summary>k.</summary>
    public int KernelSize { get; }

    /// <summary>s.</summary>
    public int Stride { get; }

    /// <summary>p.</summary>
    public int Padding { get; }

    /// <summary>Ho = ⌊(H + 2p − k)/s⌋ + 1.</summary>
    public int OutputHeight => Specification.ShapeFormulas.WindowPositions(Height, KernelSize, Stride, Padding);

    /// <summary>Wo = ⌊(W + 2p − k)/s⌋ + 1.</summary>
    public int OutputWidth => Specification.ShapeFormulas.WindowPositions(Width, KernelSize, Stride, Padding);

    /// <summary>Ho·Wo: the number of window positions (columns of the im2col matrix per image).</summary>
    public int OutputPositions => OutputHeight * OutputWidth;

    /// <summary>C·k·k: the values under one window (rows of the im2col matrix).</summary>
    public int PatchSize => Channels * KernelSize * KernelSize;

    /// <summary>C·H·W.</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>H·W: one channel plane.</summary>
    public int PlaneSize => Height * Width;

    /// <summary>
    /// The output positions [begin, end) along one axis whose window offset <paramref name="offset"/> lands inside
    /// an image of <paramref name="extent"/> values: begin·s − p + offset ≥ 0 and (end − 1)·s − p + offset ≤ extent − 1.
    /// Outside that range the window reads padding.
    /// </summary>
    public (int Begin, int End) InsideRange(int offset, int extent, int positions)
    {
        int low = Padding - offset;
        int begin = low <= 0 ? 0 : Math.Min(positions, (low + Stride - 1) / Stride);
        int high = extent - 1 + Padding - offset;
        int end = high < 0 ? 0 : Math.Min(positions, high / Stride + 1);
        return (begin, Math.Max(begin, end));
    }
}
