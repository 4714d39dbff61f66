using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MetaSpec.Kernels;
using MetaSpec.Layers;
using MetaSpec.Losses;

namespace MetaSpec.Models;

/// <summary>
/// The passes of a network whose every layer is Dense, each optionally followed by an activation, fused per
/// Dense+activation block (<see cref="Sequential{T}.WithFusedDenseLayers"/>). The layer-by-layer path makes, per layer
/// and pass, an interface call, GEMM calls that each validate, choose a kernel, pin their spans and (for x·Wᵀ)
/// transpose W again, and a bias add or sum per sample row through TensorPrimitives; here each block calls the same
/// small-GEMM kernels directly (<see cref="Product"/>), keeps Wᵀ from the forward pass for the tangent pass, adds and
/// sums the bias rows in inline vector loops, and applies the activation, σ' and σ'' in place over the block's
/// output. The arithmetic is the layers' own (the same kernels, formulas and derivatives); only the order of some
/// sums differs, so results agree with the layer-by-layer path to rounding. Measured in docs/benchmarks.md
/// (<c>maml --generated</c>); two designs with kernels of their own (a dot product per output, and per-sample row
/// combinations) were slower than these kernels and are described there.
/// </summary>
/// <remarks>
/// The workspace is the network's own and is filled as the layer-by-layer path fills it: each Dense layer's output
/// (pre-activation) and each activation's output in <see cref="Workspace{T}.Activations"/>, their tangents likewise,
/// so a caller that reads the features (<c>HeadLoss</c>) sees the same buffers. The gradient ping-pong buffers hold
/// δ = σ'⊙ȳ in place of ȳ after a block's backward pass.
/// </remarks>
internal sealed class FusedDenseChain<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The activations a block can end with.</summary>
    private enum Activation { None, ReLU, LeakyReLU, Tanh, Sigmoid }

    /// <summary>One Dense layer and the activation after it (if any).</summary>
    /// <param name="Inputs">Input features of the Dense layer.</param>
    /// <param name="Outputs">Its output features.</param>
    /// <param name="Bias">Whether it has a bias.</param>
    /// <param name="Kind">The activation after it.</param>
    /// <param name="Slope">LeakyReLU's negative slope.</param>
    /// <param name="Dense">Index of the Dense layer in the network.</param>
    /// <param name="Top">Index of the layer whose output is the block's: the activation's, or the Dense layer's.</param>
    /// <param name="Offset">First index of the Dense layer's segment in θ.</param>
    /// <param name="Scratch">First index of the block's Wᵀ and Ẇᵀ in the workspace's fused scratch.</param>
    private sealed record Block(int Inputs, int Outputs, bool Bias, Activation Kind, T Slope, int Dense, int Top, int Offset, int Scratch);

    private readonly Block[] _blocks;
    private readonly int _topParity; // the gradient buffer the loss writes (Sequential's convention: Gradient[(layers − 1) & 1])

    private FusedDenseChain(Block[] blocks, int layerCount)
    {
        _blocks = blocks;
        _topParity = (layerCount - 1) & 1;
    }

    /// <summary>The fused chain of <paramref name="layers"/>, or null with the reason when a layer is not Dense or an activation after one.</summary>
    public static FusedDenseChain<T>? TryCreate(IReadOnlyList<NamedLayer<T>> layers, IReadOnlyList<ParameterSegment> segments, out string? reason)
    {
        var blocks = new List<Block>();
        int scratch = 0;
        for (int l = 0; l < layers.Count; l++)
        {
            if (layers[l].Layer is not DenseLayer<T> dense)
            {
                reason = $"layer '{layers[l].Name}' is a {layers[l].Layer.GetType().Name.Split('`')[0]}, not a DenseLayer or an activation right after one";
                return null;
            }
            var (kind, slope) = l + 1 < layers.Count ? Kind(layers[l + 1].Layer) : (Activation.None, T.Zero);
            int top = kind == Activation.None ? l : l + 1;
            blocks.Add(new Block(dense.Inputs, dense.Outputs, dense.HasBias, kind, slope, l, top, segments[l].Offset, scratch));
            scratch += 2 * dense.Inputs * dense.Outputs;
            l = top;
        }
        reason = null;
        return new FusedDenseChain<T>([.. blocks], layers.Count);
    }

    private static (Activation, T) Kind(ILayer<T> layer) => layer switch
    {
        ReLULayer<T> => (Activation.ReLU, T.Zero),
        LeakyReLULayer<T> leaky => (Activation.LeakyReLU, T.CreateTruncating(leaky.NegativeSlope)),
        TanhLayer<T> => (Activation.Tanh, T.Zero),
        SigmoidLayer<T> => (Activation.Sigmoid, T.Zero),
        _ => (Activation.None, T.Zero),
    };

    /// <summary>The forward pass; returns the network's output (inside the workspace).</summary>
    public ReadOnlySpan<T> Forward(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, Workspace<T> ws)
    {
        ReadOnlySpan<T> x = inputs;
        foreach (var block in _blocks)
        {
            Span<T> z = ws.Activations[block.Dense].AsSpan(0, batch * block.Outputs);
            Span<T> y = ws.Activations[block.Top].AsSpan(0, batch * block.Outputs);
            ForwardBlock(block, batch, parameters.Slice(block.Offset), x, z, y, ws.FusedScratch);
            x = y;
        }
        return x;
    }

    /// <summary>The loss and its gradient (and x̄ into <paramref name="inputGradient"/> unless empty).</summary>
    public T Gradient(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ILoss<T> loss,
        Span<T> gradient, Workspace<T> ws, Span<T> inputGradient)
    {
        ReadOnlySpan<T> output = Forward(batch, parameters, inputs, ws);
        Span<T> dy = ws.Gradient[_topParity].AsSpan(0, output.Length);
        T value = loss.Forward(batch, _blocks[^1].Outputs, output, targets, dy);
        Backward(batch, parameters, inputs, dy, gradient, ws, inputGradient);
        return value;
    }

    /// <summary>Backpropagates <paramref name="outputGradient"/> through the activations of the last <see cref="Forward"/>.</summary>
    public void Backward(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> outputGradient,
        Span<T> gradient, Workspace<T> ws, Span<T> inputGradient)
    {
        int p = _topParity;
        Span<T> top = ws.Gradient[p].AsSpan(0, batch * _blocks[^1].Outputs);
        if (!outputGradient.Overlaps(top)) outputGradient.CopyTo(top);
        for (int k = _blocks.Length - 1; k >= 0; k--)
        {
            var block = _blocks[k];
            int inSize = batch * block.Inputs, outSize = batch * block.Outputs;
            ReadOnlySpan<T> x = k == 0 ? inputs : ws.Activations[_blocks[k - 1].Top].AsSpan(0, inSize);
            Span<T> gx = k == 0 ? inputGradient : ws.Gradient[1 - p].AsSpan(0, inSize);
            BackwardBlock(block, batch, parameters.Slice(block.Offset), x, ws.Activations[block.Dense].AsSpan(0, outSize),
                ws.Activations[block.Top].AsSpan(0, outSize), ws.Gradient[p].AsSpan(0, outSize), gx, gradient.Slice(block.Offset));
            p = 1 - p;
        }
    }

    /// <summary>The loss, its gradient and the Hessian-vector product along <paramref name="direction"/> (and ∂²L/∂x∂θ·θ̇ unless empty).</summary>
    public T HessianVectorProduct(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> direction, ReadOnlySpan<T> inputs,
        ReadOnlySpan<T> targets, ILoss<T> loss, Span<T> gradient, Span<T> product, Workspace<T> ws, Span<T> inputGradientTangent)
    {
        ReadOnlySpan<T> output = Forward(batch, parameters, inputs, ws);
        ReadOnlySpan<T> xDot = default; // the data does not move
        for (int k = 0; k < _blocks.Length; k++)
        {
            var block = _blocks[k];
            int inSize = batch * block.Inputs, outSize = batch * block.Outputs;
            ReadOnlySpan<T> x = k == 0 ? inputs : ws.Activations[_blocks[k - 1].Top].AsSpan(0, inSize);
            Span<T> yDot = ws.ActivationTangents[block.Top].AsSpan(0, outSize);
            ForwardTangentBlock(block, batch, parameters.Slice(block.Offset), direction.Slice(block.Offset), x, xDot,
                ws.Activations[block.Dense].AsSpan(0, outSize), ws.Activations[block.Top].AsSpan(0, outSize),
                ws.ActivationTangents[block.Dense].AsSpan(0, outSize), yDot, ws.FusedScratch);
            xDot = yDot;
        }

        int p = _topParity, outputs = _blocks[^1].Outputs;
        T value = loss.Forward(batch, outputs, output, targets, ws.Gradient[p].AsSpan(0, output.Length));
        loss.Tangent(batch, outputs, output, xDot, targets, ws.GradientTangent[p].AsSpan(0, output.Length));
        for (int k = _blocks.Length - 1; k >= 0; k--)
        {
            var block = _blocks[k];
            int inSize = batch * block.Inputs, outSize = batch * block.Outputs;
            bool first = k == 0;
            ReadOnlySpan<T> x = first ? inputs : ws.Activations[_blocks[k - 1].Top].AsSpan(0, inSize);
            ReadOnlySpan<T> xTangent = first ? default : ws.ActivationTangents[_blocks[k - 1].Top].AsSpan(0, inSize);
            SecondOrderBackwardBlock(block, batch, parameters.Slice(block.Offset), direction.Slice(block.Offset), x, xTangent,
                ws.Activations[block.Dense].AsSpan(0, outSize), ws.Activations[block.Top].AsSpan(0, outSize),
                ws.ActivationTangents[block.Top].AsSpan(0, outSize),
                ws.Gradient[p].AsSpan(0, outSize), ws.GradientTangent[p].AsSpan(0, outSize),
                first ? default : ws.Gradient[1 - p].AsSpan(0, inSize),
                first ? inputGradientTangent : ws.GradientTangent[1 - p].AsSpan(0, inSize),
                gradient.Slice(block.Offset), product.Slice(block.Offset));
            p = 1 - p;
        }
        return value;
    }

    // z = x·Wᵀ + b, y = σ(z); Wᵀ is kept in the block's scratch for the forward tangent pass.
    private static void ForwardBlock(Block block, int batch, ReadOnlySpan<T> segment, ReadOnlySpan<T> x, Span<T> z, Span<T> y, Span<T> scratch)
    {
        int n = block.Inputs, m = block.Outputs;
        ref T wt = ref Transposed(segment, n, m, scratch.Slice(block.Scratch));
        Product(false, batch, m, n, ref MemoryMarshal.GetReference(x), n, ref wt, m, ref MemoryMarshal.GetReference(z), m, add: false);
        if (block.Bias) AddToRows(batch, segment.Slice(m * n, m), z);
        if (block.Kind != Activation.None) Activate(block, z.Slice(0, batch * m), y.Slice(0, batch * m));
    }

    // δ = σ'⊙ȳ (in place of ȳ); x̄ = δ·W, W̄ = δᵀ·x, b̄ = Σ δ.
    private static void BackwardBlock(Block block, int batch, ReadOnlySpan<T> segment, ReadOnlySpan<T> x, ReadOnlySpan<T> z,
        ReadOnlySpan<T> y, Span<T> gy, Span<T> gx, Span<T> gradient)
    {
        int n = block.Inputs, m = block.Outputs, size = batch * m;
        Span<T> delta = gy.Slice(0, size);
        if (block.Kind != Activation.None) MultiplyByDerivative(block, z.Slice(0, size), y.Slice(0, size), delta, delta);
        ref T w = ref MemoryMarshal.GetReference(segment);
        ref T d = ref MemoryMarshal.GetReference(delta);
        if (!gx.IsEmpty) Product(false, batch, n, m, ref d, m, ref w, n, ref MemoryMarshal.GetReference(gx), n, add: false);
        Product(true, m, n, batch, ref d, m, ref MemoryMarshal.GetReference(x), n, ref MemoryMarshal.GetReference(gradient), n, add: false);
        if (block.Bias) SumRows(batch, delta, gradient.Slice(m * n, m));
    }

    // ż = x·Ẇᵀ + ẋ·Wᵀ + ḃ, ẏ = σ'⊙ż.
    private static void ForwardTangentBlock(Block block, int batch, ReadOnlySpan<T> segment, ReadOnlySpan<T> direction,
        ReadOnlySpan<T> x, ReadOnlySpan<T> xDot, ReadOnlySpan<T> z, ReadOnlySpan<T> y, Span<T> zDot, Span<T> yDot, Span<T> scratch)
    {
        int n = block.Inputs, m = block.Outputs, size = batch * m;
        Span<T> own = scratch.Slice(block.Scratch);
        ref T zd = ref MemoryMarshal.GetReference(zDot);
        Product(false, batch, m, n, ref MemoryMarshal.GetReference(x), n, ref Transposed(direction, n, m, own.Slice(m * n)), m, ref zd, m, add: false);
        if (!xDot.IsEmpty)
        {
            // Wᵀ as the forward pass left it.
            ref T wt = ref n == 1 || m == 1 ? ref Unsafe.AsRef(in segment[0]) : ref MemoryMarshal.GetReference(own);
            Product(false, batch, m, n, ref MemoryMarshal.GetReference(xDot), n, ref wt, m, ref zd, m, add: true);
        }
        if (block.Bias) AddToRows(batch, direction.Slice(m * n, m), zDot);
        if (block.Kind != Activation.None) MultiplyByDerivative(block, z.Slice(0, size), y.Slice(0, size), zDot.Slice(0, size), yDot.Slice(0, size));
    }

    // The backward pass and its tangent together: δ̇ = σ'⊙ȳ̇ + σ''⊙ż⊙ȳ and δ = σ'⊙ȳ (in place of ȳ̇ and ȳ), then
    // x̄ = δ·W, d/dε x̄ = δ̇·W + δ·Ẇ, W̄ = δᵀ·x, d/dε W̄ = δ̇ᵀ·x + δᵀ·ẋ, b̄ = Σ δ, d/dε b̄ = Σ δ̇.
    private static void SecondOrderBackwardBlock(Block block, int batch, ReadOnlySpan<T> segment, ReadOnlySpan<T> direction,
        ReadOnlySpan<T> x, ReadOnlySpan<T> xDot, ReadOnlySpan<T> z, ReadOnlySpan<T> y, ReadOnlySpan<T> yDot,
        Span<T> gy, Span<T> gyDot, Span<T> gx, Span<T> gxDot, Span<T> gradient, Span<T> product)
    {
        int n = block.Inputs, m = block.Outputs, size = batch * m;
        Span<T> delta = gy.Slice(0, size), deltaDot = gyDot.Slice(0, size);
        if (block.Kind != Activation.None)
        {
            ReadOnlySpan<T> zs = z.Slice(0, size), ys = y.Slice(0, size);
            MultiplyByDerivative(block, zs, ys, deltaDot, deltaDot);
            AddCurvature(block, ys, delta, yDot.Slice(0, size), deltaDot);
            MultiplyByDerivative(block, zs, ys, delta, delta);
        }
        ref T w = ref MemoryMarshal.GetReference(segment);
        ref T v = ref MemoryMarshal.GetReference(direction);
        ref T d = ref MemoryMarshal.GetReference(delta);
        ref T dd = ref MemoryMarshal.GetReference(deltaDot);
        if (!gx.IsEmpty) Product(false, batch, n, m, ref d, m, ref w, n, ref MemoryMarshal.GetReference(gx), n, add: false);
        if (!gxDot.IsEmpty)
        {
            ref T gxd = ref MemoryMarshal.GetReference(gxDot);
            Product(false, batch, n, m, ref dd, m, ref w, n, ref gxd, n, add: false);
            Product(false, batch, n, m, ref d, m, ref v, n, ref gxd, n, add: true);
        }
        ref T x0 = ref MemoryMarshal.GetReference(x);
        Product(true, m, n, batch, ref d, m, ref x0, n, ref MemoryMarshal.GetReference(gradient), n, add: false);
        ref T h = ref MemoryMarshal.GetReference(product);
        Product(true, m, n, batch, ref dd, m, ref x0, n, ref h, n, add: false);
        if (!xDot.IsEmpty) Product(true, m, n, batch, ref d, m, ref MemoryMarshal.GetReference(xDot), n, ref h, n, add: true);
        if (block.Bias)
        {
            SumRows(batch, delta, gradient.Slice(m * n, m));
            SumRows(batch, deltaDot, product.Slice(m * n, m));
        }
    }

    // Wᵀ (inputs × outputs) of the segment's W (outputs × inputs), written to scratch; W itself when it is a row or a column.
    private static unsafe ref T Transposed(ReadOnlySpan<T> segment, int inputs, int outputs, Span<T> scratch)
    {
        if (inputs == 1 || outputs == 1) return ref Unsafe.AsRef(in segment[0]);
        fixed (T* w = segment, t = scratch.Slice(0, inputs * outputs))
            GemmPacking.Transpose(w, inputs, outputs, inputs, t, outputs);
        return ref MemoryMarshal.GetReference(scratch);
    }

    /// <summary>
    /// C (+)= op(A)·B with B row-major (k × n): the kernels Gemm itself picks for products this small (the thin path
    /// when a dimension is 1, else the direct one), called without Gemm's per-call checks and dispatch.
    /// </summary>
    private static unsafe void Product(bool transposeA, int m, int n, int k, ref T a, int lda, ref T b, int ldb, ref T c, int ldc, bool add)
    {
        fixed (T* pa = &a, pb = &b, pc = &c)
        {
            if (m == 1 || n == 1 || k == 1)
            {
                GemmThin.Multiply(transposeA, false, m, n, k, pa, lda, pb, ldb, pc, ldc, add);
                return;
            }
            if (GemmDirect.IsSupported<T>())
            {
                nint aRow = transposeA ? 1 : lda, aStep = transposeA ? lda : 1;
                int done = UseWide && GemmDirect512.IsSupported<T>() ? GemmDirect512.Multiply(m, n, k, pa, aRow, aStep, pb, ldb, pc, ldc, add) : 0;
                if (done < n) GemmDirect.Multiply(m, n - done, k, pa, aRow, aStep, pb + done, ldb, pc + done, ldc, add);
                return;
            }
            int aLength = transposeA ? (k - 1) * lda + m : (m - 1) * lda + k;
            Gemm.Multiply(transposeA, false, m, n, k, new ReadOnlySpan<T>(pa, aLength), lda, new ReadOnlySpan<T>(pb, (k - 1) * ldb + n), ldb,
                new Span<T>(pc, (m - 1) * ldc + n), ldc, add);
        }
    }

    /// <summary>Whether the 512-bit direct kernel may be used: tests turn it off to check the 256-bit one on AVX-512 machines.</summary>
    internal static bool UseWide { get; set; } = true;

    // rows[b] += row for each of the batch's rows; and sum = Σ_b rows[b]. Inline vector loops: a TensorPrimitives call
    // per 40-value row cost as much as the adds (they were about a tenth of a Hessian-vector product's time).
    private static void AddToRows(int batch, ReadOnlySpan<T> row, Span<T> rows)
    {
        int m = row.Length;
        ref T r = ref MemoryMarshal.GetReference(row);
        ref T y = ref MemoryMarshal.GetReference(rows.Slice(0, batch * m));
        for (int b = 0; b < batch; b++) Add(ref r, ref Unsafe.Add(ref y, b * m), m);
    }

    private static void SumRows(int batch, ReadOnlySpan<T> rows, Span<T> sum)
    {
        int m = sum.Length;
        ref T x = ref MemoryMarshal.GetReference(rows.Slice(0, batch * m));
        ref T s = ref MemoryMarshal.GetReference(sum);
        rows.Slice(0, m).CopyTo(sum);
        for (int b = 1; b < batch; b++) Add(ref Unsafe.Add(ref x, b * m), ref s, m);
    }

    // y[0..n) += x[0..n)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(ref T x, ref T y, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                (Vector256.LoadUnsafe(ref y, (nuint)i) + Vector256.LoadUnsafe(ref x, (nuint)i)).StoreUnsafe(ref y, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref y, i) += Unsafe.Add(ref x, i);
    }

    // The activations' kernels, the layers' own (Activations.cs): σ' from z for the piecewise-linear ones, from y otherwise.

    private static void Activate(Block block, ReadOnlySpan<T> z, Span<T> y)
    {
        switch (block.Kind)
        {
            case Activation.ReLU: TensorPrimitives.Max(z, T.Zero, y); break;
            case Activation.LeakyReLU: Elementwise.ScaleByStep(z, z, y, block.Slope); break;
            case Activation.Tanh: TensorPrimitives.Tanh(z, y); break;
            default: TensorPrimitives.Sigmoid(z, y); break;
        }
    }

    private static void MultiplyByDerivative(Block block, ReadOnlySpan<T> z, ReadOnlySpan<T> y, ReadOnlySpan<T> src, Span<T> dst)
    {
        switch (block.Kind)
        {
            case Activation.ReLU: Elementwise.ScaleByStep(z, src, dst, T.Zero); break;
            case Activation.LeakyReLU: Elementwise.ScaleByStep(z, src, dst, block.Slope); break;
            case Activation.Tanh: Elementwise.TanhDerivativeTimes(y, src, dst); break;
            default: Elementwise.SigmoidDerivativeTimes(y, src, dst); break;
        }
    }

    // dst += σ''(z)⊙ż⊙ȳ written with ẏ = σ'(z)⊙ż; nothing for the piecewise-linear activations.
    private static void AddCurvature(Block block, ReadOnlySpan<T> y, ReadOnlySpan<T> gy, ReadOnlySpan<T> yDot, Span<T> dst)
    {
        if (block.Kind == Activation.Tanh) Elementwise.AddTanhCurvature(y, gy, yDot, dst);
        else if (block.Kind == Activation.Sigmoid) Elementwise.AddSigmoidCurvature(y, gy, yDot, dst);
    }

    /// <summary>Values of scratch the fused passes need beside the workspace's: each block's Wᵀ (kept from the forward pass for the tangent pass) and Ẇᵀ.</summary>
    public int ScratchLength => _blocks[^1].Scratch + 2 * _blocks[^1].Inputs * _blocks[^1].Outputs;
}
