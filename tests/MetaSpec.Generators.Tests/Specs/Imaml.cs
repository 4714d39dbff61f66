using MetaSpec;

namespace MetaSpec.Generators.Tests.Specs;

/// <summary>A small sigmoid network for implicit MAML.</summary>
[MetaModel(1)]
public partial class SigmoidNet
{
    Dense hidden = new(24, Activation.Sigmoid);
    Dense output = new(1);
}

/// <summary>iMAML (Rajeswaran et al. 2019): proximal inner problem, meta-gradient by conjugate gradient.</summary>
[MetaLearner(typeof(SigmoidNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 10, StepSize = 0.02, Proximal = 2.0)]
[OuterProblem(OptimizerKind.Sgd, LearningRate = 0.01, TaskBatch = 4, Momentum = 0.9)]
[Hypergradient(HypergradientKind.Implicit, Solver = ImplicitSolver.ConjugateGradient, Iterations = 5)]
public partial class SineImaml;
