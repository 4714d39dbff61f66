using MetaSpec.Specification;

namespace MetaSpec.Meta;

/// <summary>
/// The inner problem: N gradient steps on a task's support loss from the meta-parameters,
/// θ₀ = θ, θⱼ₊₁ = θⱼ − α⊙M(∇L_S(θⱼ) + λ(θⱼ − θ₀)), where M masks the adapted subset.
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

    /// <summary>Learn one step size per parameter (Meta-SGD, Li et al. 2017) alongside θ.</summary>
    public bool LearnStepSizes { get; init; }

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
        if (LearnStepSizes && ResetAdaptedToZero)
            throw new ArgumentException("Learned step sizes need a meta-learned starting point; they cannot be combined with ResetAdaptedToZero.");
    }
}
