using MetaSpec;

namespace MetaSpec.Generators.Tests.Specs;

/// <summary>
/// Finn et al. (2017)'s Conv-4 for 5-way Omniglot at 28×28: four blocks of 3×3 convolution (64 filters),
/// batch normalisation with per-task statistics, ReLU and 2×2 max pooling, then a linear classifier.
/// </summary>
[MetaModel(1, 28, 28)]
public partial class Conv4
{
    Conv2d conv1 = new(64, 3, padding: 1);
    BatchNorm2d norm1 = new(activation: Activation.ReLU);
    MaxPool2d pool1 = new(2);
    Conv2d conv2 = new(64, 3, padding: 1);
    BatchNorm2d norm2 = new(activation: Activation.ReLU);
    MaxPool2d pool2 = new(2);
    Conv2d conv3 = new(64, 3, padding: 1);
    BatchNorm2d norm3 = new(activation: Activation.ReLU);
    MaxPool2d pool3 = new(2);
    Conv2d conv4 = new(64, 3, padding: 1);
    BatchNorm2d norm4 = new(activation: Activation.ReLU);
    MaxPool2d pool4 = new(2);
    Flatten flatten = new();
    Dense classifier = new(5);
}

/// <summary>5-way MAML on Omniglot: one inner step of 0.4, meta-batch of 32 tasks.</summary>
[MetaLearner(typeof(Conv4))]
[InnerProblem(LossKind.CrossEntropy, Steps = 1, StepSize = 0.4)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 32)]
public partial class OmniglotMaml;
