namespace MetaSpec.Specification;

/// <summary>
/// The members the generator emits into spec classes. The readers report a user member of the same name on the
/// user's own line (MSPEC112) instead of letting the compiler report CS0102 inside a generated file; a test
/// compares these lists with the members of the generated types.
/// </summary>
internal static class GeneratedMembers
{
    public static readonly string[] Model =
    [
        "InputShape", "OutputShape", "InputSize", "OutputSize", "ParameterCount", "Layout", "Tensors", "CreateNetwork",
    ];

    public static readonly string[] Learner =
    [
        "ParameterCount", "MetaParameterCount", "InnerSteps", "InnerStepSize", "Smoothness", "TaskBatch", "OuterLearningRate",
        "InnerLoop", "Hypergradient", "Loss", "AdaptedLayers", "CreateProblem", "CreateOptimizer", "CreateTrainerOptions",
        "_metaLearner", "MetaParameters", "Parameters", "Iterations", "Engine", "Warnings", "Train", "Adapt", "Evaluate", "Save", "Load",
    ];
}
