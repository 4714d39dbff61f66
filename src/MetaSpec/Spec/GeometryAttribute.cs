using MetaSpec.Specification;

namespace MetaSpec;

/// <summary>
/// The geometry of the inner step: how a support gradient becomes a step, and which of its parameters are
/// meta-learned alongside the initialisation (docs/geometry.md).
/// </summary>
public enum GeometryKind
{
    /// <summary>The plain gradient step φ ← φ − α∇L_S (MAML); no meta-parameters of its own.</summary>
    Identity,

    /// <summary>One learned step size per parameter (Meta-SGD, Li et al. 2017): the same as <c>LearnStepSizes = true</c>.</summary>
    Diagonal,

    /// <summary>A learned square matrix on the output axis of each adapted tensor, initialised to I (MT-net style, Lee and Choi 2018).</summary>
    BlockDiagonal,

    /// <summary>A Kronecker product of learned matrices, one per axis group of each adapted tensor, initialised to I (Meta-Curvature, Park and Oliva 2019).</summary>
    Kronecker,

    /// <summary>
    /// Mirror descent with a learned inverse mirror map φ = g(z): the inner loop steps in the dual,
    /// z ← z − α∇L_S(g(z)), and g is a block-wise autoregressive flow over the adapted tensors, initialised to the identity.
    /// </summary>
    MirrorMap,
}

/// <summary>The inner step's geometry (docs/geometry.md); without it the step is the plain gradient step.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class GeometryAttribute(GeometryKind kind) : Attribute
{
    /// <summary>The geometry.</summary>
    public GeometryKind Kind { get; } = kind;

    /// <summary>MirrorMap: width E of each tensor's embedding (after a fixed random projection to E values).</summary>
    public int Embedding { get; set; } = SpecDefaults.Embedding;

    /// <summary>MirrorMap: hidden width H of each tensor's decoder.</summary>
    public int Hidden { get; set; } = SpecDefaults.Hidden;

    /// <summary>
    /// MirrorMap: give every parameter its own row in the decoders' output layers (2·H weights per parameter) instead of one
    /// row per output unit of its tensor, shared along the tensor's other axes (FiLM-style, the default: far fewer meta-parameters).
    /// </summary>
    public bool DenseOutput { get; set; } = SpecDefaults.DenseOutput;
}
