namespace MetaSpec.Meta;

/// <summary>The hypergradient method and its settings.</summary>
public sealed record Hypergradient
{
    /// <summary>Which method.</summary>
    public HypergradientKind Kind { get; init; } = HypergradientKind.Unrolled;

    /// <summary>Implicit: the linear solver.</summary>
    public ImplicitSolver Solver { get; init; } = ImplicitSolver.ConjugateGradient;

    /// <summary>Implicit: CG iterations or Neumann terms.</summary>
    public int Iterations { get; init; } = 5;

    /// <summary>Implicit with Neumann: the step η; 0 means 1/λ, which gives iMAML's series Σ(−∇²L_S/λ)ⁱ/λ.</summary>
    public double NeumannStep { get; init; }

    /// <summary>HessianFree: the finite-difference step δ (applied to a unit direction).</summary>
    public double FiniteDifferenceStep { get; init; } = 1e-3;

    /// <summary>EvolutionStrategies: number of Gaussian directions per task.</summary>
    public int Directions { get; init; } = 16;

    /// <summary>EvolutionStrategies: smoothing radius β.</summary>
    public double Smoothing { get; init; } = 1e-2;

    /// <summary>Exact second-order MAML.</summary>
    public static Hypergradient Unrolled { get; } = new();

    /// <summary>First-order MAML.</summary>
    public static Hypergradient FirstOrder { get; } = new() { Kind = HypergradientKind.FirstOrder };

    /// <summary>Reptile.</summary>
    public static Hypergradient Reptile { get; } = new() { Kind = HypergradientKind.Reptile };

    /// <summary>Throws if a setting cannot work with <paramref name="inner"/>, naming it.</summary>
    public void Validate(InnerLoop inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        inner.Validate();
        if (inner.LearnStepSizes && Kind is not (HypergradientKind.Unrolled or HypergradientKind.HessianFree))
            throw new ArgumentException($"Learned step sizes (Meta-SGD) need a method that differentiates through the inner steps (Unrolled or HessianFree), not {Kind}.");
        switch (Kind)
        {
            case HypergradientKind.Implicit:
                if (inner.Proximal <= 0)
                    throw new ArgumentException("The implicit method needs a proximal weight λ > 0: it makes the inner problem strongly convex and the linear system solvable.");
                if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "The implicit solver needs at least one iteration.");
                if (NeumannStep < 0 || !double.IsFinite(NeumannStep)) throw new ArgumentOutOfRangeException(nameof(NeumannStep), NeumannStep, "The Neumann step must be non-negative and finite.");
                break;
            case HypergradientKind.HessianFree:
                if (!(FiniteDifferenceStep > 0) || !double.IsFinite(FiniteDifferenceStep)) throw new ArgumentOutOfRangeException(nameof(FiniteDifferenceStep), FiniteDifferenceStep, "The finite-difference step δ must be positive.");
                break;
            case HypergradientKind.EvolutionStrategies:
                if (Directions < 1) throw new ArgumentOutOfRangeException(nameof(Directions), Directions, "Evolution strategies need at least one direction.");
                if (!(Smoothing > 0) || !double.IsFinite(Smoothing)) throw new ArgumentOutOfRangeException(nameof(Smoothing), Smoothing, "The smoothing radius β must be positive.");
                break;
        }
    }
}
