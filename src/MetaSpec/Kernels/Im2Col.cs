using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MetaSpec.Kernels;

/// <summary>
/// im2col and col2im, the rearrangements that turn a 2-D convolution into a matrix product (PyTorch's
/// <c>Unfold</c> and <c>Fold</c>). For an image x of shape [C, H, W] and a <see cref="ConvolutionGeometry"/>
/// (k×k window, stride s, padding p), the column matrix X has C·k·k rows and Ho·Wo columns:
/// X[(c·k + i)·k + j, oh·Wo + ow] = x[c, oh·s − p + i, ow·s − p + j], and 0 where that index is padding.
/// </summary>
/// <remarks>
/// Both take a leading dimension for X so that several images can be unfolded side by side into one wider
/// matrix (image b at column offset b·Ho·Wo), which lets one GEMM cover a whole group of samples.
/// Stride 1 with "same" padding (2p = k − 1, the Conv-4 case) moves each row of X as one shifted block of the
/// image plane; otherwise the loops run over output rows, each (row of X, oh) pair being one contiguous copy for
/// stride 1 or one strided gather, with the padded margins cleared in bulk. Lengths are validated once up front,
/// so no element pays a bounds test.
/// </remarks>
internal static class Im2Col
{
    /// <summary>X = im2col(x): writes the Ho·Wo columns of <paramref name="image"/> into <paramref name="columns"/>.</summary>
    public static void Unfold<T>(in ConvolutionGeometry geometry, ReadOnlySpan<T> image, Span<T> columns, int leadingDimension)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate(geometry, image.Length, columns.Length, leadingDimension);
        int k = geometry.KernelSize, stride = geometry.Stride, padding = geometry.Padding;
        int height = geometry.Height, width = geometry.Width;
        int outHeight = geometry.OutputHeight, outWidth = geometry.OutputWidth;
        ref T source = ref MemoryMarshal.GetReference(image);
        ref T target = ref MemoryMarshal.GetReference(columns);
        if (stride == 1 && outWidth == width)
        {
            UnfoldSamePadding(geometry, ref source, ref target, leadingDimension);
            return;
        }
        // Rows oh ∈ [top, bottom) of the output read inside the image for window row i; columns [begin, end) for window column j.
        // The runs here are short (a strided Conv-4's planes are 7, 4 and 2 wide), so margins are zeroed and values moved by
        // inline loops rather than library calls, whose fixed cost dominated.
        int row = 0;
        for (int c = 0; c < geometry.Channels; c++)
            for (int i = 0; i < k; i++)
            {
                var (top, bottom) = geometry.InsideRange(i, height, outHeight);
                for (int j = 0; j < k; j++, row++)
                {
                    var (begin, end) = geometry.InsideRange(j, width, outWidth);
                    ref T targetRow = ref Unsafe.Add(ref target, (nint)row * leadingDimension);
                    if (begin == end)
                    {
                        Zero(ref targetRow, outHeight * outWidth);
                        continue;
                    }
                    Zero(ref targetRow, top * outWidth);
                    Zero(ref Unsafe.Add(ref targetRow, bottom * outWidth), (outHeight - bottom) * outWidth);
                    for (int oh = top; oh < bottom; oh++)
                    {
                        ref T dst = ref Unsafe.Add(ref targetRow, oh * outWidth);
                        int ih = oh * stride - padding + i;
                        ref T src = ref Unsafe.Add(ref source, (c * height + ih) * width + begin * stride - padding + j);
                        Zero(ref dst, begin);
                        if (stride == 1)
                            MemoryMarshal.CreateReadOnlySpan(ref src, end - begin).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dst, begin), end - begin));
                        else
                            for (int t = begin; t < end; t++) Unsafe.Add(ref dst, t) = Unsafe.Add(ref src, (t - begin) * stride);
                        Zero(ref Unsafe.Add(ref dst, end), outWidth - end);
                    }
                }
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Zero<T>(ref T start, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int t = 0; t < count; t++) Unsafe.Add(ref start, t) = T.Zero;
    }

    /// <summary>
    /// Unfold for stride 1 with "same" padding (2p = k − 1, so Wo = W and Ho = H), the Conv-4 case. There, a row of X
    /// restricted to the image rows it reads is the image plane shifted by a constant offset: one contiguous copy
    /// covers it, after which the |j − p| entries per output row that wrapped around from a neighbouring image row
    /// (they should read padding) are zeroed. This replaces up to three short copies per output row, whose call
    /// overhead dominated on the 7- and 3-wide planes of a Conv-4's deeper blocks.
    /// </summary>
    private static void UnfoldSamePadding<T>(in ConvolutionGeometry geometry, ref T source, ref T target, int leadingDimension)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = geometry.KernelSize, padding = geometry.Padding, height = geometry.Height, width = geometry.Width;
        int plane = height * width;
        int row = 0;
        for (int c = 0; c < geometry.Channels; c++)
            for (int i = 0; i < k; i++)
            {
                // Output row oh reads image row oh + i − p; rows [first, last) of the output read inside the image.
                int rowShift = i - padding;
                int first = Math.Max(0, -rowShift), last = Math.Min(height, height - rowShift);
                for (int j = 0; j < k; j++, row++)
                {
                    Span<T> dst = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref target, (nint)row * leadingDimension), plane);
                    if (last <= first)
                    {
                        dst.Clear();
                        continue;
                    }
                    dst.Slice(0, first * width).Clear();
                    dst.Slice(last * width).Clear();
                    // Position t of the block [first·W, last·W) reads image value (first + rowShift)·W + shift + t of plane c.
                    // Skipping |shift| values at one end keeps every read inside the plane; the skipped positions are
                    // wrapped ones, zeroed below with the rest.
                    int shift = j - padding, count = (last - first) * width;
                    int skipFront = Math.Max(0, -shift), copied = Math.Max(0, count - Math.Abs(shift));
                    if (copied > 0)
                    {
                        ref T blockSource = ref Unsafe.Add(ref source, c * plane + (first + rowShift) * width + shift + skipFront);
                        MemoryMarshal.CreateReadOnlySpan(ref blockSource, copied).CopyTo(dst.Slice(first * width + skipFront, copied));
                    }
                    if (shift == 0) continue;
                    int edge = Math.Min(Math.Abs(shift), width);
                    int edgeStart = shift < 0 ? 0 : width - edge;
                    ref T firstEdge = ref Unsafe.Add(ref MemoryMarshal.GetReference(dst), first * width + edgeStart);
                    for (int oh = 0; oh < last - first; oh++)
                    {
                        ref T rowEdge = ref Unsafe.Add(ref firstEdge, oh * width);
                        for (int t = 0; t < edge; t++) Unsafe.Add(ref rowEdge, t) = T.Zero;
                    }
                }
            }
    }

    /// <summary>
    /// x = col2im(X), the adjoint of <see cref="Unfold{T}"/>: overwrites <paramref name="image"/> with
    /// x[c, h, w] = Σ X[(c·k + i)·k + j, oh·Wo + ow] over every (i, j, oh, ow) whose window reads (c, h, w).
    /// Entries of X that fall on padding are dropped; with stride 1 and "same" padding they are also overwritten
    /// with zeros (X is the caller's scratch), which lets each row of X be added as one contiguous block.
    /// </summary>
    public static void Fold<T>(in ConvolutionGeometry geometry, Span<T> columns, int leadingDimension, Span<T> image)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate(geometry, image.Length, columns.Length, leadingDimension);
        int k = geometry.KernelSize, stride = geometry.Stride, padding = geometry.Padding;
        int height = geometry.Height, width = geometry.Width;
        int outHeight = geometry.OutputHeight, outWidth = geometry.OutputWidth;
        image.Slice(0, geometry.ImageSize).Clear();
        ref T target = ref MemoryMarshal.GetReference(image);
        ref T source = ref MemoryMarshal.GetReference(columns);
        if (stride == 1 && outWidth == width)
        {
            FoldSamePadding(geometry, ref source, leadingDimension, ref target);
            return;
        }
        int row = 0;
        for (int c = 0; c < geometry.Channels; c++)
            for (int i = 0; i < k; i++)
            {
                var (top, bottom) = geometry.InsideRange(i, height, outHeight);
                for (int j = 0; j < k; j++, row++)
                {
                    var (begin, end) = geometry.InsideRange(j, width, outWidth);
                    ref T sourceRow = ref Unsafe.Add(ref source, (nint)row * leadingDimension);
                    for (int oh = top; oh < bottom && begin < end; oh++)
                    {
                        int ih = oh * stride - padding + i;
                        ref T src = ref Unsafe.Add(ref sourceRow, oh * outWidth);
                        ref T dst = ref Unsafe.Add(ref target, (c * height + ih) * width + begin * stride - padding + j);
                        if (stride == 1)
                            AddRun(ref dst, ref Unsafe.Add(ref src, begin), end - begin);
                        else
                            for (int t = begin; t < end; t++) Unsafe.Add(ref dst, (t - begin) * stride) += Unsafe.Add(ref src, t);
                    }
                }
            }
    }

    /// <summary>
    /// Fold for stride 1 with "same" padding, mirroring <see cref="UnfoldSamePadding{T}"/>: the entries of each row of X
    /// that would wrap around to a neighbouring image row (they read padding) are zeroed, then the rows of X that read
    /// inside the image are added to the plane as one shifted contiguous block.
    /// </summary>
    private static void FoldSamePadding<T>(in ConvolutionGeometry geometry, ref T columns, int leadingDimension, ref T image)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = geometry.KernelSize, padding = geometry.Padding, height = geometry.Height, width = geometry.Width;
        int plane = height * width;
        int row = 0;
        for (int c = 0; c < geometry.Channels; c++)
            for (int i = 0; i < k; i++)
            {
                int rowShift = i - padding;
                int first = Math.Max(0, -rowShift), last = Math.Min(height, height - rowShift);
                for (int j = 0; j < k; j++, row++)
                {
                    if (last <= first) continue;
                    int shift = j - padding, count = (last - first) * width;
                    ref T block = ref Unsafe.Add(ref columns, (nint)row * leadingDimension + first * width);
                    if (shift != 0)
                    {
                        int edge = Math.Min(Math.Abs(shift), width);
                        int edgeStart = shift < 0 ? 0 : width - edge;
                        for (int oh = 0; oh < last - first; oh++)
                        {
                            ref T rowEdge = ref Unsafe.Add(ref block, oh * width + edgeStart);
                            for (int t = 0; t < edge; t++) Unsafe.Add(ref rowEdge, t) = T.Zero;
                        }
                    }
                    int skipFront = Math.Max(0, -shift), added = Math.Max(0, count - Math.Abs(shift));
                    if (added > 0)
                        AddRun(ref Unsafe.Add(ref image, c * plane + (first + rowShift) * width + shift + skipFront),
                            ref Unsafe.Add(ref block, skipFront), added);
                }
            }
    }

    /// <summary>
    /// dst[t] += src[t] for t &lt; count, inlined: the runs are image rows or small planes (a Conv-4's are 28, 14, 7
    /// or 3 wide), too short for a library call's fixed cost to pay off.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRun<T>(ref T dst, ref T src, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int t = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
            for (; t <= count - Vector<T>.Count; t += Vector<T>.Count)
            {
                ref byte d = ref Unsafe.As<T, byte>(ref Unsafe.Add(ref dst, t));
                ref byte s = ref Unsafe.As<T, byte>(ref Unsafe.Add(ref src, t));
                Unsafe.WriteUnaligned(ref d, Unsafe.ReadUnaligned<Vector<T>>(ref d) + Unsafe.ReadUnaligned<Vector<T>>(ref s));
            }
        for (; t < count; t++) Unsafe.Add(ref dst, t) += Unsafe.Add(ref src, t);
    }

    private static void Validate(in ConvolutionGeometry geometry, int imageLength, int columnsLength, int leadingDimension)
    {
        int positions = geometry.OutputPositions, rows = geometry.PatchSize;
        if (imageLength < geometry.ImageSize)
            throw new ArgumentException(
                $"The image span holds {imageLength} values, fewer than one [{geometry.Channels}, {geometry.Height}, {geometry.Width}] image ({geometry.ImageSize}).");
        if (leadingDimension < positions)
            throw new ArgumentOutOfRangeException(nameof(leadingDimension),
                $"The column matrix's leading dimension {leadingDimension} is smaller than its {positions} columns.");
        long needed = (long)(rows - 1) * leadingDimension + positions;
        if (columnsLength < needed)
            throw new ArgumentException(
                $"The column matrix is {rows}×{positions} with leading dimension {leadingDimension} and needs {needed} values, but its span holds {columnsLength}.");
    }
}
