namespace MetaSpec.Specification;

/// <summary>The hypergradient methods, by the names and values of the runtime's HypergradientKind (a test compares them).</summary>
internal enum HypergradientMethod
{
    Unrolled,
    FirstOrder,
    Reptile,
    Implicit,
    HessianFree,
    EvolutionStrategies,
}

/// <summary>The implicit method's linear solvers, by the names and values of the runtime's ImplicitSolver.</summary>
internal enum LinearSolver
{
    ConjugateGradient,
    Neumann,
}

/// <summary>The task losses, by the names and values of the runtime's LossKind.</summary>
internal enum TaskLoss
{
    MeanSquaredError,
    CrossEntropy,
}

/// <summary>The outer optimisers, by the names and values of the runtime's OptimizerKind.</summary>
internal enum OuterOptimizer
{
    Sgd,
    Adam,
}

/// <summary>The settings of [Hypergradient] that only some methods read.</summary>
internal enum MethodSetting
{
    Solver,
    Iterations,
    NeumannStep,
    FiniteDifferenceStep,
    Directions,
    Smoothing,
}

/// <summary>
/// What each hypergradient method and optimiser can do and which settings it reads. The runtime's validation,
/// the generator and the analyzers ask here instead of comparing method names, so adding a method means
/// adding its row here (and its attribute value) rather than finding every switch.
/// </summary>
internal static class MethodCapabilities
{
    /// <summary>
    /// Whether the method differentiates the adapted point with respect to the inner step, which a learned geometry
    /// (Meta-SGD's step sizes, a preconditioner, a mirror map) needs. First order counts: dropping the second-order terms
    /// still leaves the derivative of φ_N = φ₀ − αΣₖP(θ_P)gₖ in θ_P with the gradients gₖ held fixed (docs/geometry.md).
    /// </summary>
    public static bool SupportsLearnedGeometry(HypergradientMethod method) => WhyNoLearnedGeometry(method) is null;

    /// <summary>Why <paramref name="method"/> cannot learn a geometry (step sizes included); null when it can.</summary>
    public static string? WhyNoLearnedGeometry(HypergradientMethod method) => method switch
    {
        HypergradientMethod.Unrolled or HypergradientMethod.HessianFree or HypergradientMethod.FirstOrder => null,
        HypergradientMethod.Reptile => "its direction θ − θ_N has no derivative with respect to the geometry's parameters",
        HypergradientMethod.Implicit => "its hypergradient depends only on the adapted point, not on the path that reached it",
        HypergradientMethod.EvolutionStrategies => "its Jacobian estimate perturbs θ only, not the geometry's parameters",
        _ => "the method is not one MetaSpec knows",
    };

    /// <summary>Whether the method multiplies by exact Hessians (and so needs tangent buffers in the workspaces).</summary>
    public static bool UsesHessianVectorProducts(HypergradientMethod method) =>
        method is HypergradientMethod.Unrolled or HypergradientMethod.Implicit;

    /// <summary>
    /// Whether the method may run on the head alone when only the network's last layers adapt (ANIL): true for the
    /// methods that use nothing but the iterates, the query gradient and exact support Hessian-vector products, whose
    /// body share the runtime's head loss completes.
    /// </summary>
    public static bool SupportsHeadSpecialization(HypergradientMethod method) =>
        method is HypergradientMethod.Unrolled or HypergradientMethod.FirstOrder or HypergradientMethod.Reptile;

    /// <summary>Whether the method needs a proximal term λ &gt; 0 (it solves (∇²L_S + λI)w = ∇L_Q).</summary>
    public static bool NeedsProximal(HypergradientMethod method) => method == HypergradientMethod.Implicit;

    /// <summary>Whether the method (with its solver) reads <paramref name="setting"/>.</summary>
    public static bool Uses(HypergradientMethod method, LinearSolver solver, MethodSetting setting) => setting switch
    {
        MethodSetting.Solver or MethodSetting.Iterations => method == HypergradientMethod.Implicit,
        MethodSetting.NeumannStep => method == HypergradientMethod.Implicit && solver == LinearSolver.Neumann,
        MethodSetting.FiniteDifferenceStep => method == HypergradientMethod.HessianFree,
        MethodSetting.Directions or MethodSetting.Smoothing => method == HypergradientMethod.EvolutionStrategies,
        _ => false,
    };

    /// <summary>Who reads <paramref name="setting"/>, for messages: "Implicit", "Implicit with the Neumann solver", ….</summary>
    public static string UsedBy(MethodSetting setting) => setting switch
    {
        MethodSetting.Solver or MethodSetting.Iterations => nameof(HypergradientMethod.Implicit),
        MethodSetting.NeumannStep => "Implicit with the Neumann solver",
        MethodSetting.FiniteDifferenceStep => nameof(HypergradientMethod.HessianFree),
        _ => nameof(HypergradientMethod.EvolutionStrategies),
    };

    /// <summary>"Reptile" or "Implicit with ConjugateGradient": how the chosen method reads in a message about its settings.</summary>
    public static string Describe(HypergradientMethod method, LinearSolver solver, MethodSetting setting) =>
        setting == MethodSetting.NeumannStep && method == HypergradientMethod.Implicit ? $"Implicit with {solver}" : method.ToString();

    /// <summary>
    /// The message for a setting the chosen method or optimiser ignores (the analyzers' MSPEC012, the runtime's
    /// validation): {0} the setting, {1} the choice that ignores it, {2} what reads it.
    /// </summary>
    public const string IgnoredSettingFormat = "{0} is set, but {1} does not use it (only {2} does): remove it, or choose {2} if that is what you meant";

    public static string IgnoredSettingMessage(MethodSetting setting, HypergradientMethod method, LinearSolver solver) =>
        string.Format(System.Globalization.CultureInfo.InvariantCulture, IgnoredSettingFormat, setting, Describe(method, solver, setting), UsedBy(setting));

    /// <summary>Whether the outer optimiser reads a momentum (Adam keeps its own moments).</summary>
    public static bool UsesMomentum(OuterOptimizer optimizer) => optimizer == OuterOptimizer.Sgd;
}
