using MetaSpec;

namespace MetaSpec.Generators.Tests.Specs;

/// <summary>A one-block convolutional classifier of 2×6×6 images, small enough to train in a test.</summary>
[MetaModel(2, 6, 6)]
public partial class TinyConvNet
{
    Conv2d conv = new(3, 3, stride: 1, padding: 1, activation: Activation.None);
    BatchNorm2d norm = new(epsilon: 1e-3, activation: Activation.ReLU);
    MaxPool2d pool = new(2, stride: 2);
    Flatten flatten = new();
    [Adapt] Dense classifier = new(3);
}

/// <summary>ANIL on a convolutional body: only the classifier adapts.</summary>
[MetaLearner(typeof(TinyConvNet))]
[InnerProblem(LossKind.CrossEntropy, Steps = 2, StepSize = 0.2)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.002, TaskBatch = 3)]
[Hypergradient(HypergradientKind.Unrolled)]
public partial class TinyConvAnil;
