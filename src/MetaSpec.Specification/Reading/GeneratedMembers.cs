using System.Linq;

namespace MetaSpec.Specification;

/// <summary>
/// The one list of the members MetaSpec gives spec classes. The readers report a user member of one of these names on
/// the user's own line (MSPEC112) instead of letting the compiler report CS0102 (or hide an inherited member) inside a
/// generated file; the stub emitter emits exactly the declared ones; tests compare these lists with the members of the
/// generated types and with the runtime's <c>SpecLearner&lt;T&gt;</c>.
/// </summary>
internal static class GeneratedMembers
{
    /// <summary>Declared in a [MetaModel] class's generated half.</summary>
    public static readonly string[] Model =
    [
        "InputShape", "OutputShape", "InputSize", "OutputSize", "ParameterCount", "Layout", "Tensors", "CreateNetwork",
    ];

    /// <summary>Declared in a [MetaLearner] class's generated half (besides its constructor): what the spec decides.</summary>
    public static readonly string[] LearnerDeclared =
    [
        "ParameterCount", "MetaParameterCount", "InnerSteps", "InnerStepSize", "Smoothness", "TaskBatch", "OuterLearningRate",
        "InnerLoop", "Hypergradient", "Loss", "AdaptedLayers", "CreateProblem", "CreateOptimizer", "CreateTrainerOptions", "Load",
    ];

    /// <summary>
    /// Inherited by every learner from <see cref="SpecNames.LearnerBaseClass"/> (its public and protected members; a
    /// user member of the same name would hide one).
    /// </summary>
    public static readonly string[] LearnerInherited =
    [
        "Engine", "MetaParameters", "Parameters", "Iterations", "Warnings", "Train", "Adapt", "Evaluate", "Save", "Load",
    ];

    /// <summary>Every name a [MetaLearner] class's own members must not take.</summary>
    public static readonly string[] Learner = [.. LearnerDeclared.Concat(LearnerInherited).Distinct()];
}
