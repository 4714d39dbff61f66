using MetaSpec;

namespace MetaSpec.Generators.Tests.Specs;

/// <summary>Finn et al. (2017)'s sinusoid regressor: 1 → 40 → 40 → 1 with ReLU.</summary>
[MetaModel(1)]
public partial class SineNet
{
    Dense hidden1 = new(40, Activation.ReLU);
    Dense hidden2 = new(40, Activation.ReLU);
    Dense head = new(1);
}

/// <summary>Second-order MAML on every layer.</summary>
[MetaLearner(typeof(SineNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 5, StepSize = 0.01, Smoothness = 4)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 25)]
[Hypergradient(HypergradientKind.Unrolled)]
public partial class SineMaml;
