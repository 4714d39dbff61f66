using MetaSpec.Specification;

namespace MetaSpec;

/// <summary>The task loss, used on the support set in the inner loop and on the query set in the meta-objective.</summary>
public enum LossKind
{
    /// <summary>Mean of squared errors over every output value (regression).</summary>
    MeanSquaredError,

    /// <summary>Softmax cross-entropy over class indices (classification).</summary>
    CrossEntropy,
}

/// <summary>The outer-loop optimiser.</summary>
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent (optionally with momentum).</summary>
    Sgd,

    /// <summary>Adam with PyTorch's defaults.</summary>
    Adam,
}

/// <summary>How the meta-gradient flows through the inner loop.</summary>
public enum HypergradientKind
{
    /// <summary>Exact: backpropagate through the N inner steps with Hessian-vector products (MAML, ANIL, Meta-SGD; ITD).</summary>
    Unrolled,

    /// <summary>Drop second-order terms: ∇L_Q(θ_N) (FOMAML).</summary>
    FirstOrder,

    /// <summary>Move towards the adapted parameters: θ − θ_N (Nichol et al. 2018).</summary>
    Reptile,

    /// <summary>Implicit differentiation at the adapted point (iMAML; AID for a re-solved head).</summary>
    Implicit,

    /// <summary>Unrolled, with Hessian-vector products replaced by central differences of gradients (HF-MAML).</summary>
    HessianFree,

    /// <summary>Jacobian of the inner solution estimated by evolution strategies (ESJ), Hessian-free.</summary>
    EvolutionStrategies,
}

/// <summary>How the implicit method solves (∇²L_S + λI)w = ∇L_Q.</summary>
public enum ImplicitSolver
{
    /// <summary>Conjugate gradient, <see cref="HypergradientAttribute.Iterations"/> iterations.</summary>
    ConjugateGradient,

    /// <summary>Truncated Neumann series η Σᵢ (I − η(∇²L_S + λI))ⁱ, <see cref="HypergradientAttribute.Iterations"/> terms.</summary>
    Neumann,
}

/// <summary>
/// Declares a meta-learner for the model <see cref="Model"/> (a <see cref="MetaModelAttribute"/> class); with
/// <see cref="InnerProblemAttribute"/>, <see cref="OuterProblemAttribute"/> and <see cref="HypergradientAttribute"/>
/// on the same partial class, the source generator emits its trainer.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class MetaLearnerAttribute(Type model) : Attribute
{
    /// <summary>The model class.</summary>
    public Type Model { get; } = model;
}

/// <summary>The inner problem: what adaptation to one task does.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class InnerProblemAttribute(LossKind loss) : Attribute
{
    /// <summary>The task loss.</summary>
    public LossKind Loss { get; } = loss;

    /// <summary>Inner gradient steps N.</summary>
    public int Steps { get; set; } = SpecDefaults.Steps;

    /// <summary>Inner step size α (the initial value of every learned step size with <see cref="LearnStepSizes"/>).</summary>
    public double StepSize { get; set; } = SpecDefaults.StepSize;

    /// <summary>
    /// Smoothness L of the task loss, if known: the analyzers check α·N·L against the convergence bound
    /// (Ji, Yang, Liang 2021); 0 lets the trainer estimate it at the start of training.
    /// </summary>
    public double Smoothness { get; set; }

    /// <summary>λ of the proximal term λ/2‖φ − θ‖² (iMAML); 0 for none.</summary>
    public double Proximal { get; set; }

    /// <summary>Draw fresh support data at every inner step.</summary>
    public bool ResampleSupport { get; set; }

    /// <summary>Learn one step size per parameter (Meta-SGD).</summary>
    public bool LearnStepSizes { get; set; }

    /// <summary>Re-solve the adapted layers from zero for every task (a head on a shared, meta-learned embedding).</summary>
    public bool ResetAdaptedToZero { get; set; }
}

/// <summary>The outer problem: how the meta-parameters are trained.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class OuterProblemAttribute(OptimizerKind optimizer) : Attribute
{
    /// <summary>The optimiser.</summary>
    public OptimizerKind Optimizer { get; } = optimizer;

    /// <summary>Outer learning rate.</summary>
    public double LearningRate { get; set; } = SpecDefaults.LearningRate;

    /// <summary>Tasks per meta-batch.</summary>
    public int TaskBatch { get; set; } = SpecDefaults.TaskBatch;

    /// <summary>SGD momentum.</summary>
    public double Momentum { get; set; }

    /// <summary>Clip the meta-gradient to this global norm; 0 for none.</summary>
    public double ClipGradientNorm { get; set; }
}

/// <summary>How the meta-gradient flows through the inner loop, with the method's settings.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class HypergradientAttribute(HypergradientKind method) : Attribute
{
    /// <summary>The method.</summary>
    public HypergradientKind Method { get; } = method;

    /// <summary>Implicit: the linear solver.</summary>
    public ImplicitSolver Solver { get; set; } = (ImplicitSolver)SpecDefaults.Solver;

    /// <summary>Implicit: CG iterations or Neumann terms.</summary>
    public int Iterations { get; set; } = SpecDefaults.Iterations;

    /// <summary>Implicit with Neumann: the step η; 0 means 1/λ.</summary>
    public double NeumannStep { get; set; }

    /// <summary>HessianFree: the finite-difference step δ.</summary>
    public double FiniteDifferenceStep { get; set; } = SpecDefaults.FiniteDifferenceStep;

    /// <summary>EvolutionStrategies: Gaussian directions per task.</summary>
    public int Directions { get; set; } = SpecDefaults.Directions;

    /// <summary>EvolutionStrategies: smoothing radius β.</summary>
    public double Smoothing { get; set; } = SpecDefaults.Smoothing;
}
