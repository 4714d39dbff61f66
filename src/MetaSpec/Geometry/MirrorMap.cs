using MetaSpec.Engine;
using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Layers;
using MetaSpec.Meta;
using MetaSpec.Models;

namespace MetaSpec.Geometry;

/// <summary>
/// The learned inverse mirror map g of mirror-descent meta-learning (docs/geometry.md): the inner loop steps in
/// the dual, zₖ₊₁ = zₖ − α∇L_S(g(zₖ)), and φₖ = g(zₖ). g is a block-wise autoregressive affine flow over the
/// parameter tensors B₁ … B_B (in θ order):
/// <code>
/// [g(z)]_Bᵢ = z_Bᵢ ⊙ σ(aᵢ) + μᵢ,  σ(a) = 2·sigmoid(a) ∈ (0, 2),
/// [aᵢ; μᵢ] = Dᵢ(e₁, …, eᵢ₋₁) = W2ᵢ·tanh(W1ᵢ·[e₁; …; eᵢ₋₁] + b1ᵢ) + b2ᵢ   (the first block: learned constants),
/// eⱼ = tanh(Eⱼ·Rⱼ·z_Bⱼ + cⱼ),  Rⱼ a fixed E × |Bⱼ| Rademacher projection scaled by 1/√|Bⱼ|.
/// </code>
/// The decoder's output layer W2ᵢ has one row pair per output unit of the tensor (its first dimension d₀), shared along
/// the other axes (FiLM-style: 2·d₀·H weights), and b2ᵢ one pair per parameter; with <c>denseOutput</c> every parameter
/// has its own row pair (2·|Bᵢ|·H weights), the formula exactly as the issue reads it.
/// J_g is lower block triangular with diagonal blocks diag(σ(aᵢ)) ∈ (0, 2): g is increasing in the triangular
/// sense and invertible. With W2 = b2 = 0 and zero constants (<see cref="Initialize"/>) g is exactly the
/// identity, so training starts from MAML. Coordinates outside the blocks pass through unchanged (J = I there).
/// Only first derivatives are provided: the recursion needs J_gᵀ·v and J_{θ_g}ᵀ·v (<see cref="AccumulateTranspose"/>).
/// Stateless apart from the fixed projections: θ_g and a per-thread <see cref="MirrorMapWorkspace{T}"/> are passed in.
/// </summary>
internal sealed class MirrorMap<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Default width E of each block's embedding (and of its fixed projection).</summary>
    public const int DefaultEmbedding = 8;

    /// <summary>Default hidden width H of each decoder.</summary>
    public const int DefaultHidden = 32;

    /// <summary>The seed of the fixed projections unless another is given.</summary>
    public const ulong DefaultProjectionSeed = 0x6D6972726F72UL; // "mirror"

    /// <summary>σ(a) = 2·sigmoid(a) lies in (0, <see cref="ScaleBound"/>): the diagonal blocks of J_g are below it.</summary>
    public const double ScaleBound = 2;

    private readonly ParameterTensor[] _blocks, _tensors, _buffers;
    private readonly BlockLayout[] _layout;
    private readonly T[][] _projections; // Rⱼ for j < B − 1: [E, |Bⱼ|] row-major
    private readonly int _maxBlock;

    /// <summary>
    /// Offsets in θ_g of one block's tensors (−1 when absent), and the output layer's shape: <c>Units</c> row pairs of W2, each
    /// serving a contiguous run of <c>Run</c> parameters (Units·Run = |Bᵢ|; Run = 1 for the dense output).
    /// </summary>
    private readonly record struct BlockLayout(int Constants, int Hidden, int HiddenBias, int Output, int OutputBias, int Encoder, int EncoderBias,
        int Units = 0, int Run = 1);

    /// <summary>
    /// A map over <paramref name="blocks"/> of θ (length <paramref name="length"/>) with embeddings of width
    /// <paramref name="embedding"/> and decoders of hidden width <paramref name="hidden"/>.
    /// </summary>
    public MirrorMap(int length, IReadOnlyList<ParameterTensor> blocks, int embedding = DefaultEmbedding, int hidden = DefaultHidden,
        ulong projectionSeed = DefaultProjectionSeed, bool denseOutput = false)
    {
        _blocks = GeometryBlocks.Validate(length, blocks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embedding);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        Length = length;
        Embedding = embedding;
        Hidden = hidden;
        DenseOutput = denseOutput;
        int count = _blocks.Length, e = embedding, h = hidden, offset = 0;
        var tensors = new List<ParameterTensor>();
        var buffers = new List<ParameterTensor>();
        _layout = new BlockLayout[count];
        _projections = new T[Math.Max(0, count - 1)][];
        var random = new SeededRandom(projectionSeed);
        int Add(string name, params int[] dims)
        {
            var t = new ParameterTensor(name, offset, dims);
            tensors.Add(t);
            offset += t.Length;
            return t.Offset;
        }
        for (int i = 0; i < count; i++)
        {
            var block = _blocks[i];
            string prefix = $"mirror.{block.Name}";
            int n = block.Length;
            _maxBlock = Math.Max(_maxBlock, n);
            int units = denseOutput ? n : block.Dimensions[0];
            var layout = i == 0
                ? new BlockLayout(Add($"{prefix}.constants", 2 * n), -1, -1, -1, -1, -1, -1)
                : new BlockLayout(-1, Add($"{prefix}.decoder.0.weight", h, e * i), Add($"{prefix}.decoder.0.bias", h),
                    Add($"{prefix}.decoder.2.weight", 2 * units, h), Add($"{prefix}.decoder.2.bias", 2 * n), -1, -1, units, n / units);
            if (i < count - 1)
            {
                // The last block's embedding would feed no decoder: it has none.
                layout = layout with { Encoder = Add($"{prefix}.encoder.weight", e, e), EncoderBias = Add($"{prefix}.encoder.bias", e) };
                buffers.Add(new ParameterTensor($"{prefix}.projection", 0, [e, n]));
                _projections[i] = Rademacher(random, projectionSeed, i, e, n);
            }
            _layout[i] = layout;
        }
        ParameterCount = offset;
        _tensors = tensors.ToArray();
        _buffers = buffers.ToArray();
        ProjectionSeed = projectionSeed;
    }

    /// <summary>Rⱼ: independent ±1/√n entries, from a stream keyed by (seed, block) so a block's projection does not depend on the others.</summary>
    private static T[] Rademacher(SeededRandom random, ulong seed, int block, int rows, int n)
    {
        random.Reseed(seed, (ulong)block);
        var r = new T[rows * n];
        T plus = T.One / T.Sqrt(T.CreateTruncating(n)), minus = -plus;
        for (int i = 0; i < r.Length; i++) r[i] = (random.Next() & 1) == 0 ? plus : minus;
        return r;
    }

    /// <summary>Length of z and φ (|θ|).</summary>
    public int Length { get; }

    /// <summary>The parameter tensors the flow runs over, in θ order (offsets in θ).</summary>
    public IReadOnlyList<ParameterTensor> Blocks => _blocks;

    /// <summary>Width E of each embedding.</summary>
    public int Embedding { get; }

    /// <summary>Hidden width H of each decoder.</summary>
    public int Hidden { get; }

    /// <summary>Whether every parameter has its own output row pair (dense) rather than one per output unit of its tensor (FiLM-style).</summary>
    public bool DenseOutput { get; }

    /// <summary>Seed the fixed projections were drawn from.</summary>
    public ulong ProjectionSeed { get; }

    /// <summary>Length of θ_g.</summary>
    public int ParameterCount { get; }

    /// <summary>
    /// The tensors of θ_g with checkpoint names and offsets in θ_g: per block <c>mirror.{tensor}.constants</c> [2|B₁|]
    /// (first block: scale logits a then shifts μ), or <c>decoder.0.weight</c> [H, E(i−1)], <c>decoder.0.bias</c> [H],
    /// <c>decoder.2.weight</c> [2·d₀, H] (FiLM-style; [2|Bᵢ|, H] dense), <c>decoder.2.bias</c> [2|Bᵢ|] (rows: a then μ), then, for all but the last
    /// block, <c>encoder.weight</c> [E, E] and <c>encoder.bias</c> [E].
    /// </summary>
    public IReadOnlyList<ParameterTensor> Tensors => _tensors;

    /// <summary>The fixed (not learned) projections <c>mirror.{tensor}.projection</c> [E, |Bⱼ|], as PyTorch buffers; offsets are 0.</summary>
    public IReadOnlyList<ParameterTensor> Buffers => _buffers;

    /// <summary>The fixed projection Rⱼ of block <paramref name="block"/> (every block but the last), row-major [E, |Bⱼ|].</summary>
    public ReadOnlySpan<T> Projection(int block) => _projections[block];

    /// <summary>Buffers for one thread's calls.</summary>
    public MirrorMapWorkspace<T> CreateWorkspace() => new(_blocks.Length, Embedding, Hidden, Length, _maxBlock);

    /// <summary>
    /// Writes the initial θ_g: encoders and first decoder layers with PyTorch's default initialisation from
    /// <paramref name="random"/>, and zero output layers and constants, so that g is exactly the identity.
    /// </summary>
    public void Initialize(Span<T> parameters, Random random)
    {
        Guard.Length(parameters.Length, ParameterCount, nameof(parameters));
        ArgumentNullException.ThrowIfNull(random);
        parameters.Clear();
        for (int i = 0; i < _blocks.Length; i++)
        {
            var l = _layout[i];
            if (l.Hidden >= 0)
            {
                int fanIn = Embedding * i;
                Initializers.KaimingUniform(parameters.Slice(l.Hidden, Hidden * fanIn), fanIn, random);
                Initializers.KaimingUniform(parameters.Slice(l.HiddenBias, Hidden), fanIn, random);
            }
            if (l.Encoder >= 0)
            {
                Initializers.KaimingUniform(parameters.Slice(l.Encoder, Embedding * Embedding), Embedding, random);
                Initializers.KaimingUniform(parameters.Slice(l.EncoderBias, Embedding), Embedding, random);
            }
        }
    }

    /// <summary>
    /// <paramref name="image"/> = g(<paramref name="dual"/>); the workspace keeps what the derivative calls at the same
    /// point need (embeddings, hidden states, scales), until the next <see cref="Forward"/> on it.
    /// </summary>
    public void Forward(ReadOnlySpan<T> parameters, ReadOnlySpan<T> dual, Span<T> image, MirrorMapWorkspace<T> workspace)
    {
        Check(parameters, dual, image, workspace);
        int e = Embedding, h = Hidden;
        dual.CopyTo(image);
        Span<T> embeddings = workspace.Embeddings;
        for (int j = 0; j < _blocks.Length - 1; j++)
        {
            ReadOnlySpan<T> z = dual.Slice(_blocks[j].Offset, _blocks[j].Length);
            Span<T> projected = workspace.Projected.AsSpan(j * e, e);
            Project(j, z, projected);
            Affine(parameters.Slice(_layout[j].Encoder, e * e), parameters.Slice(_layout[j].EncoderBias, e), projected, embeddings.Slice(j * e, e));
            TensorPrimitives.Tanh(embeddings.Slice(j * e, e), embeddings.Slice(j * e, e));
        }
        for (int i = 0; i < _blocks.Length; i++)
        {
            var (block, l) = (_blocks[i], _layout[i]);
            int n = block.Length;
            ReadOnlySpan<T> z = dual.Slice(block.Offset, n);
            Span<T> phi = image.Slice(block.Offset, n), scale = workspace.Scale.AsSpan(block.Offset, n);
            if (i == 0)
            {
                parameters.Slice(l.Constants, n).CopyTo(scale);
                parameters.Slice(l.Constants + n, n).CopyTo(phi);
            }
            else
            {
                Span<T> hidden = workspace.Hidden.AsSpan(i * h, h);
                Affine(parameters.Slice(l.Hidden, h * e * i), parameters.Slice(l.HiddenBias, h), embeddings.Slice(0, e * i), hidden);
                TensorPrimitives.Tanh(hidden, hidden);
                int units = l.Units, run = l.Run;
                ReadOnlySpan<T> w2 = parameters.Slice(l.Output, 2 * units * h), b2 = parameters.Slice(l.OutputBias, 2 * n);
                for (int u = 0, r = 0; u < units; u++)
                {
                    T a = TensorPrimitives.Dot(w2.Slice(u * h, h), hidden), mu = TensorPrimitives.Dot(w2.Slice((units + u) * h, h), hidden);
                    for (int end = r + run; r < end; r++)
                    {
                        scale[r] = a + b2[r];
                        phi[r] = mu + b2[n + r];
                    }
                }
            }
            // s = 2·sigmoid(a); φ = z⊙s + μ
            TensorPrimitives.Sigmoid(scale, scale);
            TensorPrimitives.Add(scale, scale, scale);
            TensorPrimitives.FusedMultiplyAdd(z, scale, phi, phi);
        }
    }

    /// <summary>
    /// Adds J_g(z)ᵀ·<paramref name="cotangent"/> into <paramref name="dualGradient"/> and J_{θ_g}(z)ᵀ·<paramref name="cotangent"/>
    /// into <paramref name="parameterGradient"/>, at the z of the last <see cref="Forward"/> on <paramref name="workspace"/>.
    /// One recursion step is this call with the cotangent −∇²L_S(φₖ)·(α aₖ₊₁) (docs/geometry.md).
    /// </summary>
    public void AccumulateTranspose(ReadOnlySpan<T> parameters, ReadOnlySpan<T> dual, ReadOnlySpan<T> cotangent,
        Span<T> dualGradient, Span<T> parameterGradient, MirrorMapWorkspace<T> workspace)
    {
        Check(parameters, dual, dualGradient, workspace);
        Guard.Length(cotangent.Length, Length, nameof(cotangent));
        Guard.Length(parameterGradient.Length, ParameterCount, nameof(parameterGradient));
        if (cotangent.Overlaps(dualGradient)) throw new ArgumentException("The cotangent and the gradient it is added into overlap.", nameof(dualGradient));
        int e = Embedding, h = Hidden;
        Span<T> embeddingGradient = workspace.EmbeddingGradient;
        embeddingGradient.Clear();
        Span<T> hiddenGradient = workspace.HiddenGradient, outputGradient = workspace.OutputGradient;
        AddOutside(cotangent, dualGradient);
        for (int i = 0; i < _blocks.Length; i++)
        {
            var (block, l) = (_blocks[i], _layout[i]);
            int n = block.Length;
            ReadOnlySpan<T> z = dual.Slice(block.Offset, n), v = cotangent.Slice(block.Offset, n), s = workspace.Scale.AsSpan(block.Offset, n);
            Span<T> gz = dualGradient.Slice(block.Offset, n);
            // ∂φ/∂z on the diagonal: s. ∂φ/∂a = z⊙σ'(a) = z⊙s⊙(1 − s/2); ∂φ/∂μ = 1.
            TensorPrimitives.FusedMultiplyAdd(v, s, gz, gz);
            Span<T> scaleGradient = outputGradient.Slice(0, n);
            T half = T.One / (T.One + T.One);
            for (int r = 0; r < n; r++) scaleGradient[r] = v[r] * z[r] * s[r] * (T.One - half * s[r]);
            if (i == 0)
            {
                Span<T> constants = parameterGradient.Slice(l.Constants, 2 * n);
                TensorPrimitives.Add(constants.Slice(0, n), scaleGradient, constants.Slice(0, n));
                TensorPrimitives.Add(constants.Slice(n, n), v, constants.Slice(n, n));
                continue;
            }
            int units = l.Units, run = l.Run;
            ReadOnlySpan<T> hidden = workspace.Hidden.AsSpan(i * h, h), w2 = parameters.Slice(l.Output, 2 * units * h);
            Span<T> w2Gradient = parameterGradient.Slice(l.Output, 2 * units * h), b2Gradient = parameterGradient.Slice(l.OutputBias, 2 * n);
            hiddenGradient.Clear();
            for (int u = 0; u < units; u++)
            {
                // A shared row's gradient sums those of the parameters it serves.
                T ga = run == 1 ? scaleGradient[u] : TensorPrimitives.Sum<T>(scaleGradient.Slice(u * run, run));
                T gm = run == 1 ? v[u] : TensorPrimitives.Sum(v.Slice(u * run, run));
                TensorPrimitives.MultiplyAdd(w2.Slice(u * h, h), ga, hiddenGradient, hiddenGradient);
                TensorPrimitives.MultiplyAdd(w2.Slice((units + u) * h, h), gm, hiddenGradient, hiddenGradient);
                TensorPrimitives.MultiplyAdd(hidden, ga, w2Gradient.Slice(u * h, h), w2Gradient.Slice(u * h, h));
                TensorPrimitives.MultiplyAdd(hidden, gm, w2Gradient.Slice((units + u) * h, h), w2Gradient.Slice((units + u) * h, h));
            }
            TensorPrimitives.Add(b2Gradient.Slice(0, n), scaleGradient, b2Gradient.Slice(0, n));
            TensorPrimitives.Add(b2Gradient.Slice(n, n), v, b2Gradient.Slice(n, n));
            // Through tanh, then the first decoder layer into its parameters and the embeddings e₁ … eᵢ₋₁.
            TanhBackward(hidden, hiddenGradient);
            AffineBackward(parameters.Slice(l.Hidden, h * e * i), workspace.Embeddings.AsSpan(0, e * i), hiddenGradient,
                parameterGradient.Slice(l.Hidden, h * e * i), parameterGradient.Slice(l.HiddenBias, h), embeddingGradient.Slice(0, e * i));
        }
        Span<T> projectedGradient = workspace.ProjectedGradient;
        for (int j = 0; j < _blocks.Length - 1; j++)
        {
            var (block, l) = (_blocks[j], _layout[j]);
            Span<T> ge = embeddingGradient.Slice(j * e, e);
            TanhBackward(workspace.Embeddings.AsSpan(j * e, e), ge);
            projectedGradient.Clear();
            AffineBackward(parameters.Slice(l.Encoder, e * e), workspace.Projected.AsSpan(j * e, e), ge,
                parameterGradient.Slice(l.Encoder, e * e), parameterGradient.Slice(l.EncoderBias, e), projectedGradient);
            // z̄ⱼ += Rⱼᵀ·p̄ⱼ
            Span<T> gz = dualGradient.Slice(block.Offset, block.Length);
            ReadOnlySpan<T> projection = _projections[j];
            for (int r = 0; r < e; r++)
                TensorPrimitives.MultiplyAdd(projection.Slice(r * block.Length, block.Length), projectedGradient[r], gz, gz);
        }
    }

    /// <summary>
    /// <paramref name="product"/> = J_g(z)·<paramref name="tangent"/> at the z of the last <see cref="Forward"/> on
    /// <paramref name="workspace"/> (for the step-size estimate by power iteration, and for tests).
    /// </summary>
    public void JacobianTimes(ReadOnlySpan<T> parameters, ReadOnlySpan<T> dual, ReadOnlySpan<T> tangent, Span<T> product,
        MirrorMapWorkspace<T> workspace)
    {
        Check(parameters, dual, product, workspace);
        Guard.Length(tangent.Length, Length, nameof(tangent));
        if (tangent.Overlaps(product)) throw new ArgumentException("The tangent and the product overlap.", nameof(product));
        int e = Embedding, h = Hidden;
        tangent.CopyTo(product);
        Span<T> embeddingTangent = workspace.EmbeddingGradient, projectedTangent = workspace.ProjectedGradient, hiddenTangent = workspace.HiddenGradient;
        for (int j = 0; j < _blocks.Length - 1; j++)
        {
            Project(j, tangent.Slice(_blocks[j].Offset, _blocks[j].Length), projectedTangent);
            Span<T> et = embeddingTangent.Slice(j * e, e);
            Affine(parameters.Slice(_layout[j].Encoder, e * e), default, projectedTangent, et);
            TanhForwardTangent(workspace.Embeddings.AsSpan(j * e, e), et);
        }
        T half = T.One / (T.One + T.One);
        for (int i = 0; i < _blocks.Length; i++)
        {
            var (block, l) = (_blocks[i], _layout[i]);
            int n = block.Length;
            ReadOnlySpan<T> z = dual.Slice(block.Offset, n), s = workspace.Scale.AsSpan(block.Offset, n);
            Span<T> p = product.Slice(block.Offset, n);
            TensorPrimitives.Multiply(p, s, p);
            if (i == 0) continue;
            int units = l.Units, run = l.Run;
            ReadOnlySpan<T> hidden = workspace.Hidden.AsSpan(i * h, h), w2 = parameters.Slice(l.Output, 2 * units * h);
            Affine(parameters.Slice(l.Hidden, h * e * i), default, embeddingTangent.Slice(0, e * i), hiddenTangent);
            TanhForwardTangent(hidden, hiddenTangent);
            for (int u = 0, r = 0; u < units; u++)
            {
                T aDot = TensorPrimitives.Dot(w2.Slice(u * h, h), hiddenTangent);
                T muDot = TensorPrimitives.Dot(w2.Slice((units + u) * h, h), hiddenTangent);
                for (int end = r + run; r < end; r++) p[r] += z[r] * s[r] * (T.One - half * s[r]) * aDot + muDot;
            }
        }
    }

    /// <summary>pⱼ = Rⱼ·zⱼ.</summary>
    private void Project(int block, ReadOnlySpan<T> z, Span<T> projected)
    {
        ReadOnlySpan<T> r = _projections[block];
        for (int i = 0; i < Embedding; i++) projected[i] = TensorPrimitives.Dot(r.Slice(i * z.Length, z.Length), z);
    }

    /// <summary>y = W·x + b for row-major W [y.Length, x.Length]; no bias when <paramref name="bias"/> is empty.</summary>
    private static void Affine(ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, ReadOnlySpan<T> x, Span<T> y)
    {
        for (int r = 0; r < y.Length; r++)
            y[r] = TensorPrimitives.Dot(weight.Slice(r * x.Length, x.Length), x) + (bias.IsEmpty ? T.Zero : bias[r]);
    }

    /// <summary>Given ȳ for y = W·x + b: W̄ += ȳxᵀ, b̄ += ȳ, x̄ += Wᵀȳ.</summary>
    private static void AffineBackward(ReadOnlySpan<T> weight, ReadOnlySpan<T> x, ReadOnlySpan<T> outputGradient,
        Span<T> weightGradient, Span<T> biasGradient, Span<T> inputGradient)
    {
        int m = x.Length;
        for (int r = 0; r < outputGradient.Length; r++)
        {
            T g = outputGradient[r];
            TensorPrimitives.MultiplyAdd(x, g, weightGradient.Slice(r * m, m), weightGradient.Slice(r * m, m));
            TensorPrimitives.MultiplyAdd(weight.Slice(r * m, m), g, inputGradient, inputGradient);
        }
        TensorPrimitives.Add(biasGradient, outputGradient, biasGradient);
    }

    /// <summary>g ← g⊙(1 − y²) for y = tanh(·): the gradient (or tangent) through tanh in place.</summary>
    private static void TanhBackward(ReadOnlySpan<T> y, Span<T> g)
    {
        for (int i = 0; i < g.Length; i++) g[i] *= T.One - y[i] * y[i];
    }

    private static void TanhForwardTangent(ReadOnlySpan<T> y, Span<T> t) => TanhBackward(y, t);

    /// <summary>Adds the cotangent outside the blocks, where g is the identity.</summary>
    private void AddOutside(ReadOnlySpan<T> cotangent, Span<T> gradient)
    {
        int at = 0;
        foreach (var t in _blocks)
        {
            TensorPrimitives.Add(gradient.Slice(at, t.Offset - at), cotangent.Slice(at, t.Offset - at), gradient.Slice(at, t.Offset - at));
            at = t.Offset + t.Length;
        }
        TensorPrimitives.Add(gradient.Slice(at), cotangent.Slice(at), gradient.Slice(at));
    }

    private void Check(ReadOnlySpan<T> parameters, ReadOnlySpan<T> dual, ReadOnlySpan<T> output, MirrorMapWorkspace<T> workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        Guard.Length(parameters.Length, ParameterCount, nameof(parameters));
        Guard.Length(dual.Length, Length, nameof(dual));
        Guard.Length(output.Length, Length, "output");
        if (dual.Overlaps(output)) throw new ArgumentException("z and the output overlap; the output needs its own buffer.", nameof(dual));
        if (!workspace.Fits(_blocks.Length, Embedding, Hidden, Length, _maxBlock))
            throw new ArgumentException("The workspace was created for another mirror map.", nameof(workspace));
    }
}

/// <summary>One thread's buffers for a <see cref="MirrorMap{T}"/>: the forward pass's intermediate values and the derivatives' scratch.</summary>
internal sealed class MirrorMapWorkspace<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly (int Blocks, int Embedding, int Hidden, int Length, int MaxBlock) _size;

    internal MirrorMapWorkspace(int blocks, int embedding, int hidden, int length, int maxBlock)
    {
        _size = (blocks, embedding, hidden, length, maxBlock);
        Projected = new T[blocks * embedding];
        Embeddings = new T[blocks * embedding];
        EmbeddingGradient = new T[blocks * embedding];
        ProjectedGradient = new T[embedding];
        Hidden = new T[blocks * hidden];
        HiddenGradient = new T[hidden];
        Scale = new T[length];
        OutputGradient = new T[maxBlock];
    }

    internal T[] Projected { get; }         // pⱼ = Rⱼzⱼ, block j at j·E
    internal T[] Embeddings { get; }        // eⱼ, block j at j·E: decoder i reads the first E·i values
    internal T[] EmbeddingGradient { get; } // ēⱼ (or ėⱼ in JacobianTimes)
    internal T[] ProjectedGradient { get; } // p̄ⱼ (or ṗⱼ) of one block
    internal T[] Hidden { get; }            // hᵢ, block i at i·H
    internal T[] HiddenGradient { get; }    // h̄ᵢ (or ḣᵢ) of one block
    internal T[] Scale { get; }             // σ(aᵢ) at the block's offsets in θ
    internal T[] OutputGradient { get; }    // ā of one block

    internal bool Fits(int blocks, int embedding, int hidden, int length, int maxBlock) =>
        _size == (blocks, embedding, hidden, length, maxBlock);
}
