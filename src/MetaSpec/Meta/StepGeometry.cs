using MetaSpec.Specification;

namespace MetaSpec.Meta;

/// <summary>
/// The geometry of the inner step and its settings (docs/geometry.md): the plain gradient step, Meta-SGD's learned step
/// sizes, a learned block-diagonal or Kronecker-factored preconditioner, or mirror descent with a learned inverse mirror map.
/// Its meta-parameters (θ_P, θ_g) are stored after θ and trained with it.
/// </summary>
public sealed record StepGeometry
{
    /// <summary>Which geometry.</summary>
    public GeometryKind Kind { get; init; } = (GeometryKind)SpecDefaults.Geometry;

    /// <summary>MirrorMap: width E of each tensor's embedding.</summary>
    public int Embedding { get; init; } = SpecDefaults.Embedding;

    /// <summary>MirrorMap: hidden width H of each decoder.</summary>
    public int Hidden { get; init; } = SpecDefaults.Hidden;

    /// <summary>MirrorMap: one output row per parameter (the dense decoder) instead of one per output unit (FiLM-style, the default).</summary>
    public bool DenseOutput { get; init; } = SpecDefaults.DenseOutput;

    /// <summary>The plain gradient step (MAML).</summary>
    public static StepGeometry Identity { get; } = new();

    /// <summary>One learned step size per parameter (Meta-SGD; the same as <see cref="InnerLoop.LearnStepSizes"/>).</summary>
    public static StepGeometry Diagonal { get; } = new() { Kind = GeometryKind.Diagonal };

    /// <summary>A learned matrix on the output axis of each adapted tensor (MT-net style).</summary>
    public static StepGeometry BlockDiagonal { get; } = new() { Kind = GeometryKind.BlockDiagonal };

    /// <summary>Learned Kronecker factors per adapted tensor (Meta-Curvature style).</summary>
    public static StepGeometry Kronecker { get; } = new() { Kind = GeometryKind.Kronecker };

    /// <summary>Mirror descent with a learned inverse mirror map, E = 8, H = 32, FiLM-style output (<c>with</c> for others).</summary>
    public static StepGeometry MirrorMap { get; } = new() { Kind = GeometryKind.MirrorMap };

    /// <summary>Whether the geometry has meta-parameters of its own.</summary>
    public bool IsLearned => GeometryRules.IsLearned((StepGeometryKind)Kind);

    /// <summary>
    /// Throws if a setting is out of range, or is set (differs from its default) while this geometry does not read it;
    /// the rules are the analyzers' (MSPEC007, MSPEC012).
    /// </summary>
    public void Validate()
    {
        var kind = (StepGeometryKind)Kind;
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "No engine implements this geometry.");
        foreach (var setting in Enum.GetValues<GeometrySetting>())
        {
            double value = setting switch
            {
                GeometrySetting.Embedding => Embedding,
                GeometrySetting.Hidden => Hidden,
                _ => DenseOutput ? 1 : 0,
            };
            double fallback = setting switch
            {
                GeometrySetting.Embedding => SpecDefaults.Embedding,
                GeometrySetting.Hidden => SpecDefaults.Hidden,
                _ => SpecDefaults.DenseOutput ? 1 : 0,
            };
            if (GeometryRules.Uses(kind, setting))
            {
                if (SettingRules.For(setting) is { } rule) rule.Validate(value);
            }
            else if (value != fallback)
            {
                throw new ArgumentException(GeometryRules.IgnoredSettingMessage(setting, kind) + ".", setting.ToString());
            }
        }
    }
}
