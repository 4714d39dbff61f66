using MetaSpec;

namespace MetaSpec.Generators.Tests.Specs;

/// <summary>A small classifier of 4-feature points into 3 classes (nested to exercise containing types).</summary>
public static partial class Classifiers
{
    [MetaModel(4)]
    public partial class PointNet
    {
        Dense hidden = new(16, Activation.ReLU);
        Dense scores = new(3);
    }

    /// <summary>First-order MAML (FOMAML) with cross-entropy.</summary>
    [MetaLearner(typeof(PointNet))]
    [InnerProblem(LossKind.CrossEntropy, Steps = 2, StepSize = 0.1)]
    [OuterProblem(OptimizerKind.Adam, LearningRate = 0.003, TaskBatch = 4)]
    [Hypergradient(HypergradientKind.FirstOrder)]
    public partial class PointFomaml;

    /// <summary>Hessian-free MAML: second-order through central differences of gradients.</summary>
    [MetaLearner(typeof(PointNet))]
    [InnerProblem(LossKind.CrossEntropy, Steps = 2, StepSize = 0.1)]
    [OuterProblem(OptimizerKind.Adam, LearningRate = 0.003, TaskBatch = 4)]
    [Hypergradient(HypergradientKind.HessianFree, FiniteDifferenceStep = 0.001)]
    public partial class PointHessianFree;
}
