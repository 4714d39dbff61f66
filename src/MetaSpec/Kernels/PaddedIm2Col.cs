using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MetaSpec.Kernels;

/// <summary>
/// im2col and col2im (<see cref="Im2Col"/>'s formulas) through a zero-padded copy of the image and a table of window
/// offsets, for the strided convolutions whose rows of X are short strided gathers (a stride-2 Conv-4's planes are
/// 7, 4 and 2 wide). In the padded image x̃ [C, H + 2p, W + 2p] no window reads outside, so
/// X[(c·k + i)·k + j, q] = x̃[c, i, j + offset(q)] with offset(oh·Wo + ow) = oh·s·(W + 2p) + ow·s, one gather per row of X
/// with no bounds logic: AVX2's gather instruction takes 8 floats (4 doubles) per step along the whole row, across
/// output rows, where the row-by-row copy handled 7, 4 or 2 values per loop.
/// </summary>
internal static class PaddedIm2Col
{
    /// <summary>Values in the padded copy of one image: C·(H + 2p)·(W + 2p).</summary>
    public static int PaddedSize(in ConvolutionGeometry g) => g.Channels * (g.Height + 2 * g.Padding) * (g.Width + 2 * g.Padding);

    /// <summary>The offset of each output position's window corner in a padded plane: oh·s·(W + 2p) + ow·s.</summary>
    public static int[] WindowOffsets(in ConvolutionGeometry g)
    {
        int paddedWidth = g.Width + 2 * g.Padding;
        var offsets = new int[g.OutputPositions];
        for (int oh = 0; oh < g.OutputHeight; oh++)
            for (int ow = 0; ow < g.OutputWidth; ow++)
                offsets[oh * g.OutputWidth + ow] = oh * g.Stride * paddedWidth + ow * g.Stride;
        return offsets;
    }

    /// <summary>X = im2col(x) into <paramref name="columns"/> (leading dimension <paramref name="leadingDimension"/>); <paramref name="padded"/> is scratch.</summary>
    public static unsafe void Unfold<T>(in ConvolutionGeometry g, ReadOnlySpan<int> offsets, ReadOnlySpan<T> image, Span<T> padded,
        Span<T> columns, int leadingDimension, bool vectorized = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate(g, offsets, image.Length, padded.Length, columns.Length, leadingDimension);
        Pad(g, image, padded);
        int k = g.KernelSize, positions = g.OutputPositions;
        int paddedWidth = g.Width + 2 * g.Padding, paddedPlane = (g.Height + 2 * g.Padding) * paddedWidth;
        ref T target = ref MemoryMarshal.GetReference(columns);
        ref int offset = ref MemoryMarshal.GetReference(offsets);
        // Pinned: the gather instruction takes an address. Every read stays inside the padded image (the last window
        // corner plus (k − 1)·(W + 2p + 1) is its last value), which Validate checked through the sizes.
        fixed (T* source = padded)
        {
            int row = 0;
            for (int c = 0; c < g.Channels; c++)
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < k; j++, row++)
                    {
                        T* corner = source + c * paddedPlane + i * paddedWidth + j;
                        ref T dst = ref Unsafe.Add(ref target, (nint)row * leadingDimension);
                        int q = vectorized ? Gather(corner, ref offset, ref dst, positions) : 0;
                        for (; q < positions; q++) Unsafe.Add(ref dst, q) = corner[Unsafe.Add(ref offset, q)];
                    }
        }
    }

    /// <summary>x = col2im(X), overwriting <paramref name="image"/>; <paramref name="padded"/> is scratch.</summary>
    public static void Fold<T>(in ConvolutionGeometry g, ReadOnlySpan<int> offsets, ReadOnlySpan<T> columns, int leadingDimension,
        Span<T> padded, Span<T> image)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate(g, offsets, image.Length, padded.Length, columns.Length, leadingDimension);
        int k = g.KernelSize, positions = g.OutputPositions;
        int paddedWidth = g.Width + 2 * g.Padding, paddedPlane = (g.Height + 2 * g.Padding) * paddedWidth;
        padded.Slice(0, PaddedSize(g)).Clear();
        ref T target = ref MemoryMarshal.GetReference(padded);
        ref T source = ref MemoryMarshal.GetReference(columns);
        ref int offset = ref MemoryMarshal.GetReference(offsets);
        int row = 0;
        for (int c = 0; c < g.Channels; c++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++, row++)
                {
                    ref T corner = ref Unsafe.Add(ref target, c * paddedPlane + i * paddedWidth + j);
                    ref T src = ref Unsafe.Add(ref source, (nint)row * leadingDimension);
                    for (int q = 0; q < positions; q++) Unsafe.Add(ref corner, Unsafe.Add(ref offset, q)) += Unsafe.Add(ref src, q);
                }
        // Sums that landed on padding belong to no pixel.
        for (int c = 0; c < g.Channels; c++)
            for (int h = 0; h < g.Height; h++)
                padded.Slice(c * paddedPlane + (h + g.Padding) * paddedWidth + g.Padding, g.Width)
                    .CopyTo(image.Slice((c * g.Height + h) * g.Width, g.Width));
    }

    /// <summary>padded = x with a border of p zeros around every plane.</summary>
    private static void Pad<T>(in ConvolutionGeometry g, ReadOnlySpan<T> image, Span<T> padded) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p = g.Padding, paddedWidth = g.Width + 2 * p, paddedHeight = g.Height + 2 * p;
        for (int c = 0; c < g.Channels; c++)
        {
            Span<T> plane = padded.Slice(c * paddedHeight * paddedWidth, paddedHeight * paddedWidth);
            if (p == 0)
            {
                image.Slice(c * g.PlaneSize, g.PlaneSize).CopyTo(plane);
                continue;
            }
            plane.Slice(0, p * paddedWidth).Clear();
            plane.Slice((p + g.Height) * paddedWidth).Clear();
            for (int h = 0; h < g.Height; h++)
            {
                Span<T> line = plane.Slice((h + p) * paddedWidth, paddedWidth);
                line.Slice(0, p).Clear();
                image.Slice((c * g.Height + h) * g.Width, g.Width).CopyTo(line.Slice(p));
                line.Slice(p + g.Width).Clear();
            }
        }
    }

    /// <summary>dst[q] = corner[offset[q]] for the first positions in steps of a vector; returns how many it wrote.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int Gather<T>(T* corner, ref int offset, ref T dst, int positions) where T : unmanaged
    {
        int q = 0;
        if (!Avx2.IsSupported) return 0;
        if (typeof(T) == typeof(float))
        {
            for (; q <= positions - 8; q += 8)
                Avx2.GatherVector256((float*)corner, Vector256.LoadUnsafe(ref Unsafe.Add(ref offset, q)), 4)
                    .StoreUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref dst, q)));
        }
        else if (typeof(T) == typeof(double))
        {
            for (; q <= positions - 4; q += 4)
                Avx2.GatherVector256((double*)corner, Vector128.LoadUnsafe(ref Unsafe.Add(ref offset, q)), 8)
                    .StoreUnsafe(ref Unsafe.As<T, double>(ref Unsafe.Add(ref dst, q)));
        }
        return q;
    }

    private static void Validate(in ConvolutionGeometry g, ReadOnlySpan<int> offsets, int imageLength, int paddedLength, int columnsLength, int leadingDimension)
    {
        int positions = g.OutputPositions;
        if (offsets.Length != positions)
            throw new ArgumentException($"The offset table has {offsets.Length} entries for {positions} output positions.");
        // The reads are unchecked: every offset must be a window corner of the padded plane (see WindowOffsets).
        int last = (g.OutputHeight - 1) * g.Stride * (g.Width + 2 * g.Padding) + (g.OutputWidth - 1) * g.Stride;
        foreach (int o in offsets)
            if ((uint)o > (uint)last)
                throw new ArgumentException($"The offset table holds {o}, outside the window corners 0 … {last} of the padded plane.");
        if (imageLength < g.ImageSize)
            throw new ArgumentException($"The image span holds {imageLength} values, fewer than one [{g.Channels}, {g.Height}, {g.Width}] image ({g.ImageSize}).");
        if (paddedLength < PaddedSize(g))
            throw new ArgumentException($"The padded scratch holds {paddedLength} values, fewer than the {PaddedSize(g)} a padded image needs.");
        if (leadingDimension < positions)
            throw new ArgumentOutOfRangeException(nameof(leadingDimension), $"The column matrix's leading dimension {leadingDimension} is smaller than its {positions} columns.");
        long needed = (long)(g.PatchSize - 1) * leadingDimension + positions;
        if (columnsLength < needed)
            throw new ArgumentException($"The column matrix is {g.PatchSize}×{positions} with leading dimension {leadingDimension} and needs {needed} values, but its span holds {columnsLength}.");
    }
}
