using MetaSpec;

namespace MetaSpec.Generators.Tests.Specs;

/// <summary>A leaky-ReLU regressor for Reptile.</summary>
[MetaModel(1)]
public partial class LeakyNet
{
    Dense hidden = new(64, Activation.LeakyReLU);
    Dense output = new(1, bias: false);
}

/// <summary>Reptile (Nichol et al. 2018): the meta-direction is θ − θ_N, applied by plain SGD.</summary>
[MetaLearner(typeof(LeakyNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 8, StepSize = 0.02, ResampleSupport = true)]
[OuterProblem(OptimizerKind.Sgd, LearningRate = 0.1, TaskBatch = 5)]
[Hypergradient(HypergradientKind.Reptile)]
public partial class SineReptile;
