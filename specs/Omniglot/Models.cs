// The Omniglot spec's models and learners, declared with MetaSpec's attributes: the generator emits each network's
// layout and each learner's problem, optimiser and trainer settings; the analyzers check them like a user's code.
//
// Two Conv-4 variants, each with a 5-way and a 20-way head (a separate model per head: the output size is part of the
// declaration, not a setting of the program):
//   StridedConv4   Finn et al.'s code for Omniglot (github.com/cbfinn/maml, conv_block without --max_pool): four 3×3
//                  convolutions of 64 filters with stride 2, 28 → 14 → 7 → 4 → 2, no pooling; 64·2·2 = 256 features.
//                  The default, and the documented one-hour configuration.
//   Conv4          the variant with stride 1 and 2×2 max pooling (Finn et al.'s MiniImagenet network, and Vinyals et
//                  al.'s embedding), 28 → 14 → 7 → 3 → 1; 64 features (--max-pool).
// Both normalise with the task's own batch statistics (BatchNorm2d's default here, as TensorFlow's batch_norm in
// training mode in Finn et al.'s code: transductive, every query image is normalised with the others).
// Padding 1 is PyTorch's symmetric padding; TensorFlow's 'SAME' at stride 2 pads only the bottom and right of an even
// input. The output sizes are the same.
//
// Learners: second-order MAML (Unrolled) and first-order MAML for each model. The settings are Finn et al.'s for
// Omniglot: 5-way, α = 0.4 and one inner step; 20-way, α = 0.1 and five inner steps (their README's commands). Adam
// 1e-3. 16 tasks per meta-batch for both (Finn et al. use 32 for 5-way on a GPU; 16 is what the one-hour CPU budget
// affords; --task-batch and --meta-lr override the declared values at run time).
namespace MetaSpec.Specs.OmniglotSpec;

/// <summary>Finn et al.'s Omniglot Conv-4: 3×3 convolutions with stride 2 and per-task batch normalisation, no pooling; 5 ways.</summary>
[MetaModel(1, 28, 28)]
public partial class StridedConv4
{
    Conv2d conv1 = new(64, 3, stride: 2, padding: 1);
    BatchNorm2d norm1 = new(activation: Activation.ReLU);
    Conv2d conv2 = new(64, 3, stride: 2, padding: 1);
    BatchNorm2d norm2 = new(activation: Activation.ReLU);
    Conv2d conv3 = new(64, 3, stride: 2, padding: 1);
    BatchNorm2d norm3 = new(activation: Activation.ReLU);
    Conv2d conv4 = new(64, 3, stride: 2, padding: 1);
    BatchNorm2d norm4 = new(activation: Activation.ReLU);
    Flatten flatten = new();
    Dense classifier = new(5);
}

/// <summary><see cref="StridedConv4"/> with a 20-way classifier.</summary>
[MetaModel(1, 28, 28)]
public partial class StridedConv4Way20
{
    Conv2d conv1 = new(64, 3, stride: 2, padding: 1);
    BatchNorm2d norm1 = new(activation: Activation.ReLU);
    Conv2d conv2 = new(64, 3, stride: 2, padding: 1);
    BatchNorm2d norm2 = new(activation: Activation.ReLU);
    Conv2d conv3 = new(64, 3, stride: 2, padding: 1);
    BatchNorm2d norm3 = new(activation: Activation.ReLU);
    Conv2d conv4 = new(64, 3, stride: 2, padding: 1);
    BatchNorm2d norm4 = new(activation: Activation.ReLU);
    Flatten flatten = new();
    Dense classifier = new(20);
}

/// <summary>Conv-4 with stride 1 and 2×2 max pooling after every block (--max-pool); 5 ways.</summary>
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

/// <summary><see cref="Conv4"/> with a 20-way classifier.</summary>
[MetaModel(1, 28, 28)]
public partial class Conv4Way20
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
    Dense classifier = new(20);
}

/// <summary>Second-order MAML on <see cref="StridedConv4"/>: the documented configuration.</summary>
[MetaLearner(typeof(StridedConv4))]
[InnerProblem(LossKind.CrossEntropy, Steps = 1, StepSize = 0.4)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 16)]
[Hypergradient(HypergradientKind.Unrolled)]
public partial class StridedMaml;

/// <summary>First-order MAML on <see cref="StridedConv4"/>.</summary>
[MetaLearner(typeof(StridedConv4))]
[InnerProblem(LossKind.CrossEntropy, Steps = 1, StepSize = 0.4)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 16)]
[Hypergradient(HypergradientKind.FirstOrder)]
public partial class StridedFomaml;

/// <summary>Second-order MAML on <see cref="StridedConv4Way20"/> (Finn et al.'s 20-way: α = 0.1, five steps).</summary>
[MetaLearner(typeof(StridedConv4Way20))]
[InnerProblem(LossKind.CrossEntropy, Steps = 5, StepSize = 0.1)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 16)]
[Hypergradient(HypergradientKind.Unrolled)]
public partial class StridedMaml20;

/// <summary>First-order MAML on <see cref="StridedConv4Way20"/>.</summary>
[MetaLearner(typeof(StridedConv4Way20))]
[InnerProblem(LossKind.CrossEntropy, Steps = 5, StepSize = 0.1)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 16)]
[Hypergradient(HypergradientKind.FirstOrder)]
public partial class StridedFomaml20;

/// <summary>Second-order MAML on <see cref="Conv4"/>.</summary>
[MetaLearner(typeof(Conv4))]
[InnerProblem(LossKind.CrossEntropy, Steps = 1, StepSize = 0.4)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 16)]
[Hypergradient(HypergradientKind.Unrolled)]
public partial class PooledMaml;

/// <summary>First-order MAML on <see cref="Conv4"/>.</summary>
[MetaLearner(typeof(Conv4))]
[InnerProblem(LossKind.CrossEntropy, Steps = 1, StepSize = 0.4)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 16)]
[Hypergradient(HypergradientKind.FirstOrder)]
public partial class PooledFomaml;

/// <summary>Second-order MAML on <see cref="Conv4Way20"/>.</summary>
[MetaLearner(typeof(Conv4Way20))]
[InnerProblem(LossKind.CrossEntropy, Steps = 5, StepSize = 0.1)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 16)]
[Hypergradient(HypergradientKind.Unrolled)]
public partial class PooledMaml20;

/// <summary>First-order MAML on <see cref="Conv4Way20"/>.</summary>
[MetaLearner(typeof(Conv4Way20))]
[InnerProblem(LossKind.CrossEntropy, Steps = 5, StepSize = 0.1)]
[OuterProblem(OptimizerKind.Adam, LearningRate = 0.001, TaskBatch = 16)]
[Hypergradient(HypergradientKind.FirstOrder)]
public partial class PooledFomaml20;
