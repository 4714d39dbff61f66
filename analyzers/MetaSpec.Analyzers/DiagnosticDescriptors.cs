using Microsoft.CodeAnalysis;

namespace MetaSpec.Analyzers;

/// <summary>
/// Every analyzer diagnostic, in one place: stable ID, a title, a message that says what to change, a help link
/// to docs/diagnostics/ID.md. Errors are specs the runtime would reject (its own validation says the same);
/// warnings carry the convergence theory of DESIGN §5 (warnings, not infos: a command-line build never shows an info).
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Theory = "MetaSpec.Theory";
    private const string Usage = "MetaSpec.Usage";

    public static readonly DiagnosticDescriptor StepSizeTooLarge = Create(RuleIdentifiers.StepSizeTooLarge, Theory, DiagnosticSeverity.Warning,
        "Inner step size too large for the declared smoothness",
        "α·N·L = {0}·{1}·{2} = {3} exceeds {4}: N-step MAML converges for α ≤ c/(N·L) (Ji, Yang, Liang 2021); set StepSize to at most {5}");

    public static readonly DiagnosticDescriptor SmoothnessNotDeclared = Create(RuleIdentifiers.SmoothnessNotDeclared, Theory, DiagnosticSeverity.Warning,
        "Smoothness of the task loss not declared",
        "'{0}' declares no Smoothness L, so α·N·L ≤ {4} cannot be checked here: StepSize = {1} with Steps = {2} is within the bound for L ≤ {3}; set Smoothness to your task loss's L (the trainer estimates L at the start of training and reports it), or lower StepSize");

    public static readonly DiagnosticDescriptor NonconvexAdaptationTooManySteps = Create(RuleIdentifiers.NonconvexAdaptationTooManySteps, Theory, DiagnosticSeverity.Warning,
        "Many inner steps on a nonconvex adapted subset",
        "The adapted subset ({0}) reaches beyond the last linear layer, so the inner problem is nonconvex and convergence rate and complexity both worsen with N (O(N²ε⁻²), Ji, Lee, Liang, Poor 2020); use Steps ≤ {1} or adapt only a linear last layer");

    public static readonly DiagnosticDescriptor ConvexHeadSingleStep = Create(RuleIdentifiers.ConvexHeadSingleStep, Theory, DiagnosticSeverity.Warning,
        "One inner step on a convex head",
        "Only the linear last layer '{0}' adapts, a (with regularisation, strongly) convex inner problem where the rate improves with N before it saturates (Ji, Lee, Liang, Poor 2020); set Steps to a moderate value such as 5 (3–10)");

    public static readonly DiagnosticDescriptor AdaptOnNonLayer = Create(RuleIdentifiers.AdaptOnNonLayer, Usage, DiagnosticSeverity.Error,
        "[Adapt] on a field that is not a model layer",
        "[Adapt] on '{0}' has no effect: {1}; put it on a layer field of a [MetaModel] class");

    public static readonly DiagnosticDescriptor AdaptedLayerWithoutParameters = Create(RuleIdentifiers.AdaptedLayerWithoutParameters, Usage, DiagnosticSeverity.Error,
        "Adapted layer has no parameters",
        "Layer '{0}' ({1}) has no parameters for the inner loop to adapt; remove [Adapt] or put it on a Dense, Conv2d or BatchNorm2d layer");

    public static readonly DiagnosticDescriptor SettingOutOfRange = Create(RuleIdentifiers.SettingOutOfRange, Usage, DiagnosticSeverity.Error,
        "Spec setting out of range",
        "{0} is {1}: it must be {2}");

    public static readonly DiagnosticDescriptor ImplicitWithoutProximal = Create(RuleIdentifiers.ImplicitWithoutProximal, Usage, DiagnosticSeverity.Error,
        "Implicit hypergradient without a proximal term",
        "The implicit method needs Proximal > 0 in [InnerProblem]: λ makes the inner problem strongly convex and its linear system solvable");

    public static readonly DiagnosticDescriptor LearnedStepSizesWithoutUnrolling = Create(RuleIdentifiers.LearnedStepSizesWithoutUnrolling, Usage, DiagnosticSeverity.Error,
        "Learned step sizes need a method that differentiates through the inner steps",
        "LearnStepSizes (Meta-SGD) needs the Unrolled, HessianFree or FirstOrder method, not {0}: {1}");

    public static readonly DiagnosticDescriptor LearnedStepSizesWithReset = Create(RuleIdentifiers.LearnedStepSizesWithReset, Usage, DiagnosticSeverity.Error,
        "Learned step sizes with a head re-solved from zero",
        "LearnStepSizes cannot be combined with ResetAdaptedToZero: learned step sizes need a meta-learned starting point; remove one of them");

    public static readonly DiagnosticDescriptor ResampledSupportWithImplicit = Create(RuleIdentifiers.ResampledSupportWithImplicit, Usage, DiagnosticSeverity.Warning,
        "Resampled support data with the implicit method",
        "With ResampleSupport the implicit solve uses only the first of the {0} support draws, at a point the other draws produced, so the hypergradient is a noisier, inconsistent estimate; remove ResampleSupport or use Unrolled");

    public static readonly DiagnosticDescriptor IgnoredSetting = Create(RuleIdentifiers.IgnoredSetting, Usage, DiagnosticSeverity.Error,
        "Setting ignored by the chosen method or optimiser",
        MetaSpec.Specification.MethodCapabilities.IgnoredSettingFormat);

    public static readonly DiagnosticDescriptor ResetWithoutAdaptedLayers = Create(RuleIdentifiers.ResetWithoutAdaptedLayers, Usage, DiagnosticSeverity.Error,
        "Adapted layers re-solved from zero, but no layer is marked [Adapt]",
        "ResetAdaptedToZero re-solves the [Adapt] layers from zero for every task, but '{0}' marks no layer [Adapt], so every layer restarts from zero and nothing is meta-learned; mark the head [Adapt] (a shared embedding) or remove ResetAdaptedToZero");

    public static readonly DiagnosticDescriptor GeometryWithoutUnrolling = Create(RuleIdentifiers.GeometryWithoutUnrolling, Usage, DiagnosticSeverity.Error,
        "Learned geometry needs a method that differentiates through the inner steps",
        MetaSpec.Specification.GeometryRules.MethodFormat);

    public static readonly DiagnosticDescriptor MirrorMapWithProximal = Create(RuleIdentifiers.MirrorMapWithProximal, Usage, DiagnosticSeverity.Error,
        "Mirror map with a proximal term",
        MetaSpec.Specification.GeometryRules.ProximalFormat);

    public static readonly DiagnosticDescriptor GeometryWithReset = Create(RuleIdentifiers.GeometryWithReset, Usage, DiagnosticSeverity.Error,
        "Learned geometry with a head re-solved from zero",
        MetaSpec.Specification.GeometryRules.ResetFormat);

    public static readonly DiagnosticDescriptor GeometryWithLearnedStepSizes = Create(RuleIdentifiers.GeometryWithLearnedStepSizes, Usage, DiagnosticSeverity.Error,
        "LearnStepSizes with another geometry",
        MetaSpec.Specification.GeometryRules.StepSizesFormat);

    public static readonly DiagnosticDescriptor TorchLearnerNotGenerated = Create(RuleIdentifiers.TorchLearnerNotGenerated, Usage, DiagnosticSeverity.Warning,
        "No torch learner is generated for this spec",
        MetaSpec.Specification.TorchSupport.NotGeneratedFormat);

    /// <summary>Every descriptor, for the tests that check docs and release tracking.</summary>
    public static readonly DiagnosticDescriptor[] All =
    [
        StepSizeTooLarge, SmoothnessNotDeclared, NonconvexAdaptationTooManySteps, ConvexHeadSingleStep, AdaptOnNonLayer,
        AdaptedLayerWithoutParameters, SettingOutOfRange, ImplicitWithoutProximal, LearnedStepSizesWithoutUnrolling,
        LearnedStepSizesWithReset, ResampledSupportWithImplicit, IgnoredSetting, ResetWithoutAdaptedLayers, GeometryWithoutUnrolling,
        MirrorMapWithProximal, GeometryWithReset, GeometryWithLearnedStepSizes, TorchLearnerNotGenerated,
    ];

    private static DiagnosticDescriptor Create(string id, string category, DiagnosticSeverity severity, string title, string message) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, helpLinkUri: RuleIdentifiers.HelpLink(id));
}
