using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Kernels;

namespace MetaSpec.Layers;

/// <summary>
/// 2-D convolution (PyTorch's Conv2d, cross-correlation) of [C, H, W] samples with F square k×k filters,
/// stride s and zero padding p, giving [F, Ho, Wo] with Ho = ⌊(H + 2p − k)/s⌋ + 1 and Wo likewise:
/// y[f, oh, ow] = b[f] + Σ_{c,i,j} W[f, c, i, j]·x[c, oh·s − p + i, ow·s − p + j].
/// Segment layout: weight [F, C, k, k], then bias [F].
/// </summary>
/// <remarks>
/// Computed as a matrix product over the im2col matrix X = cols(x) (C·k·k rows, Ho·Wo columns; see
/// <see cref="Im2Col"/>), with W read as an F × C·k·k matrix:
/// <list type="bullet">
/// <item>forward: y_b = W·cols(x_b) + b;</item>
/// <item>backward: W̄ = Σ_b ȳ_b·cols(x_b)ᵀ, b̄ = Σ_b Σ_positions ȳ_b, x̄_b = col2im(Wᵀ·ȳ_b);</item>
/// <item>forward tangent: ẏ_b = W·cols(ẋ_b) + Ẇ·cols(x_b) + ḃ;</item>
/// <item>backward tangent: d/dε x̄_b = col2im(Wᵀ·ȳ̇_b + Ẇᵀ·ȳ_b), d/dε W̄ = Σ_b ȳ̇_b·cols(x_b)ᵀ + ȳ_b·cols(ẋ_b)ᵀ,
/// d/dε b̄ = Σ ȳ̇.</item>
/// </list>
/// Samples are unfolded side by side into one column matrix, several per product, because a sample alone gives a
/// thin product (Ho·Wo columns: 49 or 9 in the deep blocks of a Conv-4) on which a GEMM cannot reach its peak;
/// the results are then scattered back to the batch-major [F, Ho, Wo] layout, a cost linear in the output size.
/// </remarks>
public sealed class Conv2dLayer<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// How many columns one matrix product should span: enough samples are grouped to reach it. Wide enough for a
    /// GEMM's panels; small enough that the column buffer (C·k·k × this: 1.2 MB for 64 channels of 3×3 in float)
    /// stays in a core's L2 cache between im2col writing it and the GEMM reading it. With the unblocked GEMM of the
    /// first version, a Conv-4 step measured the same from 256 to 1024 and slower at 1 (one product per sample) and
    /// at the whole batch. Retuned with the blocked GEMM (AMD Zen 5, 75 images): gradient and Hessian-vector product the
    /// same within noise from 256 to 1024, 10-20% slower at 2048 and 4096.
    /// </summary>
    internal const int DefaultColumnsPerProduct = 512;

    /// <summary>Output planes with fewer positions than this take the padded gather even for stride 1 with "same" padding.</summary>
    internal const int SmallPlane = 16;

    private readonly ConvolutionGeometry _geometry;
    private readonly int _filters;   // F
    private readonly int _patch;     // K = C·k·k, the inner dimension of every product
    private readonly int _positions; // P = Ho·Wo, the columns per sample
    private readonly int[]? _windowOffsets; // for strided or not-"same" convolutions: im2col through a padded copy (PaddedIm2Col)
    private readonly int _paddedLength;     // scratch for that copy

    /// <summary>
    /// A convolution of <paramref name="input"/> images [C, H, W] into <paramref name="outChannels"/> channels
    /// with a <paramref name="kernelSize"/>² window.
    /// </summary>
    public Conv2dLayer(Shape input, int outChannels, int kernelSize, int stride = 1, int padding = 0)
    {
        if (input.IsVector)
            throw new ArgumentException($"Conv2d needs image samples [C, H, W], got the vector shape {input}.", nameof(input));
        if (outChannels < 1)
            throw new ArgumentOutOfRangeException(nameof(outChannels), $"Conv2d on input {input} needs at least one output channel, got {outChannels}.");
        if (kernelSize < 1)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), $"Conv2d on input {input} needs a kernel size of at least 1, got {kernelSize}.");
        if (stride < 1)
            throw new ArgumentOutOfRangeException(nameof(stride), $"Conv2d on input {input} needs a stride of at least 1, got {stride}.");
        if (padding < 0)
            throw new ArgumentOutOfRangeException(nameof(padding), $"Conv2d on input {input} needs a non-negative padding, got {padding}.");
        int paddedHeight = input.Height + 2 * padding, paddedWidth = input.Width + 2 * padding;
        if (kernelSize > paddedHeight || kernelSize > paddedWidth)
            throw new ArgumentException(
                $"Conv2d weight [{outChannels}, {input.Channels}, {kernelSize}, {kernelSize}] does not fit input {input} " +
                $"padded by {padding} (padded plane {paddedHeight}×{paddedWidth}).", nameof(kernelSize));

        _geometry = new ConvolutionGeometry(input.Channels, input.Height, input.Width, kernelSize, stride, padding);
        _filters = outChannels;
        _patch = _geometry.PatchSize;
        _positions = _geometry.OutputPositions;
        // Stride 1 with "same" padding moves whole planes (Im2Col's fast path); everything else gathers, which the
        // padded copy turns into one offset-table gather per row of X instead of short bounds-checked runs. So do planes
        // of fewer than 16 positions, where the plane path's per-row edge fixes cost more than the values they move
        // (measured on a Conv-4's last block, 3×3 planes, 57 images: im2col 498 µs and col2im 380 µs on the plane path).
        if (stride != 1 || _geometry.OutputWidth != input.Width || _geometry.OutputHeight != input.Height || _positions < SmallPlane)
        {
            _windowOffsets = PaddedIm2Col.WindowOffsets(_geometry);
            _paddedLength = PaddedIm2Col.PaddedSize(_geometry);
        }
        InputShape = input;
        OutputShape = Shape.Image(outChannels, _geometry.OutputHeight, _geometry.OutputWidth);
        ParameterTensors =
        [
            new("weight", 0, [outChannels, input.Channels, kernelSize, kernelSize]),
            new("bias", outChannels * _patch, [outChannels]),
        ];
    }

    /// <inheritdoc/>
    public Shape InputShape { get; }

    /// <inheritdoc/>
    public Shape OutputShape { get; }

    /// <summary>k.</summary>
    public int KernelSize => _geometry.KernelSize;

    /// <summary>s.</summary>
    public int Stride => _geometry.Stride;

    /// <summary>p.</summary>
    public int Padding => _geometry.Padding;

    /// <inheritdoc/>
    public int ParameterCount => _filters * _patch + _filters;

    /// <inheritdoc/>
    public IReadOnlyList<ParameterTensor> ParameterTensors { get; }

    /// <summary>Target width of one matrix product in columns (see <see cref="DefaultColumnsPerProduct"/>); 1 gives one product per sample.</summary>
    internal int ColumnsPerProduct { get; init; } = DefaultColumnsPerProduct;

    /// <inheritdoc/>
    public int StateLength(int batch) => 0;

    /// <inheritdoc/>
    public int TangentStateLength(int batch) => 0;

    /// <inheritdoc/>
    /// <remarks>
    /// The column matrix (K × N) and two F × N product buffers, N = samples per product × Ho·Wo, then (strided or
    /// not-"same" convolutions) a padded copy of one image.
    /// </remarks>
    public int ScratchLength(int batch) => (_patch + 2 * _filters) * SamplesPerProduct(batch) * _positions + _paddedLength;

    /// <inheritdoc/>
    public void Initialize(Span<T> parameters, Random random) =>
        Initializers.KaimingUniform(parameters.Slice(0, ParameterCount), _patch, random);

    private int SamplesPerProduct(int batch) =>
        Math.Clamp((ColumnsPerProduct + _positions - 1) / _positions, 1, Math.Max(1, batch));

    private ReadOnlySpan<T> Weight(ReadOnlySpan<T> p) => p.Slice(0, _filters * _patch);
    private ReadOnlySpan<T> Bias(ReadOnlySpan<T> p) => p.Slice(_filters * _patch, _filters);

    /// <inheritdoc/>
    public void Forward(in ForwardPass<T> pass)
    {
        int batch = pass.Batch;
        ReadOnlySpan<T> parameters = pass.Parameters, input = pass.Input;
        Span<T> output = pass.Output, scratch = pass.Scratch;
        // y_b = W·cols(x_b) + b
        int group = SamplesPerProduct(batch);
        for (int start = 0; start < batch; start += group)
        {
            int n = Math.Min(group, batch - start), width = n * _positions;
            Span<T> columns = scratch.Slice(0, _patch * width);
            Span<T> outputs = OutputSamples(output, start, n);
            Span<T> product = ProductBuffer(scratch, n, outputs);
            UnfoldGroup(input, start, n, columns, scratch);
            Gemm.Multiply(false, false, _filters, width, _patch, Weight(parameters), _patch, columns, width, product, width);
            ScatterWithBias(product, n, Bias(parameters), outputs);
        }
    }

    /// <inheritdoc/>
    public void Backward(in BackwardPass<T> pass)
    {
        int batch = pass.Batch;
        ReadOnlySpan<T> parameters = pass.Parameters, input = pass.Input, outputGradient = pass.OutputGradient;
        Span<T> inputGradient = pass.InputGradient, parameterGradient = pass.ParameterGradient, scratch = pass.Scratch;
        // W̄ = Σ_b ȳ_b·cols(x_b)ᵀ, b̄ = Σ ȳ, x̄_b = col2im(Wᵀ·ȳ_b)
        Span<T> weightGradient = parameterGradient.Slice(0, _filters * _patch);
        Span<T> biasGradient = parameterGradient.Slice(_filters * _patch, _filters);
        biasGradient.Clear();
        int group = SamplesPerProduct(batch);
        for (int start = 0; start < batch; start += group)
        {
            int n = Math.Min(group, batch - start), width = n * _positions;
            Span<T> columns = scratch.Slice(0, _patch * width);
            ReadOnlySpan<T> dy = GatherGroup(outputGradient, start, n, scratch.Slice(_patch * width, _filters * width));
            UnfoldGroup(input, start, n, columns, scratch);
            Gemm.Multiply(false, true, _filters, _patch, width, dy, width, columns, width, weightGradient, _patch, accumulate: start > 0);
            AddRowSums(dy, width, biasGradient);
            if (!inputGradient.IsEmpty)
            {
                Gemm.Multiply(true, false, _patch, width, _filters, Weight(parameters), _patch, dy, width, columns, width);
                FoldGroup(columns, start, n, inputGradient, scratch);
            }
        }
    }

    /// <inheritdoc/>
    public void ForwardTangent(in ForwardTangentPass<T> pass)
    {
        int batch = pass.Batch;
        ReadOnlySpan<T> parameters = pass.Parameters, parameterTangent = pass.ParameterTangent, input = pass.Input, inputTangent = pass.InputTangent;
        Span<T> outputTangent = pass.OutputTangent, scratch = pass.Scratch;
        // ẏ_b = Ẇ·cols(x_b) + W·cols(ẋ_b) + ḃ, the second term dropped when ẋ = 0
        int group = SamplesPerProduct(batch);
        for (int start = 0; start < batch; start += group)
        {
            int n = Math.Min(group, batch - start), width = n * _positions;
            Span<T> columns = scratch.Slice(0, _patch * width);
            Span<T> outputs = OutputSamples(outputTangent, start, n);
            Span<T> product = ProductBuffer(scratch, n, outputs);
            UnfoldGroup(input, start, n, columns, scratch);
            Gemm.Multiply(false, false, _filters, width, _patch, Weight(parameterTangent), _patch, columns, width, product, width);
            if (!inputTangent.IsEmpty)
            {
                UnfoldGroup(inputTangent, start, n, columns, scratch);
                Gemm.Multiply(false, false, _filters, width, _patch, Weight(parameters), _patch, columns, width, product, width, accumulate: true);
            }
            ScatterWithBias(product, n, Bias(parameterTangent), outputs);
        }
    }

    /// <inheritdoc/>
    public void BackwardTangent(in BackwardTangentPass<T> pass)
    {
        int batch = pass.Batch;
        ReadOnlySpan<T> parameters = pass.Parameters, parameterTangent = pass.ParameterTangent, input = pass.Input, inputTangent = pass.InputTangent;
        ReadOnlySpan<T> outputGradient = pass.OutputGradient, outputGradientTangent = pass.OutputGradientTangent;
        Span<T> inputGradientTangent = pass.InputGradientTangent, parameterGradientTangent = pass.ParameterGradientTangent, scratch = pass.Scratch;
        // d/dε x̄_b = col2im(Wᵀ·ȳ̇_b + Ẇᵀ·ȳ_b);  d/dε W̄ = Σ_b ȳ̇_b·cols(x_b)ᵀ + ȳ_b·cols(ẋ_b)ᵀ;  d/dε b̄ = Σ ȳ̇
        Span<T> weightGradientTangent = parameterGradientTangent.Slice(0, _filters * _patch);
        Span<T> biasGradientTangent = parameterGradientTangent.Slice(_filters * _patch, _filters);
        biasGradientTangent.Clear();
        int group = SamplesPerProduct(batch);
        for (int start = 0; start < batch; start += group)
        {
            int n = Math.Min(group, batch - start), width = n * _positions;
            Span<T> columns = scratch.Slice(0, _patch * width);
            ReadOnlySpan<T> dy = GatherGroup(outputGradient, start, n, scratch.Slice(_patch * width, _filters * width));
            ReadOnlySpan<T> dyDot = GatherGroup(outputGradientTangent, start, n, scratch.Slice((_patch + _filters) * width, _filters * width));
            if (!inputGradientTangent.IsEmpty)
            {
                Gemm.Multiply(true, false, _patch, width, _filters, Weight(parameters), _patch, dyDot, width, columns, width);
                Gemm.Multiply(true, false, _patch, width, _filters, Weight(parameterTangent), _patch, dy, width, columns, width, accumulate: true);
                FoldGroup(columns, start, n, inputGradientTangent, scratch);
            }
            UnfoldGroup(input, start, n, columns, scratch);
            Gemm.Multiply(false, true, _filters, _patch, width, dyDot, width, columns, width, weightGradientTangent, _patch, accumulate: start > 0);
            if (!inputTangent.IsEmpty)
            {
                UnfoldGroup(inputTangent, start, n, columns, scratch);
                Gemm.Multiply(false, true, _filters, _patch, width, dy, width, columns, width, weightGradientTangent, _patch, accumulate: true);
            }
            AddRowSums(dyDot, width, biasGradientTangent);
        }
    }

    private Span<T> OutputSamples(Span<T> values, int start, int n) =>
        values.Slice(start * OutputShape.Size, n * OutputShape.Size);

    /// <summary>
    /// Where the F × n·Ho·Wo product goes: straight into the output when the group is one sample (its [F, Ho, Wo]
    /// layout is that matrix), otherwise into scratch after the column matrix, to be scattered.
    /// </summary>
    private Span<T> ProductBuffer(Span<T> scratch, int n, Span<T> outputs) =>
        n == 1 ? outputs : scratch.Slice(_patch * n * _positions, _filters * n * _positions);

    /// <summary>Unfolds samples start … start + n − 1 side by side: sample b's columns start at b·Ho·Wo.</summary>
    private void UnfoldGroup(ReadOnlySpan<T> images, int start, int n, Span<T> columns, Span<T> scratch)
    {
        int size = InputShape.Size, width = n * _positions;
        for (int b = 0; b < n; b++)
        {
            if (_windowOffsets is null)
                Im2Col.Unfold(_geometry, images.Slice((start + b) * size, size), columns.Slice(b * _positions), width);
            else
                PaddedIm2Col.Unfold(_geometry, _windowOffsets, images.Slice((start + b) * size, size), Padded(scratch), columns.Slice(b * _positions), width);
        }
    }

    /// <summary>
    /// The adjoint of <see cref="UnfoldGroup"/>: overwrites samples start … start + n − 1. May zero the column
    /// entries that fall on padding (see <see cref="Im2Col.Fold{T}"/>).
    /// </summary>
    private void FoldGroup(Span<T> columns, int start, int n, Span<T> images, Span<T> scratch)
    {
        int size = InputShape.Size, width = n * _positions;
        for (int b = 0; b < n; b++)
        {
            if (_windowOffsets is null)
                Im2Col.Fold(_geometry, columns.Slice(b * _positions), width, images.Slice((start + b) * size, size));
            else
                PaddedIm2Col.Fold(_geometry, _windowOffsets, columns.Slice(b * _positions), width, Padded(scratch), images.Slice((start + b) * size, size));
        }
    }

    /// <summary>The padded image's scratch: after everything else (see <see cref="ScratchLength"/>).</summary>
    private Span<T> Padded(Span<T> scratch) => scratch.Slice(scratch.Length - _paddedLength, _paddedLength);

    /// <summary>
    /// Rearranges n batch-major [F, Ho, Wo] samples into one F × n·Ho·Wo matrix (sample b in columns b·Ho·Wo …);
    /// a single sample already has that layout and is returned as is.
    /// </summary>
    private ReadOnlySpan<T> GatherGroup(ReadOnlySpan<T> values, int start, int n, Span<T> buffer)
    {
        int sampleSize = OutputShape.Size;
        if (n == 1) return values.Slice(start * sampleSize, sampleSize);
        int width = n * _positions;
        for (int b = 0; b < n; b++)
            for (int f = 0; f < _filters; f++)
                values.Slice((start + b) * sampleSize + f * _positions, _positions).CopyTo(buffer.Slice(f * width + b * _positions, _positions));
        return buffer.Slice(0, _filters * width);
    }

    /// <summary>outputs[b, f, :] = product[f, b·Ho·Wo …] + bias[f]; in place when the product is the output itself.</summary>
    private void ScatterWithBias(ReadOnlySpan<T> product, int n, ReadOnlySpan<T> bias, Span<T> outputs)
    {
        int sampleSize = OutputShape.Size, width = n * _positions;
        for (int b = 0; b < n; b++)
            for (int f = 0; f < _filters; f++)
                TensorPrimitives.Add(product.Slice(f * width + b * _positions, _positions), bias[f], outputs.Slice(b * sampleSize + f * _positions, _positions));
    }

    /// <summary>sums[f] += Σ_j matrix[f, j] over an F × width matrix.</summary>
    private void AddRowSums(ReadOnlySpan<T> matrix, int width, Span<T> sums)
    {
        for (int f = 0; f < _filters; f++) sums[f] += TensorPrimitives.Sum(matrix.Slice(f * width, width));
    }
}
