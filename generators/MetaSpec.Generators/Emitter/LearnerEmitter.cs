using System.Linq;
using MetaSpec.Specification;
using static MetaSpec.Generators.Emitter.Literals;

namespace MetaSpec.Generators.Emitter;

/// <summary>
/// Emits a [MetaLearner] class's half: the declared settings as constants and runtime objects, factories
/// binding the model to the engine (<c>MetaProblem.ForNetwork</c>, the optimiser, the trainer options), the
/// constructor and the typed <c>Load</c>. The user API (Train, Adapt, Evaluate, Save, …) is inherited from the
/// runtime's <c>SpecLearner&lt;float&gt;</c>: only what the spec decides is generated.
/// </summary>
internal static class LearnerEmitter
{
    /// <summary>The base class of every generated learner (its members are in <see cref="GeneratedMembers.LearnerInherited"/>).</summary>
    public const string BaseClass = "global::" + SpecNames.LearnerBaseClass + "<float>";

    public static string Emit(LearnerSpec learner)
    {
        var writer = new SourceWriter();
        int braces = EmitterCommon.Open(writer, learner.Type);
        string name = learner.Type.Name;
        string model = learner.Model.Type.GlobalName;
        var inner = learner.Inner;
        var outer = learner.Outer;
        var method = learner.Hypergradient;
        var adaptedLayers = learner.Model.AdaptedLayers;
        string adaptedList = EmitterCommon.AdaptedLayerList(adaptedLayers);
        string adaptedArguments = string.Concat(adaptedLayers.Select(a => ", " + String(a)));
        string adaptedText = adaptedLayers.Count == 0 ? "every layer" : string.Join(", ", adaptedLayers);
        // [Geometry] goes into the inner loop; without the attribute nothing is written (the runtime's default is the identity).
        var geometry = learner.Geometry;
        string geometryLine = geometry == GeometrySpec.Default ? "" :
            $"\n    Geometry = new global::MetaSpec.Meta.StepGeometry {{ Kind = {Enum("global::MetaSpec.GeometryKind", geometry.Kind)}, " +
            $"Embedding = {Int(geometry.Embedding)}, Hidden = {Int(geometry.Hidden)}, DenseOutput = {Bool(geometry.DenseOutput)} }},";
        string metaParameters = learner.GeometryKind switch
        {
            StepGeometryKind.Identity => "",
            StepGeometryKind.Diagonal => ", then one learned step size per parameter (Meta-SGD)",
            StepGeometryKind.MirrorMap => " (the mirror map's dual start z₀), then the mirror map's θ_g",
            _ => $", then the {learner.GeometryKind} preconditioner's θ_P",
        };

        writer.WriteLine($"/// <summary>Meta-learner of <see cref=\"{model}\"/>: {method.Method.Name ?? "custom"} hypergradient, adapting {adaptedText}.</summary>");
        using (writer.Open($"{learner.Type.Keyword} {name} : {BaseClass}"))
        {
            writer.WriteLine($$"""
                /// <summary>Length of θ, the model's parameters.</summary>
                public const int ParameterCount = {{Int(learner.Model.ParameterCount)}};

                /// <summary>Length of the meta-parameters: θ{{metaParameters}}.</summary>
                public const int MetaParameterCount = {{Int(learner.MetaParameterCount)}};

                /// <summary>Inner gradient steps N.</summary>
                public const int InnerSteps = {{Int(inner.Steps)}};

                /// <summary>Inner step size α{{(inner.LearnStepSizes ? " (the initial value of every learned step size)" : "")}}.</summary>
                public const double InnerStepSize = {{Double(inner.StepSize)}};

                /// <summary>Declared smoothness L of the task loss (0: not declared).</summary>
                public const double Smoothness = {{Double(inner.Smoothness)}};

                /// <summary>Tasks per meta-batch.</summary>
                public const int TaskBatch = {{Int(outer.TaskBatch)}};

                /// <summary>Outer learning rate.</summary>
                public const double OuterLearningRate = {{Double(outer.LearningRate)}};

                /// <summary>The inner loop declared by [InnerProblem].</summary>
                public static global::MetaSpec.Meta.InnerLoop InnerLoop { get; } = new()
                {
                    Steps = {{Int(inner.Steps)}},
                    StepSize = {{Double(inner.StepSize)}},
                    Proximal = {{Double(inner.Proximal)}},
                    ResampleSupport = {{Bool(inner.ResampleSupport)}},
                    LearnStepSizes = {{Bool(inner.LearnStepSizes)}},
                    ResetAdaptedToZero = {{Bool(inner.ResetAdaptedToZero)}},{{geometryLine}}
                };

                /// <summary>The hypergradient method declared by [Hypergradient] (Unrolled when absent).</summary>
                public static global::MetaSpec.Meta.Hypergradient Hypergradient { get; } = new()
                {
                    Kind = {{Enum("global::MetaSpec.HypergradientKind", method.Method)}},
                    Solver = {{Enum("global::MetaSpec.ImplicitSolver", method.Solver)}},
                    Iterations = {{Int(method.Iterations)}},
                    NeumannStep = {{Double(method.NeumannStep)}},
                    FiniteDifferenceStep = {{Double(method.FiniteDifferenceStep)}},
                    Directions = {{Int(method.Directions)}},
                    Smoothing = {{Double(method.Smoothing)}},
                };

                /// <summary>The task loss, on support and query sets.</summary>
                public static global::MetaSpec.Losses.ILoss<float> Loss => {{LossExpression(inner.Loss)}};

                /// <summary>The layers marked [Adapt]; empty when every layer adapts.</summary>
                public static global::System.Collections.Generic.IReadOnlyList<string> AdaptedLayers { get; } = {{adaptedList}};

                /// <summary>The meta-learning problem on <paramref name="network"/> (a network of <see cref="{{model}}"/>).</summary>
                public static global::MetaSpec.Meta.MetaProblem<float> CreateProblem(global::MetaSpec.Models.Sequential<float> network) =>
                    global::MetaSpec.Meta.MetaProblem<float>.ForNetwork(network, Loss, InnerLoop, Hypergradient{{adaptedArguments}});

                /// <summary>The outer optimiser declared by [OuterProblem].</summary>
                public static global::MetaSpec.Optimizers.IOptimizer<float> CreateOptimizer() =>
                    {{OptimizerExpression(outer)}};

                /// <summary>Trainer settings declared by [OuterProblem], with the given task seed and threads (all cores when null).</summary>
                public static global::MetaSpec.Meta.TrainerOptions CreateTrainerOptions(int seed = 0, int? threads = null) => new()
                {
                    TaskBatch = {{Int(outer.TaskBatch)}},
                    ClipGradientNorm = {{Double(outer.ClipGradientNorm)}},
                    Smoothness = Smoothness, // declared L; 0 lets the trainer estimate it
                    Seed = seed,
                    Threads = threads ?? global::System.Environment.ProcessorCount,
                };

                /// <summary>A learner whose θ is PyTorch's default initialisation drawn from <paramref name="seed"/>.</summary>
                public {{name}}(int seed = 0)
                    : base(new global::MetaSpec.Meta.NetworkLearner<float>(CreateProblem({{model}}.CreateNetwork()), CreateOptimizer(), CreateTrainerOptions(seed), seed), {{String(learner.Type.NestedName)}})
                {
                }

                /// <summary>A learner with the meta-parameters saved at <paramref name="path"/>.</summary>
                public static {{name}} Load(string path) => Load(new {{name}}(), path);
                """);
        }
        EmitterCommon.Close(writer, braces);
        return writer.ToString();
    }

    private static string LossExpression(EnumValue loss) => loss.As<TaskLoss>() switch
    {
        TaskLoss.MeanSquaredError => "global::MetaSpec.Losses.MeanSquaredError<float>.Instance",
        TaskLoss.CrossEntropy => "global::MetaSpec.Losses.SoftmaxCrossEntropy<float>.Instance",
        _ => $"throw new global::System.NotSupportedException(\"Unknown loss {Int(loss.Value)}.\")",
    };

    private static string OptimizerExpression(OuterSpec outer) => outer.Kind switch
    {
        OuterOptimizer.Sgd => $"new global::MetaSpec.Optimizers.Sgd<float>(MetaParameterCount, learningRate: {Double(outer.LearningRate)}, momentum: {Double(outer.Momentum)})",
        OuterOptimizer.Adam => $"new global::MetaSpec.Optimizers.Adam<float>(MetaParameterCount, learningRate: {Double(outer.LearningRate)})",
        _ => $"throw new global::System.NotSupportedException(\"Unknown optimizer {Int(outer.Optimizer.Value)}.\")",
    };
}
