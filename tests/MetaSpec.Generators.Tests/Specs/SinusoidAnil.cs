using MetaSpec;

namespace MetaSpec.Generators.Tests.Specs;

/// <summary>The sinusoid network with only its head adapted.</summary>
[MetaModel(1)]
public partial class AnilSineNet
{
    Dense hidden1 = new(40, Activation.ReLU);
    Dense hidden2 = new(40, Activation.ReLU);
    [Adapt] Dense head = new(1);
}

/// <summary>ANIL (Raghu et al. 2020): the inner loop adapts the head alone; the body is meta-learned.</summary>
[MetaLearner(typeof(AnilSineNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 3, StepSize = 0.05)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 8)]
[Hypergradient(HypergradientKind.Unrolled)]
public partial class SineAnil;
