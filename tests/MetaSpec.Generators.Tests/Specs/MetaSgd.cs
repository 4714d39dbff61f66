using MetaSpec;

namespace MetaSpec.Generators.Tests.Specs;

/// <summary>A tanh regressor for Meta-SGD.</summary>
[MetaModel(1)]
public partial class TanhNet
{
    Dense hidden = new(32, Activation.Tanh);
    Dense output = new(1);
}

/// <summary>Meta-SGD (Li et al. 2017): one learned step size per parameter, meta-learned with θ.</summary>
[MetaLearner(typeof(TanhNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 1, StepSize = 0.02, LearnStepSizes = true)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 6)]
public partial class SineMetaSgd;
