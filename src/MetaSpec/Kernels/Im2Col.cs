using System.Numerics;
using System.Numerics.Tensors;
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
/// The loops run over whole output rows: each (row of X, oh) pair is one contiguous copy for stride 1 and one
/// strided gather otherwise, with the padded margins cleared in bulk, so no element pays a bounds test.
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
        int row = 0;
        for (int c = 0; c < geometry.Channels; c++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++, row++)
                {
                    var (begin, end) = geometry.InsideRange(j, width, outWidth);
                    int inside = end - begin;
                    ref T targetRow = ref Unsafe.Add(ref target, (nint)row * leadingDimension);
                    for (int oh = 0; oh < outHeight; oh++)
                    {
                        ref T dst = ref Unsafe.Add(ref targetRow, oh * outWidth);
                        int ih = oh * stride - padding + i;
                        if ((uint)ih >= (uint)height || inside == 0)
                        {
                            MemoryMarshal.CreateSpan(ref dst, outWidth).Clear();
                            continue;
                        }
                        if (begin > 0) MemoryMarshal.CreateSpan(ref dst, begin).Clear();
                        if (end < outWidth) MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dst, end), outWidth - end).Clear();
                        ref T src = ref Unsafe.Add(ref source, (c * height + ih) * width + begin * stride - padding + j);
                        ref T dstInside = ref Unsafe.Add(ref dst, begin);
                        if (stride == 1)
                            MemoryMarshal.CreateReadOnlySpan(ref src, inside).CopyTo(MemoryMarshal.CreateSpan(ref dstInside, inside));
                        else
                            for (int t = 0; t < inside; t++) Unsafe.Add(ref dstInside, t) = Unsafe.Add(ref src, t * stride);
                    }
                }
    }

    /// <summary>
    /// x = col2im(X), the adjoint of <see cref="Unfold{T}"/>: overwrites <paramref name="image"/> with
    /// x[c, h, w] = Σ X[(c·k + i)·k + j, oh·Wo + ow] over every (i, j, oh, ow) whose window reads (c, h, w).
    /// Entries of X that fall on padding are dropped.
    /// </summary>
    public static void Fold<T>(in ConvolutionGeometry geometry, ReadOnlySpan<T> columns, int leadingDimension, Span<T> image)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate(geometry, image.Length, columns.Length, leadingDimension);
        int k = geometry.KernelSize, stride = geometry.Stride, padding = geometry.Padding;
        int height = geometry.Height, width = geometry.Width;
        int outHeight = geometry.OutputHeight, outWidth = geometry.OutputWidth;
        image.Slice(0, geometry.ImageSize).Clear();
        ref T target = ref MemoryMarshal.GetReference(image);
        ref T source = ref MemoryMarshal.GetReference(columns);
        int row = 0;
        for (int c = 0; c < geometry.Channels; c++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++, row++)
                {
                    var (begin, end) = geometry.InsideRange(j, width, outWidth);
                    int inside = end - begin;
                    if (inside == 0) continue;
                    ref T sourceRow = ref Unsafe.Add(ref source, (nint)row * leadingDimension);
                    for (int oh = 0; oh < outHeight; oh++)
                    {
                        int ih = oh * stride - padding + i;
                        if ((uint)ih >= (uint)height) continue;
                        ref T src = ref Unsafe.Add(ref sourceRow, oh * outWidth + begin);
                        ref T dst = ref Unsafe.Add(ref target, (c * height + ih) * width + begin * stride - padding + j);
                        if (stride == 1)
                        {
                            Span<T> dstSpan = MemoryMarshal.CreateSpan(ref dst, inside);
                            TensorPrimitives.Add(dstSpan, MemoryMarshal.CreateReadOnlySpan(ref src, inside), dstSpan);
                        }
                        else
                            for (int t = 0; t < inside; t++) Unsafe.Add(ref dst, t * stride) += Unsafe.Add(ref src, t);
                    }
                }
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
