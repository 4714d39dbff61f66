namespace MetaSpec.Generators.Spec;

/// <summary>An enum argument as written: its member name, or null when the value names no member (a cast).</summary>
internal readonly record struct EnumValue(string? Name, int Value);

/// <summary>[InnerProblem] with defaults filled in.</summary>
internal sealed record InnerSpec(
    EnumValue Loss,
    int Steps,
    double StepSize,
    double Smoothness,
    double Proximal,
    bool ResampleSupport,
    bool LearnStepSizes,
    bool ResetAdaptedToZero);

/// <summary>[OuterProblem] with defaults filled in.</summary>
internal sealed record OuterSpec(EnumValue Optimizer, double LearningRate, int TaskBatch, double Momentum, double ClipGradientNorm);

/// <summary>[Hypergradient] with defaults filled in (Unrolled when the attribute is absent).</summary>
internal sealed record HypergradientSpec(
    EnumValue Method,
    EnumValue Solver,
    int Iterations,
    double NeumannStep,
    double FiniteDifferenceStep,
    int Directions,
    double Smoothing)
{
    public static HypergradientSpec Default { get; } =
        new(new EnumValue("Unrolled", 0), new EnumValue("ConjugateGradient", 0), 5, 0, 1e-3, 16, 1e-2);
}

/// <summary>A [MetaLearner] class with its model and the three problem attributes.</summary>
internal sealed record LearnerSpec(
    TypeSpec Type,
    ModelSpec Model,
    InnerSpec Inner,
    OuterSpec Outer,
    HypergradientSpec Hypergradient)
{
    /// <summary>Layers marked [Adapt], in order; empty means every layer adapts.</summary>
    public EquatableArray<string> AdaptedLayers
    {
        get
        {
            var names = new System.Collections.Generic.List<string>();
            foreach (var placed in Model.Layers)
                if (placed.Layer.Adapted) names.Add(placed.Layer.Name);
            return names.ToEquatableArray();
        }
    }

    /// <summary>Length of the meta-parameter vector: θ, then one step size per parameter for Meta-SGD.</summary>
    public int MetaParameterCount => Inner.LearnStepSizes ? 2 * Model.ParameterCount : Model.ParameterCount;
}
