namespace MetaSpec.Specification;

/// <summary>An enum argument as written: its member name, or null when the value names no member (a cast).</summary>
internal readonly record struct EnumValue(string? Name, int Value)
{
    /// <summary>The value as <typeparamref name="TEnum"/> (the spec library's mirror of the runtime enum); null for a cast to no member.</summary>
    public TEnum? As<TEnum>() where TEnum : struct, System.Enum =>
        Name is not null && System.Enum.IsDefined(typeof(TEnum), Value) ? (TEnum)(object)Value : null;

    public static EnumValue Of<TEnum>(TEnum value) where TEnum : struct, System.Enum => new(value.ToString(), (int)(object)value);
}

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
internal sealed record OuterSpec(EnumValue Optimizer, double LearningRate, int TaskBatch, double Momentum, double ClipGradientNorm)
{
    /// <summary>The optimiser; null for a cast to no member.</summary>
    public OuterOptimizer? Kind => Optimizer.As<OuterOptimizer>();
}

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
    public static HypergradientSpec Default { get; } = new(
        EnumValue.Of(SpecDefaults.Method), EnumValue.Of(SpecDefaults.Solver), SpecDefaults.Iterations, SpecDefaults.NeumannStep,
        SpecDefaults.FiniteDifferenceStep, SpecDefaults.Directions, SpecDefaults.Smoothing);

    /// <summary>The method; null for a cast to no member.</summary>
    public HypergradientMethod? Kind => Method.As<HypergradientMethod>();

    /// <summary>The implicit method's solver (the default when the value names no member).</summary>
    public LinearSolver SolverKind => Solver.As<LinearSolver>() ?? SpecDefaults.Solver;

    /// <summary>A numeric method setting's value, for the range rules.</summary>
    public double Value(MethodSetting setting) => setting switch
    {
        MethodSetting.Iterations => Iterations,
        MethodSetting.NeumannStep => NeumannStep,
        MethodSetting.FiniteDifferenceStep => FiniteDifferenceStep,
        MethodSetting.Directions => Directions,
        MethodSetting.Smoothing => Smoothing,
        _ => Solver.Value,
    };
}

/// <summary>[Geometry] with defaults filled in (the identity, MAML's step, when the attribute is absent).</summary>
internal sealed record GeometrySpec(EnumValue Kind, int Embedding, int Hidden, bool DenseOutput)
{
    public static GeometrySpec Default { get; } = new(EnumValue.Of(SpecDefaults.Geometry), SpecDefaults.Embedding, SpecDefaults.Hidden, SpecDefaults.DenseOutput);

    /// <summary>The geometry; null for a cast to no member.</summary>
    public StepGeometryKind? Geometry => Kind.As<StepGeometryKind>();

    /// <summary>A setting's value, for the range rules (DenseOutput as 0 or 1).</summary>
    public double Value(GeometrySetting setting) => setting switch
    {
        GeometrySetting.Embedding => Embedding,
        GeometrySetting.Hidden => Hidden,
        _ => DenseOutput ? 1 : 0,
    };

    /// <summary>A setting's default, for the ignored-setting rule.</summary>
    public static double DefaultValue(GeometrySetting setting) => Default.Value(setting);
}

/// <summary>
/// What a learner needs to know about its model: the facts the learner emission uses, not the whole
/// <see cref="ModelSpec"/>. An edit to the model that leaves these alone (a new bias-free layer elsewhere would not)
/// leaves the learner's step output equal, so its source is not emitted again.
/// </summary>
/// <param name="Type">The model class.</param>
/// <param name="ParameterCount">Length of θ.</param>
/// <param name="AdaptedLayers">Layers marked [Adapt], in order; empty means every layer adapts.</param>
/// <param name="AdaptedTensors">The shapes of the adapted layers' tensors (every tensor when no layer is marked), in θ order: a learned geometry's size depends on them.</param>
internal sealed record ModelReference(TypeSpec Type, int ParameterCount, EquatableArray<string> AdaptedLayers, EquatableArray<TensorSpec> AdaptedTensors)
{
    public static ModelReference Of(ModelSpec model)
    {
        var adapted = new System.Collections.Generic.List<string>();
        foreach (var placed in model.Layers)
            if (placed.Layer.Adapted) adapted.Add(placed.Layer.Name);
        var tensors = new System.Collections.Generic.List<TensorSpec>();
        foreach (var placed in model.Layers)
            if (adapted.Count == 0 || placed.Layer.Adapted) tensors.AddRange(placed.Tensors);
        return new ModelReference(model.Type, model.ParameterCount, adapted.ToEquatableArray(), tensors.ToEquatableArray());
    }
}

/// <summary>A [MetaLearner] class with a reference to its model and the three problem attributes.</summary>
internal sealed record LearnerSpec(
    TypeSpec Type,
    ModelReference Model,
    InnerSpec Inner,
    OuterSpec Outer,
    HypergradientSpec Hypergradient,
    GeometrySpec Geometry)
{
    /// <summary>The step's geometry: LearnStepSizes is the diagonal one; a cast to no member counts as none.</summary>
    public StepGeometryKind GeometryKind => Inner.LearnStepSizes ? StepGeometryKind.Diagonal : Geometry.Geometry ?? StepGeometryKind.Identity;

    /// <summary>
    /// Length of the meta-parameter vector: θ, then the step geometry's own (one step size per parameter for Meta-SGD; θ_P or
    /// θ_g over the adapted tensors, by the shared rule the runtime's geometries follow). Clamped for specs the analyzers reject.
    /// </summary>
    public int MetaParameterCount
    {
        get
        {
            var shapes = new System.Collections.Generic.List<int[]>();
            foreach (var t in Model.AdaptedTensors) shapes.Add(System.Linq.Enumerable.ToArray(t.Dimensions));
            long count = Model.ParameterCount + GeometryRules.ParameterCount(GeometryKind, Model.ParameterCount, shapes,
                System.Math.Max(1, Geometry.Embedding), System.Math.Max(1, Geometry.Hidden), Geometry.DenseOutput);
            return (int)System.Math.Min(int.MaxValue, count);
        }
    }
}
