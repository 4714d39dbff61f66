using System.Linq;
using MetaSpec.Specification;

namespace MetaSpec.Generators.Emitter;

/// <summary>
/// Emits the members of a spec class whose spec has errors, with the real signatures and bodies that throw. The build
/// fails on the spec's own diagnostics either way; the stub keeps the user's calls to the generated API compiling,
/// so those diagnostics are not buried under "no definition for 'Train'" errors, and the analyzers' findings on the
/// same build are not outnumbered by them. Members the user declared with generated names are left out.
/// </summary>
internal static class StubEmitter
{
    public static string Model(StubSpec stub) => Emit(stub, "model", ModelMembers);

    public static string Learner(StubSpec stub) => Emit(stub, "meta-learner", LearnerMembers(stub.Type.Name));

    private static string Emit(StubSpec stub, string kind, (string Name, string Code)[] members)
    {
        var writer = new SourceWriter();
        int braces = EmitterCommon.Open(writer, stub.Type);
        writer.WriteLine($"/// <summary>Placeholder members: this {kind}'s spec has errors (see the MetaSpec diagnostics of the build).</summary>");
        using (writer.Open($"{stub.Type.Keyword} {stub.Type.Name}"))
        {
            writer.WriteLine($"private static global::System.InvalidOperationException SpecHasErrors() => new({Literals.String($"The spec of '{stub.Type.NestedName}' has errors: fix the MetaSpec diagnostics reported when it was built.")});");
            foreach (var (name, code) in members)
            {
                if (stub.Omitted.Contains(name)) continue;
                writer.WriteLine();
                writer.WriteLine(code);
            }
        }
        EmitterCommon.Close(writer, braces);
        return writer.ToString();
    }

    private static readonly (string, string)[] ModelMembers =
    [
        ("InputShape", "public static global::MetaSpec.Shape InputShape => throw SpecHasErrors();"),
        ("OutputShape", "public static global::MetaSpec.Shape OutputShape => throw SpecHasErrors();"),
        ("InputSize", "public const int InputSize = 0;"),
        ("OutputSize", "public const int OutputSize = 0;"),
        ("ParameterCount", "public const int ParameterCount = 0;"),
        ("Layout", "public static class Layout { }"),
        ("Tensors", "public static global::System.Collections.Generic.IReadOnlyList<global::MetaSpec.Layers.ParameterTensor> Tensors => throw SpecHasErrors();"),
        ("CreateNetwork", "public static global::MetaSpec.Models.Sequential<float> CreateNetwork() => throw SpecHasErrors();"),
    ];

    private static (string, string)[] LearnerMembers(string name) =>
    [
        ("ParameterCount", "public const int ParameterCount = 0;"),
        ("MetaParameterCount", "public const int MetaParameterCount = 0;"),
        ("InnerSteps", "public const int InnerSteps = 0;"),
        ("InnerStepSize", "public const double InnerStepSize = 0;"),
        ("Smoothness", "public const double Smoothness = 0;"),
        ("TaskBatch", "public const int TaskBatch = 0;"),
        ("OuterLearningRate", "public const double OuterLearningRate = 0;"),
        ("InnerLoop", "public static global::MetaSpec.Meta.InnerLoop InnerLoop => throw SpecHasErrors();"),
        ("Hypergradient", "public static global::MetaSpec.Meta.Hypergradient Hypergradient => throw SpecHasErrors();"),
        ("Loss", "public static global::MetaSpec.Losses.ILoss<float> Loss => throw SpecHasErrors();"),
        ("AdaptedLayers", "public static global::System.Collections.Generic.IReadOnlyList<string> AdaptedLayers => throw SpecHasErrors();"),
        ("CreateProblem", "public static global::MetaSpec.Meta.MetaProblem<float> CreateProblem(global::MetaSpec.Models.Sequential<float> network) => throw SpecHasErrors();"),
        ("CreateOptimizer", "public static global::MetaSpec.Optimizers.IOptimizer<float> CreateOptimizer() => throw SpecHasErrors();"),
        ("CreateTrainerOptions", "public static global::MetaSpec.Meta.TrainerOptions CreateTrainerOptions(int seed = 0, int? threads = null) => throw SpecHasErrors();"),
        ("", $"public {name}(int seed = 0) => throw SpecHasErrors();"),
        ("MetaParameters", "public float[] MetaParameters => throw SpecHasErrors();"),
        ("Parameters", "public global::System.ReadOnlySpan<float> Parameters => throw SpecHasErrors();"),
        ("Iterations", "public long Iterations => throw SpecHasErrors();"),
        ("Engine", "public global::MetaSpec.Meta.NetworkLearner<float> Engine => throw SpecHasErrors();"),
        ("Warnings", "public global::System.IO.TextWriter? Warnings { get => throw SpecHasErrors(); set => throw SpecHasErrors(); }"),
        ("Train", "public void Train(global::MetaSpec.Tasks.ITaskDistribution<float> tasks, int iterations, global::System.Action<global::MetaSpec.Meta.MetaStep>? progress = null,\n    int? threads = null, global::System.Threading.CancellationToken cancellation = default) => throw SpecHasErrors();"),
        ("Adapt", "public global::MetaSpec.Meta.AdaptedNetwork<float> Adapt(global::System.ReadOnlySpan<float> supportInputs, global::System.ReadOnlySpan<float> supportTargets, int? steps = null) => throw SpecHasErrors();"),
        ("Evaluate", "public global::MetaSpec.Meta.EvaluationResult Evaluate(global::MetaSpec.Tasks.ITaskDistribution<float> tasks, int taskCount, int? steps = null, int seed = 0) => throw SpecHasErrors();"),
        ("Save", "public void Save(string path) => throw SpecHasErrors();"),
        ("Load", $"public static {name} Load(string path) => throw SpecHasErrors();"),
    ];
}
