using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Geometry;
using MetaSpec.Layers;
using MetaSpec.Meta;

namespace MetaSpec.Engine;

/// <summary>
/// Mirror descent with a learned inverse mirror map (docs/geometry.md §3): the loop moves the state
/// zⱼ₊₁ = zⱼ − α·M·∇L_S(φⱼ) and the losses see φⱼ = g(zⱼ), with g the <see cref="MirrorMap{T}"/> over the adapted
/// tensors. The meta-parameters are θ = z₀ (the dual start) followed by θ_g (<c>mirror.{tensor}.…</c>), and the fixed
/// projections are buffers (<c>mirror.{tensor}.projection</c>). The recursion runs on the state: a_N = J_g(z_N)ᵀ∇L_Q(φ_N),
/// aⱼ = aⱼ₊₁ − J_g(zⱼ)ᵀ·∇²L_S(φⱼ)·(αMaⱼ₊₁), with θ_g's share J_θg(zⱼ)ᵀ·(…) gathered at every step.
/// </summary>
internal sealed class MirrorGeometry<T> : InnerGeometry<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Power iterations for the estimate of ‖J_g(z₀)M‖₂ in <see cref="NormBound"/>.</summary>
    private const int NormIterations = 20;

    private readonly MirrorMap<T> _map;
    private readonly ParameterTensor[] _blocks;
    private readonly StepGeometry _settings;
    private readonly double _stepSize;

    public MirrorGeometry(int parameterCount, ParameterTensor[] blocks, StepGeometry settings, double stepSize)
    {
        _blocks = blocks;
        _settings = settings;
        _stepSize = stepSize;
        _map = Map(parameterCount, blocks);
        Buffers = [.. _map.Buffers.Select((b, j) => (b, _map.Projection(j).ToArray()))];
    }

    private MirrorMap<T> Map(int length, ParameterTensor[] blocks) =>
        new(length, blocks, _settings.Embedding, _settings.Hidden, MirrorMap<T>.DefaultProjectionSeed, _settings.DenseOutput);

    /// <inheritdoc/>
    public override int MetaParameterCount => _map.ParameterCount;

    /// <inheritdoc/>
    public override IEnumerable<ParameterTensor> Tensors(IReadOnlyList<ParameterTensor> parameterTensors, int parameterCount) =>
        _map.Tensors.Select(t => t with { Offset = parameterCount + t.Offset });

    /// <inheritdoc/>
    public override IReadOnlyList<(ParameterTensor Tensor, T[] Values)> Buffers { get; }

    /// <summary>Encoders and first decoder layers as PyTorch initialises them (from a stream keyed by the seed), output layers 0: g = identity.</summary>
    public override void Initialize(Span<T> geometryParameters, int seed)
    {
        var random = new SeededRandom((ulong)seed);
        random.Reseed((ulong)seed, MirrorMap<T>.DefaultProjectionSeed);
        _map.Initialize(geometryParameters, random);
    }

    /// <summary>
    /// An estimate of ‖J_g(z₀)·M‖₂ by power iteration (J_g is not symmetric: on MJ_gᵀJ_gM): the point moves by about
    /// α·J_g·M·∇L_S per step. Exactly 1 at initialisation (g is the identity there).
    /// </summary>
    public override double NormBound(ReadOnlySpan<T> metaParameters, int parameterCount)
    {
        ReadOnlySpan<T> z = metaParameters.Slice(0, parameterCount), theta = metaParameters.Slice(parameterCount, _map.ParameterCount);
        var workspace = _map.CreateWorkspace();
        var (image, v, product, back) = (new T[parameterCount], new T[parameterCount], new T[parameterCount], new T[parameterCount]);
        var unused = new T[_map.ParameterCount];
        _map.Forward(theta, z, image, workspace);
        foreach (var b in _blocks) v.AsSpan(b.Offset, b.Length).Fill(T.One);
        double estimate = 0;
        for (int k = 0; k < NormIterations; k++)
        {
            T norm = TensorPrimitives.Norm<T>(v);
            if (norm == T.Zero) return 0;
            TensorPrimitives.Multiply(v, T.One / norm, v);
            _map.JacobianTimes(theta, z, v, product, workspace);
            estimate = double.CreateTruncating(TensorPrimitives.Norm<T>(product));
            back.AsSpan().Clear();
            _map.AccumulateTranspose(theta, z, product, back, unused, workspace);
            Restrict(back, v);
        }
        return estimate;
    }

    /// <summary>The blocks' part of <paramref name="source"/> into <paramref name="target"/>, zero elsewhere (M·source).</summary>
    private void Restrict(ReadOnlySpan<T> source, Span<T> target)
    {
        target.Clear();
        foreach (var b in _blocks) source.Slice(b.Offset, b.Length).CopyTo(target.Slice(b.Offset, b.Length));
    }

    /// <inheritdoc/>
    public override StepMap<T> CreateMap(int offset, ReadOnlySpan<T> mask)
    {
        // The window's own map: the same blocks at offsets inside the window, the same θ_g layout and projections.
        var blocks = _blocks.Select(b => b with { Offset = b.Offset - offset }).ToArray();
        int length = mask.Length;
        if (blocks.Any(b => b.Offset < 0 || b.End > length))
            throw new InvalidOperationException("The inner loop's window does not hold every adapted tensor.");
        return new StepMapOfMirror(Map(mask.Length, blocks), mask, T.CreateTruncating(_stepSize));
    }

    private sealed class StepMapOfMirror : StepMap<T>
    {
        private readonly MirrorMap<T> _map;
        private readonly MirrorMapWorkspace<T> _workspace;
        private readonly T[] _step;        // α⊙M over the window
        private readonly T[] _parameters;  // θ_g of the current task
        private readonly T[] _image;       // g(z) recomputed before a transpose

        public StepMapOfMirror(MirrorMap<T> map, ReadOnlySpan<T> mask, T alpha)
        {
            _map = map;
            _workspace = map.CreateWorkspace();
            _step = new T[mask.Length];
            TensorPrimitives.Multiply(mask, alpha, _step);
            _parameters = new T[map.ParameterCount];
            _image = new T[mask.Length];
        }

        public override bool HasMetaParameters => true;

        public override bool LearnsStep => false;

        public override bool HasPointMap => true;

        // θ_g is the last part of the meta-parameters (and of the meta-gradient), whichever window the map moves.
        private Span<T> Own(Span<T> metaVector) => metaVector.Slice(metaVector.Length - _parameters.Length);

        public override void Prepare(ReadOnlySpan<T> metaParameters) => metaParameters.Slice(metaParameters.Length - _parameters.Length).CopyTo(_parameters);

        public override void Apply(ReadOnlySpan<T> gradient, Span<T> update) => TensorPrimitives.Multiply(_step, gradient, update);

        public override void ApplyTranspose(ReadOnlySpan<T> adjoint, Span<T> direction) => TensorPrimitives.Multiply(_step, adjoint, direction);

        public override void ClearMetaGradient(Span<T> metaGradient) => Own(metaGradient).Clear();

        public override void Point(ReadOnlySpan<T> state, Span<T> point) => _map.Forward(_parameters, state, point, _workspace);

        public override void PointTranspose(ReadOnlySpan<T> state, ReadOnlySpan<T> cotangent, Span<T> stateAdjoint, Span<T> metaGradient)
        {
            // The workspace holds the last point computed, which need not be this state's: recompute it (a fraction of a forward pass).
            _map.Forward(_parameters, state, _image, _workspace);
            _map.AccumulateTranspose(_parameters, state, cotangent, stateAdjoint, Own(metaGradient), _workspace);
        }
    }
}
