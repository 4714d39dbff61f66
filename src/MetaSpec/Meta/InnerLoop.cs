using MetaSpec.Specification;

namespace MetaSpec.Meta;

/// <summary>
/// The inner problem: N gradient steps on a task's support loss from the meta-parameters,
/// θ₀ = θ, θⱼ₊₁ = θⱼ − α⊙M(∇L_S(θⱼ) + λ(θⱼ − θ₀)), where M masks the adapted subset; with a learned
/// <see cref="Geometry"/> the step is preconditioned, θⱼ₊₁ = θⱼ − αP(θ_P)(…), or taken in a mirror map's dual.
/// </summary>
public sealed record InnerLoop
{
    /// <summary>Number of inner gradient steps N (at least 1).</summary>
    public int Steps { get; init; } = SpecDefaults.Steps;

    /// <summary>Inner step size α; with <see cref="LearnStepSizes"/>, the initial value of every learned step size.</summary>
    public double StepSize { get; init; } = SpecDefaults.StepSize;

    /// <summary>
    /// λ of the proximal term λ/2‖φ − θ₀‖² added to the support loss (iMAML); 0 for none. With
    /// <see cref="ResetAdaptedToZero"/> the anchor is zero and the term is a ridge penalty on the head.
    /// </summary>
    public double Proximal { get; init; }

    /// <summary>Draw fresh support data at every inner step (the stochastic, resampling inner loop) instead of reusing one set.</summary>
    public bool ResampleSupport { get; init; }

    private readonly bool _learnStepSizes;
    private readonly StepGeometry _geometry = StepGeometry.Identity;

    /// <summary>
    /// Learn one step size per parameter (Meta-SGD, Li et al. 2017) alongside θ: the diagonal <see cref="Geometry"/>, so
    /// this reads true when that geometry is set either way.
    /// </summary>
    public bool LearnStepSizes
    {
        get => _learnStepSizes || _geometry.Kind == GeometryKind.Diagonal;
        init => _learnStepSizes = value;
    }

    /// <summary>
    /// The inner step's geometry (docs/geometry.md): the plain gradient step unless set; <see cref="StepGeometry.Diagonal"/>
    /// when <see cref="LearnStepSizes"/> is set, which is that geometry.
    /// </summary>
    public StepGeometry Geometry
    {
        get => _learnStepSizes && _geometry.Kind == GeometryKind.Identity ? StepGeometry.Diagonal : _geometry;
        init => _geometry = value ?? throw new ArgumentNullException(nameof(Geometry));
    }

    /// <summary>The geometry as set (not <see cref="LearnStepSizes"/>' diagonal): which rule a conflict belongs to (MSPEC009 or MSPEC014).</summary>
    internal StepGeometry DeclaredGeometry => _geometry;

    /// <summary>
    /// Start the adapted subset from zero for every task instead of from θ (a head re-solved per task on a
    /// shared, meta-learned embedding). The adapted subset is then not meta-learned.
    /// </summary>
    public bool ResetAdaptedToZero { get; init; }

    /// <summary>Throws if a setting cannot work, naming it.</summary>
    public void Validate()
    {
        SettingRules.Steps.Validate(Steps);
        SettingRules.StepSize.Validate(StepSize);
        SettingRules.Proximal.Validate(Proximal);
        _geometry.Validate();
        var kind = (StepGeometryKind)_geometry.Kind;
        if (GeometryRules.StepSizesProblem(kind, _learnStepSizes) is { } both) throw new ArgumentException(both + ".", nameof(LearnStepSizes));
        if (_learnStepSizes && ResetAdaptedToZero)
            throw new ArgumentException("Learned step sizes need a meta-learned starting point; they cannot be combined with ResetAdaptedToZero.");
        kind = (StepGeometryKind)Geometry.Kind;
        if (GeometryRules.ResetProblem(kind, ResetAdaptedToZero) is { } reset) throw new ArgumentException(reset + ".", nameof(ResetAdaptedToZero));
        if (GeometryRules.ProximalProblem(kind, Proximal) is { } proximal) throw new ArgumentException(proximal + ".", nameof(Proximal));
    }
}
