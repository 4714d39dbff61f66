namespace MetaSpec.Analyzers.Tests.Support;

/// <summary>Spec fragments the rule tests combine: models, and a learner with its three attributes spelled out.</summary>
internal static class Specs
{
    /// <summary>An MLP with no [Adapt]: full MAML.</summary>
    public const string MamlNet = "[MetaModel(1)] public partial class Net { Dense hidden = new(8, Activation.ReLU); Dense head = new(1); }\n";

    /// <summary>ANIL: only the linear last layer adapts.</summary>
    public const string AnilNet = "[MetaModel(1)] public partial class Net { Dense hidden = new(8, Activation.ReLU); [Adapt] Dense head = new(1); }\n";

    /// <summary>The adapted subset reaches into the body: a nonconvex inner problem.</summary>
    public const string DeepAdaptNet = "[MetaModel(1)] public partial class Net { Dense body = new(8, Activation.ReLU); [Adapt] Dense hidden = new(8, Activation.ReLU); [Adapt] Dense head = new(1); }\n";

    /// <summary>
    /// A learner of <c>Net</c>: <paramref name="inner"/> and <paramref name="outer"/> are the attributes' argument lists;
    /// <paramref name="method"/> and <paramref name="geometry"/> whole attributes ([Hypergradient(…)], [Geometry(…)]) when given.
    /// </summary>
    public static string Learner(string inner = "InnerProblem(LossKind.MeanSquaredError, Smoothness = 1)", string outer = "OptimizerKind.Adam", string? method = null,
        string? geometry = null) =>
        $"[MetaLearner(typeof(Net))] [{inner}] [OuterProblem({outer})] {(method is null ? "" : $"[{method}] ")}{(geometry is null ? "" : $"[{geometry}] ")}public partial class Learner;\n";
}
