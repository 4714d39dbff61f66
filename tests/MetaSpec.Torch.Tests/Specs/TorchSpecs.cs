using MetaSpec;

namespace MetaSpec.Torch.Tests.Specs;

// Specs compiled with the generator in a project that references MetaSpec.Torch, as a user's would be: the supported
// ones get a torch half (X.Torch.g.cs), the others none (MSPEC018 would say why; the analyzers are not referenced here).

/// <summary>The sinusoid regressor of Finn et al.: 1 → 40 → 40 → 1 with ReLU.</summary>
[MetaModel(1)]
public partial class SineNet
{
    Dense hidden1 = new(40, Activation.ReLU);
    Dense hidden2 = new(40, Activation.ReLU);
    Dense head = new(1);
}

/// <summary>The same network with only its head adapted (ANIL).</summary>
[MetaModel(1)]
public partial class AnilSineNet
{
    Dense hidden1 = new(40, Activation.ReLU);
    Dense hidden2 = new(40, Activation.ReLU);
    [Adapt] Dense head = new(1);
}

/// <summary>Second-order MAML with two inner steps.</summary>
[MetaLearner(typeof(SineNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 2, StepSize = 0.01)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 1e-3, TaskBatch = 3)]
[Hypergradient(HypergradientKind.Unrolled)]
public partial class SineMaml2;

/// <summary>Meta-SGD: learned step sizes.</summary>
[MetaLearner(typeof(SineNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 2, StepSize = 0.02, LearnStepSizes = true)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 1e-3, TaskBatch = 3, ClipGradientNorm = 10)]
public partial class SineMetaSgd;

/// <summary>ANIL.</summary>
[MetaLearner(typeof(AnilSineNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 3, StepSize = 0.05)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 1e-3, TaskBatch = 3)]
[Hypergradient(HypergradientKind.Unrolled)]
public partial class SineAnil;

/// <summary>iMAML with conjugate gradient.</summary>
[MetaLearner(typeof(SineNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 4, StepSize = 0.02, Proximal = 2)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 1e-3, TaskBatch = 3)]
[Hypergradient(HypergradientKind.Implicit, Solver = ImplicitSolver.ConjugateGradient, Iterations = 5)]
public partial class SineImaml;

/// <summary>Reptile with SGD and momentum.</summary>
[MetaLearner(typeof(SineNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 4, StepSize = 0.02)]
[OuterProblem(OptimizerKind.Sgd, LearningRate = 0.1, TaskBatch = 3, Momentum = 0.5)]
[Hypergradient(HypergradientKind.Reptile)]
public partial class SineReptile;

/// <summary>Hessian-free: the torch backend does not compute it, so no torch half is generated.</summary>
[MetaLearner(typeof(SineNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 2, StepSize = 0.01)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 1e-3, TaskBatch = 3)]
[Hypergradient(HypergradientKind.HessianFree)]
public partial class SineHessianFree;

/// <summary>Resampled support sets: not run by the torch backend either.</summary>
[MetaLearner(typeof(SineNet))]
[InnerProblem(LossKind.MeanSquaredError, Steps = 2, StepSize = 0.01, ResampleSupport = true)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 1e-3, TaskBatch = 3)]
public partial class SineResampled;
