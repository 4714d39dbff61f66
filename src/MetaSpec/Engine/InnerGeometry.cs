using System.Numerics;
using MetaSpec.Geometry;
using MetaSpec.Layers;
using MetaSpec.Meta;

namespace MetaSpec.Engine;

/// <summary>
/// The geometry of the inner step (docs/geometry.md): how a support gradient g becomes the step, and what the adjoint
/// recursion needs of it. A linear geometry moves the point itself, θⱼ₊₁ = θⱼ − P(θ_P)·g; mirror descent moves a state
/// zⱼ whose point is φⱼ = G(zⱼ) (the learned inverse mirror map), zⱼ₊₁ = zⱼ − P·∇L_S(φⱼ). A geometry may carry
/// meta-parameters of its own (θ_P, θ_g), stored after θ in the meta-parameter vector under PyTorch-style names.
/// </summary>
/// <remarks>
/// A problem holds one geometry (its description, <see cref="Create"/>); each worker asks it for a <see cref="StepMap{T}"/>
/// over the coordinates its inner loop moves (all of θ, or the head alone for the ANIL specialisation). Implementations:
/// <see cref="DiagonalGeometry{T}"/> (α⊙M, fixed or Meta-SGD's learned step sizes), <see cref="PreconditionedGeometry{T}"/>
/// (block-diagonal and Kronecker-factored P) and <see cref="MirrorGeometry{T}"/>.
/// </remarks>
internal abstract class InnerGeometry<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Number of the geometry's own meta-parameters (0 for a fixed step).</summary>
    public abstract int MetaParameterCount { get; }

    /// <summary>
    /// The named tensors of the geometry's meta-parameters, at their offsets in the meta-parameters (after θ's
    /// <paramref name="parameterCount"/> values), named after θ's <paramref name="parameterTensors"/> as PyTorch code would name them.
    /// </summary>
    public abstract IEnumerable<ParameterTensor> Tensors(IReadOnlyList<ParameterTensor> parameterTensors, int parameterCount);

    /// <summary>Fixed tensors the geometry is defined with (PyTorch buffers: saved, never trained), with their values; offsets are 0.</summary>
    public virtual IReadOnlyList<(ParameterTensor Tensor, T[] Values)> Buffers => [];

    /// <summary>Writes the initial meta-parameters into <paramref name="geometryParameters"/> (length <see cref="MetaParameterCount"/>).</summary>
    public abstract void Initialize(Span<T> geometryParameters, int seed);

    /// <summary>
    /// An upper bound (or, for the mirror map, an estimate) of ‖P‖₂ relative to the scalar step α at the given meta-parameters:
    /// the inner step moves at most α·‖P‖ per unit of gradient, so the α·N·L ≤ c check uses α·‖P‖·N·L. 1 for MAML's step.
    /// </summary>
    public abstract double NormBound(ReadOnlySpan<T> metaParameters, int parameterCount);

    /// <summary>
    /// Whether the ANIL specialisation (the head's loss on body features computed once per task) gives this geometry the
    /// same meta-gradient as the general path: tested for every geometry (HeadSpecializationTests).
    /// </summary>
    public virtual bool SupportsHeadSpecialization => true;

    /// <summary>
    /// A per-thread step map over the window of θ that starts at <paramref name="offset"/>: the coordinates the inner
    /// loop moves, with the adapted mask restricted to them in <paramref name="mask"/>.
    /// </summary>
    public abstract StepMap<T> CreateMap(int offset, ReadOnlySpan<T> mask);

    /// <summary>
    /// The geometry <paramref name="inner"/> declares, over a θ named by <paramref name="tensors"/> with the adapted
    /// <paramref name="mask"/>: the learned geometries act on the adapted tensors (whole tensors only).
    /// </summary>
    public static InnerGeometry<T> Create(InnerLoop inner, IReadOnlyList<ParameterTensor> tensors, ReadOnlySpan<T> mask)
    {
        var geometry = inner.Geometry;
        int parameterCount = mask.Length;
        switch (geometry.Kind)
        {
            case GeometryKind.Identity:
            case GeometryKind.Diagonal:
                return new DiagonalGeometry<T>(parameterCount, inner.StepSize, learned: geometry.Kind == GeometryKind.Diagonal);
        }
        var blocks = AdaptedTensors(tensors, mask, geometry.Kind);
        return geometry.Kind switch
        {
            GeometryKind.BlockDiagonal => new PreconditionedGeometry<T>(FactoredPreconditioner<T>.BlockDiagonal(parameterCount, blocks), inner.StepSize),
            GeometryKind.Kronecker => new PreconditionedGeometry<T>(FactoredPreconditioner<T>.Kronecker(parameterCount, blocks), inner.StepSize),
            GeometryKind.MirrorMap => new MirrorGeometry<T>(parameterCount, blocks, geometry, inner.StepSize),
            _ => throw new ArgumentOutOfRangeException(nameof(inner), geometry.Kind, $"No engine implements the geometry {geometry.Kind}."),
        };
    }

    /// <summary>The tensors the mask covers whole; a tensor only partly adapted has no block of its own, so it is refused.</summary>
    private static ParameterTensor[] AdaptedTensors(IReadOnlyList<ParameterTensor> tensors, ReadOnlySpan<T> mask, GeometryKind kind)
    {
        var blocks = new List<ParameterTensor>();
        foreach (var t in tensors)
        {
            int on = 0;
            for (int i = t.Offset; i < t.End; i++) if (mask[i] != T.Zero) on++;
            if (on == t.Length) blocks.Add(t);
            else if (on != 0)
                throw new ArgumentException($"The {kind} geometry acts on whole tensors, but '{t.Name}' is only partly adapted ({on} of {t.Length} values).", "adapted");
        }
        return [.. blocks];
    }
}

/// <summary>
/// One thread's inner step over a window of θ: g ↦ P·g and its adjoint, and for mirror descent the point map
/// φ = G(z) and its transposed Jacobians. Allocation-free once built; not thread-safe. The meta-parameter and
/// meta-gradient spans it takes are the whole vectors: it knows where its own meta-parameters live.
/// </summary>
internal abstract class StepMap<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Whether the map has meta-parameters, whose meta-gradient the methods clear and accumulate.</summary>
    public abstract bool HasMetaParameters { get; }

    /// <summary>Whether P depends on meta-parameters, so the recursion must call <see cref="AccumulateMetaGradient"/> at every step.</summary>
    public virtual bool LearnsStep => HasMetaParameters;

    /// <summary>Whether the loop moves a state z whose point is G(z) (mirror descent); otherwise the state is the point.</summary>
    public virtual bool HasPointMap => false;

    /// <summary>Reads the meta-parameters for the next task.</summary>
    public abstract void Prepare(ReadOnlySpan<T> metaParameters);

    /// <summary><paramref name="update"/> = P·<paramref name="gradient"/>.</summary>
    public abstract void Apply(ReadOnlySpan<T> gradient, Span<T> update);

    /// <summary><paramref name="direction"/> = Pᵀ·<paramref name="adjoint"/>.</summary>
    public abstract void ApplyTranspose(ReadOnlySpan<T> adjoint, Span<T> direction);

    /// <summary>Zeroes the geometry's part of <paramref name="metaGradient"/> before a backward pass.</summary>
    public abstract void ClearMetaGradient(Span<T> metaGradient);

    /// <summary>
    /// Adds step j's share of θ_P's meta-gradient, −(∂(P·g)/∂θ_P)ᵀ·a with g = ∇L_S(θⱼ) (with the proximal term) and
    /// a = aⱼ₊₁, into the θ_P part of <paramref name="metaGradient"/>.
    /// </summary>
    public virtual void AccumulateMetaGradient(ReadOnlySpan<T> gradient, ReadOnlySpan<T> adjoint, Span<T> metaGradient)
    {
    }

    /// <summary><paramref name="point"/> = G(<paramref name="state"/>): the identity unless the map has a point map.</summary>
    public virtual void Point(ReadOnlySpan<T> state, Span<T> point) => state.CopyTo(point);

    /// <summary>
    /// <paramref name="stateAdjoint"/> += J_G(z)ᵀ·<paramref name="cotangent"/> at z = <paramref name="state"/>, and the point
    /// map's own meta-gradient J_θG(z)ᵀ·<paramref name="cotangent"/> into <paramref name="metaGradient"/>: what the
    /// recursion needs to carry an adjoint of the point back to the state (just the sum for the identity).
    /// </summary>
    public virtual void PointTranspose(ReadOnlySpan<T> state, ReadOnlySpan<T> cotangent, Span<T> stateAdjoint, Span<T> metaGradient) =>
        System.Numerics.Tensors.TensorPrimitives.Add(stateAdjoint, cotangent, stateAdjoint);
}
