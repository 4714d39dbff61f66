using MetaSpec.Meta;

namespace MetaSpec.Torch;

/// <summary>The task losses the torch backend computes.</summary>
public enum TorchLoss
{
    /// <summary>Mean of (y − t)² over every output value (PyTorch's MSELoss).</summary>
    MeanSquaredError,

    /// <summary>Softmax cross-entropy over class indices, mean over samples (PyTorch's CrossEntropyLoss).</summary>
    CrossEntropy,
}

/// <summary>
/// The meta-learning problem as the torch backend runs it: loss, inner loop, adapted layers and hypergradient method.
/// Plain values, so generated code can write them as constants; the meaning of each is the managed engine's
/// (<c>InnerLoop</c>, <c>Hypergradient</c>).
/// </summary>
public sealed record TorchMetaSettings
{
    /// <summary>The methods this backend computes.</summary>
    public static IReadOnlyList<HypergradientKind> SupportedMethods { get; } =
        [HypergradientKind.Unrolled, HypergradientKind.FirstOrder, HypergradientKind.Reptile, HypergradientKind.Implicit];

    /// <summary>The task loss.</summary>
    public TorchLoss Loss { get; init; }

    /// <summary>Inner steps N.</summary>
    public int Steps { get; init; } = 1;

    /// <summary>Inner step size α (the initial value of every learned step size for Meta-SGD).</summary>
    public double StepSize { get; init; } = 0.01;

    /// <summary>λ of the proximal term λ/2‖φ − θ₀‖² (iMAML); 0 for none.</summary>
    public double Proximal { get; init; }

    /// <summary>Learn one step size per parameter (Meta-SGD).</summary>
    public bool LearnStepSizes { get; init; }

    /// <summary>Start the adapted layers from zero for every task (a re-solved head; not meta-learned).</summary>
    public bool ResetAdaptedToZero { get; init; }

    /// <summary>The hypergradient method.</summary>
    public HypergradientKind Method { get; init; } = HypergradientKind.Unrolled;

    /// <summary>Implicit: the linear solver.</summary>
    public ImplicitSolver Solver { get; init; } = ImplicitSolver.ConjugateGradient;

    /// <summary>Implicit: CG iterations or Neumann terms.</summary>
    public int Iterations { get; init; } = 5;

    /// <summary>Implicit with Neumann: the step η; 0 means 1/λ.</summary>
    public double NeumannStep { get; init; }

    /// <summary>The layers the inner loop adapts; empty for all (MAML).</summary>
    public IReadOnlyList<string> AdaptedLayers { get; init; } = [];

    /// <summary>Throws <see cref="NotSupportedException"/> for what this backend does not compute and <see cref="ArgumentException"/> for settings that cannot work, naming them.</summary>
    public void Validate(TorchModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!SupportedMethods.Contains(Method))
            throw new NotSupportedException(
                $"The torch backend does not compute the {Method} hypergradient; it supports {string.Join(", ", SupportedMethods)}. " +
                "Use the managed engine for this spec, or choose a supported method.");
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "The inner loop needs at least one step.");
        if (!(StepSize > 0) || !double.IsFinite(StepSize)) throw new ArgumentOutOfRangeException(nameof(StepSize), StepSize, "The inner step size must be positive and finite.");
        if (!(Proximal >= 0) || !double.IsFinite(Proximal)) throw new ArgumentOutOfRangeException(nameof(Proximal), Proximal, "The proximal weight λ must be non-negative and finite.");
        if (LearnStepSizes && Method != HypergradientKind.Unrolled)
            throw new ArgumentException($"Learned step sizes (Meta-SGD) need the Unrolled method, which differentiates through the inner steps, not {Method}.");
        if (LearnStepSizes && ResetAdaptedToZero)
            throw new ArgumentException("Learned step sizes need a meta-learned starting point; they cannot be combined with ResetAdaptedToZero.");
        if (Method == HypergradientKind.Implicit)
        {
            if (Proximal <= 0) throw new ArgumentException("The implicit method needs a proximal weight λ > 0: it makes the inner problem strongly convex and the linear system solvable.");
            if (Iterations < 1) throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "The implicit solver needs at least one iteration.");
            if (!(NeumannStep >= 0) || !double.IsFinite(NeumannStep)) throw new ArgumentOutOfRangeException(nameof(NeumannStep), NeumannStep, "The Neumann step must be non-negative and finite.");
        }
        if (model.ParameterCount == 0) throw new ArgumentException("The network has no parameters: the inner loop would adapt nothing.", nameof(model));
        if (Loss == TorchLoss.CrossEntropy && model.Output.Channels < 2)
            throw new ArgumentException($"Cross-entropy needs at least two class scores; the network outputs {model.Output}.");
        foreach (string name in AdaptedLayers)
            if (model.Layers[model.LayerIndex(name)].Tensors.Count == 0)
                throw new ArgumentException($"Layer '{name}' has no parameters to adapt.", nameof(AdaptedLayers));
    }

    /// <summary>Whether tensor i of <paramref name="model"/> is adapted by the inner loop.</summary>
    public bool[] AdaptedTensors(TorchModel model)
    {
        var adapted = new bool[model.Tensors.Count];
        for (int i = 0; i < adapted.Length; i++)
            adapted[i] = AdaptedLayers.Count == 0 || AdaptedLayers.Contains(model.Layers[model.Tensors[i].Layer].Name);
        return adapted;
    }
}
