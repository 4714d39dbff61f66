using MetaSpec;

namespace MetaSpec.Generators.Tests.Specs;

/// <summary>A one-block convolutional classifier of 2×6×6 images whose every layer adapts.</summary>
[MetaModel(2, 6, 6)]
public partial class GeometryConvNet
{
    Conv2d conv = new(3, 3, padding: 1);
    BatchNorm2d norm = new(activation: Activation.ReLU);
    MaxPool2d pool = new(2);
    Flatten flatten = new();
    Dense classifier = new(3);
}

/// <summary>Mirror descent with a learned inverse mirror map (small widths, FiLM-style output).</summary>
[MetaLearner(typeof(GeometryConvNet))]
[InnerProblem(LossKind.CrossEntropy, Steps = 2, StepSize = 0.2)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.002, TaskBatch = 3)]
[Geometry(GeometryKind.MirrorMap, Embedding = 4, Hidden = 8)]
public partial class ConvMirrorMap;

/// <summary>A learned Kronecker-factored preconditioner (Meta-Curvature style), learned with first-order meta-gradients.</summary>
[MetaLearner(typeof(GeometryConvNet))]
[InnerProblem(LossKind.CrossEntropy, Steps = 1, StepSize = 0.2)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.002, TaskBatch = 3)]
[Hypergradient(HypergradientKind.FirstOrder)]
[Geometry(GeometryKind.Kronecker)]
public partial class ConvKroneckerFirstOrder;
