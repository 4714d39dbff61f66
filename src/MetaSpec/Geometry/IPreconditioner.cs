using MetaSpec.Layers;
using System.Numerics;
using MetaSpec.Models;

namespace MetaSpec.Geometry;

/// <summary>
/// A learned linear geometry of the inner step φₖ₊₁ = φₖ − α·P(θ_P)·∇L_S(φₖ) (docs/geometry.md): block diagonal
/// over the parameter tensors it covers, zero outside them (those parameters are not adapted). The operator is a
/// stateless description; θ_P lives in the caller's meta-parameter buffer and is passed to every call, so one
/// instance serves every thread. Calls allocate nothing; the caller provides <see cref="ScratchLength"/> values of scratch.
/// </summary>
internal interface IPreconditioner<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Length of the vectors P acts on (|θ|).</summary>
    int Length { get; }

    /// <summary>The parameter tensors P acts on, in θ order (offsets in θ).</summary>
    IReadOnlyList<ParameterTensor> Blocks { get; }

    /// <summary>Length of θ_P.</summary>
    int ParameterCount { get; }

    /// <summary>The tensors of θ_P with checkpoint names (<c>geometry.hidden1.weight.output</c>), offsets in θ_P.</summary>
    IReadOnlyList<ParameterTensor> Tensors { get; }

    /// <summary>Scratch values a call needs.</summary>
    int ScratchLength { get; }

    /// <summary>Writes the initial θ_P: P is the identity on the blocks, so training starts from MAML's step.</summary>
    void Initialize(Span<T> parameters);

    /// <summary><paramref name="result"/> = P(θ_P)·<paramref name="vector"/> (zero outside the blocks).</summary>
    void Apply(ReadOnlySpan<T> parameters, ReadOnlySpan<T> vector, Span<T> result, Span<T> scratch);

    /// <summary><paramref name="result"/> = P(θ_P)ᵀ·<paramref name="vector"/> (zero outside the blocks).</summary>
    void ApplyTranspose(ReadOnlySpan<T> parameters, ReadOnlySpan<T> vector, Span<T> result, Span<T> scratch);

    /// <summary>
    /// Adds <paramref name="scale"/>·∂⟨<paramref name="left"/>, P(θ_P)·<paramref name="right"/>⟩/∂θ_P into
    /// <paramref name="parameterGradient"/>: the inner step's share of the θ_P meta-gradient is this with
    /// left = aₖ₊₁, right = ∇L_S(φₖ), scale = −α.
    /// </summary>
    void AccumulateParameterGradient(ReadOnlySpan<T> parameters, ReadOnlySpan<T> left, ReadOnlySpan<T> right, T scale,
        Span<T> parameterGradient, Span<T> scratch);

    /// <summary>
    /// An upper bound on the spectral norm ‖P(θ_P)‖₂, exact (1) at the initial θ_P: the inner step is α·‖P‖ long at
    /// most per unit of gradient, so the α·N·L ≤ c check uses α·NormBound·N·L.
    /// </summary>
    double NormBound(ReadOnlySpan<T> parameters);
}
