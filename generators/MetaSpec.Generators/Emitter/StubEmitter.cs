using System;
using System.Collections.Generic;
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
    public static string Model(StubSpec stub) => Emit(stub, "model", "", GeneratedMembers.Model, ModelMembers, constructor: null);

    /// <summary>A learner stub derives from the runtime base like the real half, so the inherited API is there too; its constructor throws.</summary>
    public static string Learner(StubSpec stub) => Emit(stub, "meta-learner", " : " + LearnerEmitter.BaseClass, GeneratedMembers.LearnerDeclared, LearnerMembers(stub.Type.Name),
        $"public {stub.Type.Name}(int seed = 0) : base(NoEngine(), \"\") {{ }}\n\nprivate static global::MetaSpec.Meta.NetworkLearner<float> NoEngine() => throw SpecHasErrors();");

    /// <summary>Writes, in the order of <paramref name="names"/> (the one list of generated members), each member's placeholder.</summary>
    private static string Emit(StubSpec stub, string kind, string baseClause, string[] names, Dictionary<string, string> members, string? constructor)
    {
        var writer = new SourceWriter();
        int braces = EmitterCommon.Open(writer, stub.Type);
        writer.WriteLine($"/// <summary>Placeholder members: this {kind}'s spec has errors (see the MetaSpec diagnostics of the build).</summary>");
        using (writer.Open($"{stub.Type.Keyword} {stub.Type.Name}{baseClause}"))
        {
            writer.WriteLine($"private static global::System.InvalidOperationException SpecHasErrors() => new({Literals.String($"The spec of '{stub.Type.NestedName}' has errors: fix the MetaSpec diagnostics reported when it was built.")});");
            if (constructor is not null)
            {
                writer.WriteLine();
                writer.WriteLine(constructor);
            }
            foreach (string name in names)
            {
                if (stub.Omitted.Contains(name)) continue;
                writer.WriteLine();
                // A generated member without a placeholder is a bug of this file: the test of stubs against real halves finds it.
                writer.WriteLine(members.TryGetValue(name, out string? code) ? code : throw new InvalidOperationException($"No placeholder for the generated member '{name}'."));
            }
        }
        EmitterCommon.Close(writer, braces);
        return writer.ToString();
    }

    private static readonly Dictionary<string, string> ModelMembers = new()
    {
        ["InputShape"] = "public static global::MetaSpec.Shape InputShape => throw SpecHasErrors();",
        ["OutputShape"] = "public static global::MetaSpec.Shape OutputShape => throw SpecHasErrors();",
        ["InputSize"] = "public const int InputSize = 0;",
        ["OutputSize"] = "public const int OutputSize = 0;",
        ["ParameterCount"] = "public const int ParameterCount = 0;",
        ["Layout"] = "public static class Layout { }",
        ["Tensors"] = "public static global::System.Collections.Generic.IReadOnlyList<global::MetaSpec.Layers.ParameterTensor> Tensors => throw SpecHasErrors();",
        ["CreateNetwork"] = "public static global::MetaSpec.Models.Sequential<float> CreateNetwork() => throw SpecHasErrors();",
    };

    private static Dictionary<string, string> LearnerMembers(string name) => new()
    {
        ["ParameterCount"] = "public const int ParameterCount = 0;",
        ["MetaParameterCount"] = "public const int MetaParameterCount = 0;",
        ["InnerSteps"] = "public const int InnerSteps = 0;",
        ["InnerStepSize"] = "public const double InnerStepSize = 0;",
        ["Smoothness"] = "public const double Smoothness = 0;",
        ["TaskBatch"] = "public const int TaskBatch = 0;",
        ["OuterLearningRate"] = "public const double OuterLearningRate = 0;",
        ["InnerLoop"] = "public static global::MetaSpec.Meta.InnerLoop InnerLoop => throw SpecHasErrors();",
        ["Hypergradient"] = "public static global::MetaSpec.Meta.Hypergradient Hypergradient => throw SpecHasErrors();",
        ["Loss"] = "public static global::MetaSpec.Losses.ILoss<float> Loss => throw SpecHasErrors();",
        ["AdaptedLayers"] = "public static global::System.Collections.Generic.IReadOnlyList<string> AdaptedLayers => throw SpecHasErrors();",
        ["CreateProblem"] = "public static global::MetaSpec.Meta.MetaProblem<float> CreateProblem(global::MetaSpec.Models.Sequential<float> network) => throw SpecHasErrors();",
        ["CreateOptimizer"] = "public static global::MetaSpec.Optimizers.IOptimizer<float> CreateOptimizer() => throw SpecHasErrors();",
        ["CreateTrainerOptions"] = "public static global::MetaSpec.Meta.TrainerOptions CreateTrainerOptions(int seed = 0, int? threads = null) => throw SpecHasErrors();",
        ["Load"] = $"public static {name} Load(string path) => throw SpecHasErrors();",
    };
}
