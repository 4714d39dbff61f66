using System.Numerics;
using MetaSpec.Layers;

namespace MetaSpec.Engine;

/// <summary>
/// The geometry of the inner step: how a support gradient g becomes the step, θⱼ₊₁ = θⱼ − P(θ_P)·g, and what
/// the adjoint recursion needs of it (Pᵀ·a and P's own meta-gradient). A geometry may carry meta-parameters θ_P
/// of its own, stored after θ in the meta-parameter vector under PyTorch-style names.
/// </summary>
/// <remarks>
/// This is the seam for learned inner-loop geometries (issue 11). A problem holds one geometry (its description);
/// each worker asks it for a <see cref="StepMap{T}"/> over the coordinates its inner loop moves (all of θ, or the
/// head alone for the ANIL specialisation). Meta-SGD is the diagonal geometry with learned entries; a fixed step
/// size is the same geometry with none. Block-diagonal and Kronecker preconditioners fit as they are: Apply is
/// P·g, ApplyTranspose is Pᵀ·a, AccumulateMetaGradient adds −(∂(P·g)/∂θ_P)ᵀ·a. Mirror descent with a learned
/// inverse mirror map φ = G(z) needs one more piece (see docs/architecture.md, "Inner-loop geometry").
/// </remarks>
internal abstract class InnerGeometry<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Number of the geometry's own meta-parameters θ_P (0 for a fixed step).</summary>
    public abstract int MetaParameterCount { get; }

    /// <summary>
    /// The named tensors of θ_P, at their offsets in the meta-parameters (after θ's <paramref name="parameterCount"/>
    /// values), named after θ's <paramref name="parameterTensors"/> as PyTorch code would name them.
    /// </summary>
    public abstract IEnumerable<ParameterTensor> Tensors(IReadOnlyList<ParameterTensor> parameterTensors, int parameterCount);

    /// <summary>Writes the initial θ_P into <paramref name="geometryParameters"/> (length <see cref="MetaParameterCount"/>).</summary>
    public abstract void Initialize(Span<T> geometryParameters);

    /// <summary>
    /// A per-thread step map over the window of θ that starts at <paramref name="offset"/>: the coordinates the inner
    /// loop moves, with the adapted mask restricted to them in <paramref name="mask"/>.
    /// </summary>
    public abstract StepMap<T> CreateMap(int offset, ReadOnlySpan<T> mask);
}

/// <summary>
/// One thread's inner step over a window of θ: g ↦ P·g and its adjoint. Allocation-free once built; not thread-safe.
/// The meta-parameter and meta-gradient spans it takes are the whole vectors: it knows where its θ_P lives.
/// </summary>
internal abstract class StepMap<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Whether the map has meta-parameters, so the recursion must call <see cref="AccumulateMetaGradient"/>.</summary>
    public abstract bool HasMetaParameters { get; }

    /// <summary>Reads θ_P for the next task.</summary>
    public abstract void Prepare(ReadOnlySpan<T> metaParameters);

    /// <summary><paramref name="update"/> = P·<paramref name="gradient"/>.</summary>
    public abstract void Apply(ReadOnlySpan<T> gradient, Span<T> update);

    /// <summary><paramref name="direction"/> = Pᵀ·<paramref name="adjoint"/>.</summary>
    public abstract void ApplyTranspose(ReadOnlySpan<T> adjoint, Span<T> direction);

    /// <summary>Zeroes the θ_P part of <paramref name="metaGradient"/> before a backward pass.</summary>
    public abstract void ClearMetaGradient(Span<T> metaGradient);

    /// <summary>
    /// Adds step j's share of θ_P's meta-gradient, −(∂(P·g)/∂θ_P)ᵀ·a with g = ∇L_S(θⱼ) (with the proximal term) and
    /// a = aⱼ₊₁, into the θ_P part of <paramref name="metaGradient"/>.
    /// </summary>
    public abstract void AccumulateMetaGradient(ReadOnlySpan<T> gradient, ReadOnlySpan<T> adjoint, Span<T> metaGradient);
}
