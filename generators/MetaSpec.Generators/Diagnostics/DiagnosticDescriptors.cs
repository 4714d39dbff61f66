using MetaSpec.Specification;
using Microsoft.CodeAnalysis;

namespace MetaSpec.Generators;

/// <summary>
/// The generator's diagnostics: only what stops generation. IDs are stable (MSPEC1xx; the analyzers use
/// MSPEC0xx); each has a page docs/diagnostics/ID.md with an example and the fix.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "MetaSpec.Generator";

    public static readonly DiagnosticDescriptor NotPartial = Create("MSPEC101",
        "Spec class must be partial and non-generic",
        "'{0}' {1}: MetaSpec generates members into it, so it (and every type containing it) must be a non-generic partial type");

    public static readonly DiagnosticDescriptor NonConstantLayerArgument = Create("MSPEC102",
        "Layer argument is not a compile-time constant",
        "Argument '{1}' of layer '{0}' is not a compile-time constant: layer shapes are computed when the code is generated");

    public static readonly DiagnosticDescriptor UnknownLayerType = Create("MSPEC103",
        "Model field is not a layer declaration",
        "Field '{0}' of type '{1}' is not a layer: every instance field of a [MetaModel] class must be a Dense, Conv2d, BatchNorm2d, MaxPool2d or Flatten declaration");

    public static readonly DiagnosticDescriptor LayerNotCreated = Create("MSPEC104",
        "Layer field is not created with new(...)",
        "Layer '{0}' must be initialised with 'new {1}(...)' and constant arguments, so that its shape is known when the code is generated");

    public static readonly DiagnosticDescriptor InvalidLayout = Create("MSPEC105",
        "Model layers cannot be laid out",
        "Model '{0}' cannot be laid out: {1}");

    public static readonly DiagnosticDescriptor InvalidModel = Create("MSPEC106",
        "Meta-learner has no valid model",
        "The model of meta-learner '{0}', '{1}', is not a [MetaModel] class");

    public static readonly DiagnosticDescriptor MissingInnerProblem = Create("MSPEC107",
        "Meta-learner lacks [InnerProblem]",
        "Meta-learner '{0}' needs an [InnerProblem(...)] attribute: it says how the model adapts to a task");

    public static readonly DiagnosticDescriptor MissingOuterProblem = Create("MSPEC108",
        "Meta-learner lacks [OuterProblem]",
        "Meta-learner '{0}' needs an [OuterProblem(...)] attribute: it says how the meta-parameters are trained");

    public static readonly DiagnosticDescriptor NoParameters = Create("MSPEC109",
        "Model has no parameters",
        "Model '{0}' has no parameters to learn: its layers are all Flatten or MaxPool2d; add a Dense, Conv2d or BatchNorm2d layer");

    public static readonly DiagnosticDescriptor ActivationNameClash = Create("MSPEC110",
        "Layer named like a generated activation layer",
        "Layer '{0}' has the name MetaSpec gives the {2} layer after '{1}' in the network; rename it");

    public static readonly DiagnosticDescriptor LayoutNameClash = Create("MSPEC111",
        "Two layers give the same Layout constants",
        "Layers '{0}' and '{1}' both give the constant Layout.{2} (leading underscores are dropped and the first letter is capitalised); rename one of them");

    public static readonly DiagnosticDescriptor GeneratedMemberClash = Create("MSPEC112",
        "Spec class declares a member MetaSpec generates",
        "'{0}' declares '{1}', which {3} every {2}; rename or remove yours");

    public static readonly DiagnosticDescriptor ModelAndLearner = Create("MSPEC113",
        "Class is both a model and a meta-learner",
        "'{0}' carries both [MetaModel] and [MetaLearner]: declare the model and the meta-learner as two classes, with [MetaLearner(typeof(Model))] on the second");

    public static readonly DiagnosticDescriptor NotPlainLearnerClass = Create("MSPEC114",
        "Meta-learner must be a plain class",
        "Meta-learner '{0}' {1}: its generated half derives from MetaSpec.Meta.SpecLearner<float> and Load creates it with new, so it must be a non-static, non-abstract partial class (not a record or struct) with no base class of its own");

    public static DiagnosticDescriptor For(SpecProblemKind kind) => kind switch
    {
        SpecProblemKind.NotPartial => NotPartial,
        SpecProblemKind.NonConstantLayerArgument => NonConstantLayerArgument,
        SpecProblemKind.UnknownLayerType => UnknownLayerType,
        SpecProblemKind.LayerNotCreated => LayerNotCreated,
        SpecProblemKind.InvalidLayout => InvalidLayout,
        SpecProblemKind.InvalidModel => InvalidModel,
        SpecProblemKind.MissingInnerProblem => MissingInnerProblem,
        SpecProblemKind.MissingOuterProblem => MissingOuterProblem,
        SpecProblemKind.NoParameters => NoParameters,
        SpecProblemKind.ActivationNameClash => ActivationNameClash,
        SpecProblemKind.LayoutNameClash => LayoutNameClash,
        SpecProblemKind.GeneratedMemberClash => GeneratedMemberClash,
        SpecProblemKind.ModelAndLearner => ModelAndLearner,
        _ => NotPlainLearnerClass,
    };

    public static Diagnostic ToDiagnostic(SpecProblem problem)
    {
        var arguments = new object[problem.Arguments.Count];
        for (int i = 0; i < arguments.Length; i++) arguments[i] = problem.Arguments[i];
        return Diagnostic.Create(For(problem.Kind), problem.Location?.ToLocation(), arguments);
    }

    private static DiagnosticDescriptor Create(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinks.For(id));
}
