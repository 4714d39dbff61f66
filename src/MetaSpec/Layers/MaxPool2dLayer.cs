using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MetaSpec.Kernels;

namespace MetaSpec.Layers;

/// <summary>
/// 2-D max pooling (PyTorch's MaxPool2d without padding, floor mode): each channel of a [C, H, W] sample is
/// covered by k×k windows with stride s, giving [C, Ho, Wo] with Ho = ⌊(H − k)/s⌋ + 1 and Wo likewise:
/// y[c, oh, ow] = x[a(c, oh, ow)], where a is the argmax of x over the window (the first maximum in row-major
/// window order when values tie).
/// </summary>
/// <remarks>
/// The layer is piecewise linear, so its derivatives route values along the argmax:
/// x̄[a] += ȳ (summed where windows overlap and share an argmax), ẏ = ẋ[a], and the backward tangent routes ȳ̇
/// exactly as the backward pass routes ȳ (the second derivative is zero almost everywhere).
/// <see cref="Forward"/> records a as state so the other kernels need not search the windows again.
/// </remarks>
public sealed class MaxPool2dLayer<T> : ILayer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ConvolutionGeometry _geometry;

    /// <summary>
    /// Max pooling of <paramref name="input"/> images with a <paramref name="kernelSize"/>² window and
    /// <paramref name="stride"/> (default: the kernel size, so windows tile the image).
    /// </summary>
    public MaxPool2dLayer(Shape input, int kernelSize, int? stride = null)
    {
        if (input.IsVector)
            throw new ArgumentException($"MaxPool2d needs image samples [C, H, W], got the vector shape {input}.", nameof(input));
        if (kernelSize < 1)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), $"MaxPool2d on input {input} needs a kernel size of at least 1, got {kernelSize}.");
        int step = stride ?? kernelSize;
        if (step < 1)
            throw new ArgumentOutOfRangeException(nameof(stride), $"MaxPool2d on input {input} needs a stride of at least 1, got {step}.");
        if (kernelSize > input.Height || kernelSize > input.Width)
            throw new ArgumentException(
                $"MaxPool2d window {kernelSize}×{kernelSize} does not fit input {input} (plane {input.Height}×{input.Width}).", nameof(kernelSize));
        _geometry = new ConvolutionGeometry(input.Channels, input.Height, input.Width, kernelSize, step, padding: 0);
        InputShape = input;
        OutputShape = Shape.Image(input.Channels, _geometry.OutputHeight, _geometry.OutputWidth);
    }

    /// <inheritdoc/>
    public Shape InputShape { get; }

    /// <inheritdoc/>
    public Shape OutputShape { get; }

    /// <summary>k.</summary>
    public int KernelSize => _geometry.KernelSize;

    /// <summary>s.</summary>
    public int Stride => _geometry.Stride;

    /// <inheritdoc/>
    public int ParameterCount => 0;

    /// <inheritdoc/>
    public IReadOnlyList<ParameterTensor> ParameterTensors => [];

    /// <inheritdoc/>
    /// <remarks>One int per output value (the argmax's index within its sample), stored in the bytes of T values.</remarks>
    public int StateLength(int batch)
    {
        long bytes = (long)batch * OutputShape.Size * sizeof(int);
        return checked((int)((bytes + Unsafe.SizeOf<T>() - 1) / Unsafe.SizeOf<T>()));
    }

    /// <inheritdoc/>
    public int TangentStateLength(int batch) => 0;

    /// <inheritdoc/>
    public int ScratchLength(int batch) => 0;

    /// <inheritdoc/>
    public void Initialize(Span<T> parameters, Random random) { }

    /// <inheritdoc/>
    public void Forward(in ForwardPass<T> pass)
    {
        int batch = pass.Batch;
        ReadOnlySpan<T> input = pass.Input;
        Span<T> output = pass.Output, state = pass.State;
        int inSize = InputShape.Size, outSize = OutputShape.Size;
        Span<int> argmax = Argmax(state, batch);
        Span<T> y = output.Slice(0, batch * outSize);
        ReadOnlySpan<T> x = input.Slice(0, batch * inSize);
        int k = _geometry.KernelSize, stride = _geometry.Stride, width = _geometry.Width, plane = _geometry.PlaneSize;
        int outHeight = _geometry.OutputHeight, outWidth = _geometry.OutputWidth;
        ref T xRef = ref MemoryMarshal.GetReference(x);
        ref T yRef = ref MemoryMarshal.GetReference(y);
        ref int aRef = ref MemoryMarshal.GetReference(argmax);
        // Every window lies inside its plane (no padding; the constructor checked k ≤ H, W), so with the spans'
        // lengths checked by the slices above, the unchecked reads below stay in bounds.
        bool vectorRows = k == 2 && stride == 2 && outWidth >= 8 && Avx2.IsSupported && typeof(T) == typeof(float);
        int o = 0;
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < _geometry.Channels; c++)
            {
                int planeStart = c * plane;
                ref T sample = ref Unsafe.Add(ref xRef, b * inSize);
                for (int oh = 0; oh < outHeight; oh++)
                {
                    int ow = 0;
                    if (vectorRows)
                    {
                        ow = PoolRowBy8(ref Unsafe.As<T, float>(ref sample), planeStart + 2 * oh * width, width, outWidth,
                            ref Unsafe.As<T, float>(ref Unsafe.Add(ref yRef, o)), ref Unsafe.Add(ref aRef, o));
                        o += ow;
                    }
                    for (; ow < outWidth; ow++, o++)
                    {
                        int corner = planeStart + oh * stride * width + ow * stride;
                        int best = corner;
                        T bestValue = Unsafe.Add(ref sample, corner);
                        if (k == 2)
                        {
                            // The common 2×2 window, unrolled: loop bookkeeping would cost as much as the comparisons.
                            KeepFirstMaximum(ref sample, corner + 1, ref bestValue, ref best);
                            KeepFirstMaximum(ref sample, corner + width, ref bestValue, ref best);
                            KeepFirstMaximum(ref sample, corner + width + 1, ref bestValue, ref best);
                        }
                        else
                        {
                            for (int i = 0; i < k; i++)
                                for (int j = 0; j < k; j++)
                                    KeepFirstMaximum(ref sample, corner + i * width + j, ref bestValue, ref best);
                        }
                        Unsafe.Add(ref yRef, o) = bestValue;
                        Unsafe.Add(ref aRef, o) = best;
                    }
                }
            }
    }

    /// <summary>
    /// One output row of 2×2, stride-2 pooling, 8 windows per step (AVX2, float): the even and odd columns of the two
    /// input rows are separated by shuffles, and the maximum and its index are kept by the same strictly-greater
    /// comparisons, in the same order, as <see cref="KeepFirstMaximum"/>. Returns the windows done (a multiple of 8);
    /// the caller finishes the row. Reads columns up to 2·ow + 1 of rows <paramref name="rowStart"/> and the next: inside the plane.
    /// </summary>
    private static int PoolRowBy8(ref float sample, int rowStart, int width, int outWidth, ref float y, ref int argmax)
    {
        var lane = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        var one = Vector256.Create(1);
        var below = Vector256.Create(width);
        int ow = 0;
        for (; ow <= outWidth - 8; ow += 8)
        {
            int corner = rowStart + 2 * ow;
            var (a, b) = EvenOdd(ref Unsafe.Add(ref sample, corner));
            var (c, d) = EvenOdd(ref Unsafe.Add(ref sample, corner + width));
            var index = Vector256.Create(corner) + lane;
            var best = a;
            var mask = Vector256.GreaterThan(b, best);
            best = Vector256.ConditionalSelect(mask, b, best);
            var offset = mask.AsInt32() & one;
            mask = Vector256.GreaterThan(c, best);
            best = Vector256.ConditionalSelect(mask, c, best);
            offset = Vector256.ConditionalSelect(mask.AsInt32(), below, offset);
            mask = Vector256.GreaterThan(d, best);
            best = Vector256.ConditionalSelect(mask, d, best);
            offset = Vector256.ConditionalSelect(mask.AsInt32(), below + one, offset);
            best.StoreUnsafe(ref Unsafe.Add(ref y, ow));
            (index + offset).StoreUnsafe(ref Unsafe.Add(ref argmax, ow));
        }
        return ow;
    }

    /// <summary>The even and the odd values of 16 consecutive floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Even, Vector256<float> Odd) EvenOdd(ref float start)
    {
        var low = Vector256.LoadUnsafe(ref start);
        var high = Vector256.LoadUnsafe(ref Unsafe.Add(ref start, 8));
        // Within each 128-bit lane: [l0 l2 h0 h2 | l4 l6 h4 h6]; then the 64-bit quarters into order.
        var even = Avx2.Permute4x64(Avx.Shuffle(low, high, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
        var odd = Avx2.Permute4x64(Avx.Shuffle(low, high, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
        return (even, odd);
    }

    /// <summary>Takes x[index] as the new maximum if it is strictly greater, so ties keep the first maximum, as PyTorch does.</summary>
    /// <remarks>
    /// Written as selects rather than a branch (the JIT keeps a branch for a conditional on a float comparison): on real
    /// activations the comparison is a coin flip, and mispredicted branches cost more than the whole window otherwise.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KeepFirstMaximum(ref T sample, int index, ref T bestValue, ref int best)
    {
        T value = Unsafe.Add(ref sample, index);
        bool greater = value > bestValue;
        int replace = -Unsafe.As<bool, byte>(ref greater); // all ones when greater, else 0
        best ^= (best ^ index) & replace;
        bestValue = T.MaxNative(bestValue, value);
    }

    /// <inheritdoc/>
    public void Backward(in BackwardPass<T> pass)
    {
        // x̄[a] += ȳ
        if (!pass.InputGradient.IsEmpty) Route(pass.Batch, Argmax(pass.State, pass.Batch), pass.OutputGradient, pass.InputGradient);
    }

    /// <inheritdoc/>
    public void ForwardTangent(in ForwardTangentPass<T> pass)
    {
        // ẏ = ẋ[a]
        int batch = pass.Batch;
        ReadOnlySpan<T> inputTangent = pass.InputTangent;
        Span<T> outputTangent = pass.OutputTangent;
        int inSize = InputShape.Size, outSize = OutputShape.Size;
        Span<T> yDot = outputTangent.Slice(0, batch * outSize);
        if (inputTangent.IsEmpty)
        {
            yDot.Clear();
            return;
        }
        ReadOnlySpan<int> argmax = Argmax(pass.State, batch);
        ReadOnlySpan<T> xDot = inputTangent.Slice(0, batch * inSize);
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<T> sample = xDot.Slice(b * inSize, inSize);
            ReadOnlySpan<int> indices = argmax.Slice(b * outSize, outSize);
            Span<T> dst = yDot.Slice(b * outSize, outSize);
            for (int o = 0; o < indices.Length; o++) dst[o] = sample[indices[o]];
        }
    }

    /// <inheritdoc/>
    public void BackwardTangent(in BackwardTangentPass<T> pass)
    {
        // d/dε x̄[a] += ȳ̇ (the argmax does not move under an infinitesimal perturbation)
        if (!pass.InputGradientTangent.IsEmpty)
            Route(pass.Batch, Argmax(pass.State, pass.Batch), pass.OutputGradientTangent, pass.InputGradientTangent);
    }

    private Span<int> Argmax(Span<T> state, int batch) =>
        MemoryMarshal.Cast<T, int>(state).Slice(0, batch * OutputShape.Size);

    private ReadOnlySpan<int> Argmax(ReadOnlySpan<T> state, int batch) =>
        MemoryMarshal.Cast<T, int>(state).Slice(0, batch * OutputShape.Size);

    /// <summary>dx = 0, then dx[a] += dy for every output.</summary>
    private void Route(int batch, ReadOnlySpan<int> argmax, ReadOnlySpan<T> outputValues, Span<T> inputValues)
    {
        int inSize = InputShape.Size, outSize = OutputShape.Size;
        Span<T> dx = inputValues.Slice(0, batch * inSize);
        dx.Clear();
        ReadOnlySpan<T> dy = outputValues.Slice(0, batch * outSize);
        for (int b = 0; b < batch; b++)
        {
            Span<T> sample = dx.Slice(b * inSize, inSize);
            ReadOnlySpan<int> indices = argmax.Slice(b * outSize, outSize);
            ReadOnlySpan<T> values = dy.Slice(b * outSize, outSize);
            for (int o = 0; o < indices.Length; o++) sample[indices[o]] += values[o];
        }
    }
}
