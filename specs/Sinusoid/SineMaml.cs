using MetaSpec;

namespace MetaSpec.Specs.SinusoidSpec;

/// <summary>The regressor of Finn et al. (2017), §5.1: 1 → 40 → 40 → 1 with ReLU.</summary>
[MetaModel(1)]
public partial class SineNet
{
    Dense hidden1 = new(40, Activation.ReLU);
    Dense hidden2 = new(40, Activation.ReLU);
    Dense head = new(1);
}

/// <summary>
/// Second-order MAML with Finn et al.'s settings: one inner step of α = 0.01 on K = 10 points,
/// Adam with learning rate 1e-3, 25 tasks per meta-batch.
/// </summary>
[MetaLearner(typeof(SineNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 1, StepSize = 0.01)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 1e-3, TaskBatch = 25)]
[Hypergradient(HypergradientKind.Unrolled)]
public partial class SineMaml;
