using System.Linq;
using MetaSpec.Specification;
using static MetaSpec.Generators.Emitter.Literals;

namespace MetaSpec.Generators.Emitter;

/// <summary>
/// Emits a [MetaLearner] class's torch half (<c>X.Torch.g.cs</c>), only when the compilation references MetaSpec.Torch
/// and the backend computes the spec (<see cref="TorchSupport"/>): the network as a <c>TorchModel</c>, the declared settings
/// as <c>TorchMetaSettings</c> and <c>TorchOuterSettings</c>, and <c>CreateTorchLearner&lt;T&gt;</c> for float32 or float64
/// on the device the options name. The network's description goes through MetaSpec.Torch's ManagedBridge (the one place
/// that maps layers and checks the layouts agree); the settings are written as constants the user can read.
/// </summary>
internal static class TorchEmitter
{
    /// <summary>Whether the torch backend runs <paramref name="learner"/> (what MSPEC018 reports otherwise).</summary>
    public static bool Supports(LearnerSpec learner) => WhyNot(learner) is null;

    public static string? WhyNot(LearnerSpec learner) => TorchSupport.WhyNot(
        learner.Hypergradient.Kind,
        learner.Inner.LearnStepSizes ? StepGeometryKind.Diagonal : learner.Geometry.Geometry,
        learner.Inner.ResampleSupport,
        learner.Inner.Loss.As<TaskLoss>(),
        learner.Outer.Kind);

    public static string HintName(TypeSpec type) => (type.Namespace is null ? "" : type.Namespace + ".") + type.NestedName + ".Torch.g.cs";

    public static string Emit(LearnerSpec learner)
    {
        var writer = new SourceWriter();
        int braces = EmitterCommon.Open(writer, learner.Type);
        string model = learner.Model.Type.GlobalName;
        var inner = learner.Inner;
        var outer = learner.Outer;
        var method = learner.Hypergradient;
        var adapted = learner.Model.AdaptedLayers;
        string adaptedList = EmitterCommon.AdaptedLayerList(adapted);
        const string torch = "global::MetaSpec.Torch";

        using (writer.Open($"{learner.Type.Keyword} {learner.Type.Name}"))
        {
            writer.WriteLine($$"""
                /// <summary>The network of <see cref="{{model}}"/> as the torch backend describes it: the same layers, tensor names and flat layout.</summary>
                public static {{torch}}.TorchModel CreateTorchModel() => {{torch}}.ManagedBridge.ToTorchModel({{model}}.CreateNetwork());

                /// <summary>The inner problem and hypergradient declared by the spec, as the torch backend runs them.</summary>
                public static {{torch}}.TorchMetaSettings TorchSettings { get; } = new()
                {
                    Loss = {{TorchLossName(inner.Loss)}},
                    Steps = {{Int(inner.Steps)}},
                    StepSize = {{Double(inner.StepSize)}},
                    Proximal = {{Double(inner.Proximal)}},
                    LearnStepSizes = {{Bool(learner.GeometryKind == StepGeometryKind.Diagonal)}},
                    ResetAdaptedToZero = {{Bool(inner.ResetAdaptedToZero)}},
                    Method = {{Enum("global::MetaSpec.HypergradientKind", method.Method)}},
                    Solver = {{Enum("global::MetaSpec.ImplicitSolver", method.Solver)}},
                    Iterations = {{Int(method.Iterations)}},
                    NeumannStep = {{Double(method.NeumannStep)}},
                    AdaptedLayers = {{adaptedList}},
                };

                /// <summary>The outer loop declared by [OuterProblem], as the torch backend runs it (PyTorch's optimiser semantics).</summary>
                public static {{torch}}.TorchOuterSettings TorchOuterSettings { get; } = new()
                {
                    Optimizer = {{torch}}.TorchOptimizerKind.{{(outer.Kind == OuterOptimizer.Sgd ? "Sgd" : "Adam")}},
                    LearningRate = {{Double(outer.LearningRate)}},
                    Momentum = {{Double(outer.Kind == OuterOptimizer.Sgd ? outer.Momentum : 0)}},
                    TaskBatch = {{Int(outer.TaskBatch)}},
                    ClipGradientNorm = {{Double(outer.ClipGradientNorm)}},
                };

                /// <summary>
                /// A torch learner of this spec in <typeparamref name="T"/> (<c>float</c> or <c>double</c>) on the device
                /// <paramref name="options"/> names (<c>auto</c> when null: CUDA when available, else the CPU), starting from θ's
                /// PyTorch-style initialisation drawn from <paramref name="seed"/>, the generated managed learner's start for the same
                /// seed; its first <c>Train</c> call draws the managed trainer's tasks. Checkpoints load in either backend.
                /// </summary>
                public static {{torch}}.TorchLearner<T> CreateTorchLearner<T>(int seed = 0, {{torch}}.TorchOptions? options = null)
                    where T : unmanaged, global::System.Numerics.IFloatingPointIeee754<T>
                {
                    var model = CreateTorchModel();
                    T[] parameters = {{torch}}.ManagedBridge.ToSequential<T>(model).CreateParameters(seed);
                    return new {{torch}}.TorchLearner<T>(model, TorchSettings, TorchOuterSettings, parameters, seed, options);
                }
                """);
        }
        EmitterCommon.Close(writer, braces);
        return writer.ToString();
    }

    // Only called for a spec TorchSupport accepts, whose loss is a known member.
    private static string TorchLossName(EnumValue loss) =>
        "global::MetaSpec.Torch.TorchLoss." + (loss.As<TaskLoss>() == TaskLoss.CrossEntropy ? "CrossEntropy" : "MeanSquaredError");
}
