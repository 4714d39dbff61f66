using MetaSpec.Specification;

namespace MetaSpec.Meta;

/// <summary>The hypergradient method and its settings.</summary>
public sealed record Hypergradient
{
    /// <summary>Which method.</summary>
    public HypergradientKind Kind { get; init; } = (HypergradientKind)SpecDefaults.Method;

    /// <summary>Implicit: the linear solver.</summary>
    public ImplicitSolver Solver { get; init; } = (ImplicitSolver)SpecDefaults.Solver;

    /// <summary>Implicit: CG iterations or Neumann terms.</summary>
    public int Iterations { get; init; } = SpecDefaults.Iterations;

    /// <summary>Implicit with Neumann: the step η; 0 means 1/λ, which gives iMAML's series Σ(−∇²L_S/λ)ⁱ/λ.</summary>
    public double NeumannStep { get; init; } = SpecDefaults.NeumannStep;

    /// <summary>HessianFree: the finite-difference step δ (applied to a unit direction).</summary>
    public double FiniteDifferenceStep { get; init; } = SpecDefaults.FiniteDifferenceStep;

    /// <summary>EvolutionStrategies: number of Gaussian directions per task.</summary>
    public int Directions { get; init; } = SpecDefaults.Directions;

    /// <summary>EvolutionStrategies: smoothing radius β.</summary>
    public double Smoothing { get; init; } = SpecDefaults.Smoothing;

    /// <summary>Exact second-order MAML.</summary>
    public static Hypergradient Unrolled { get; } = new();

    /// <summary>First-order MAML.</summary>
    public static Hypergradient FirstOrder { get; } = new() { Kind = HypergradientKind.FirstOrder };

    /// <summary>Reptile.</summary>
    public static Hypergradient Reptile { get; } = new() { Kind = HypergradientKind.Reptile };

    /// <summary>
    /// Throws if a setting cannot work with <paramref name="inner"/>, naming it; also if a setting the chosen method
    /// does not read differs from its default (it would be ignored). The rules are the analyzers' (MSPEC007–009, MSPEC012, MSPEC014).
    /// </summary>
    public void Validate(InnerLoop inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        inner.Validate();
        var method = (HypergradientMethod)Kind;
        if (GeometryRules.MethodProblem((StepGeometryKind)inner.DeclaredGeometry.Kind, method) is { } geometry) throw new ArgumentException(geometry + ".");
        if (inner.LearnStepSizes && MethodCapabilities.WhyNoLearnedGeometry(method) is { } reason)
            throw new ArgumentException($"Learned step sizes (Meta-SGD) need a method that differentiates through the inner steps (Unrolled, HessianFree or FirstOrder), not {Kind}: {reason}.");
        if (MethodCapabilities.NeedsProximal(method) && inner.Proximal <= 0)
            throw new ArgumentException("The implicit method needs a proximal weight λ > 0: it makes the inner problem strongly convex and the linear system solvable.");
        var solver = (LinearSolver)Solver;
        foreach (var setting in Enum.GetValues<MethodSetting>())
        {
            double value = Value(setting);
            if (MethodCapabilities.Uses(method, solver, setting))
            {
                if (SettingRules.For(setting) is { } rule) rule.Validate(value);
            }
            else if (value != Default(setting))
            {
                throw new ArgumentException(MethodCapabilities.IgnoredSettingMessage(setting, method, solver) + ".", setting.ToString());
            }
        }
    }

    private double Value(MethodSetting setting) => setting switch
    {
        MethodSetting.Solver => (int)Solver,
        MethodSetting.Iterations => Iterations,
        MethodSetting.NeumannStep => NeumannStep,
        MethodSetting.FiniteDifferenceStep => FiniteDifferenceStep,
        MethodSetting.Directions => Directions,
        _ => Smoothing,
    };

    private static double Default(MethodSetting setting) => setting switch
    {
        MethodSetting.Solver => (int)SpecDefaults.Solver,
        MethodSetting.Iterations => SpecDefaults.Iterations,
        MethodSetting.NeumannStep => SpecDefaults.NeumannStep,
        MethodSetting.FiniteDifferenceStep => SpecDefaults.FiniteDifferenceStep,
        MethodSetting.Directions => SpecDefaults.Directions,
        _ => SpecDefaults.Smoothing,
    };
}
