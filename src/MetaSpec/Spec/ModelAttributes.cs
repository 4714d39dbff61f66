using MetaSpec.Specification;

namespace MetaSpec;

/// <summary>
/// Declares a model: a partial class whose fields of layer types (<see cref="Dense"/>, <see cref="Conv2d"/>,
/// <see cref="MaxPool2d"/>, <see cref="BatchNorm2d"/>, <see cref="Flatten"/>) are its layers, in declaration
/// order, each initialised with compile-time constant arguments. The field names become the parameter
/// names (<c>hidden1.weight</c>) in checkpoints.
/// </summary>
/// <example>
/// <code>
/// [MetaModel(1)]
/// public partial class SineNet
/// {
///     Dense hidden1 = new(40, Activation.ReLU);
///     Dense hidden2 = new(40, Activation.ReLU);
///     [Adapt] Dense head = new(1);
/// }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class MetaModelAttribute : Attribute
{
    /// <summary>A model whose samples have the given shape: one number for a feature vector, three (channels, height, width) for an image.</summary>
    public MetaModelAttribute(params int[] inputShape) => InputShape = inputShape;

    /// <summary>Shape of one input sample.</summary>
    public int[] InputShape { get; }
}

/// <summary>
/// Marks a layer the inner loop adapts. With no field marked, every layer adapts (MAML); marking only the
/// last layer gives ANIL (Raghu et al. 2020).
/// </summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class AdaptAttribute : Attribute;

/// <summary>An activation applied after a layer.</summary>
public enum Activation
{
    /// <summary>No activation.</summary>
    None,

    /// <summary>max(x, 0).</summary>
    ReLU,

    /// <summary>x for x &gt; 0, 0.01·x otherwise.</summary>
    LeakyReLU,

    /// <summary>tanh(x).</summary>
    Tanh,

    /// <summary>1/(1 + e^(−x)).</summary>
    Sigmoid,
}

/// <summary>Declares a fully connected layer y = x·Wᵀ + b, then the activation. Its input must be a vector (use <see cref="Flatten"/> after images).</summary>
/// <param name="outputs">Number of output features.</param>
/// <param name="activation">Activation applied to the output.</param>
/// <param name="bias">Whether the layer has a bias b.</param>
public sealed class Dense(int outputs, Activation activation = Activation.None, bool bias = true)
{
    /// <summary>Number of output features.</summary>
    public int Outputs { get; } = outputs;

    /// <summary>Activation applied to the output.</summary>
    public Activation Activation { get; } = activation;

    /// <summary>Whether the layer has a bias.</summary>
    public bool Bias { get; } = bias;
}

/// <summary>Declares a 2-D convolution with square kernels (PyTorch's Conv2d), then the activation.</summary>
/// <param name="outChannels">Number of output channels (filters).</param>
/// <param name="kernelSize">Side of the square kernel.</param>
/// <param name="stride">Step between windows.</param>
/// <param name="padding">Zeros added on every side.</param>
/// <param name="activation">Activation applied to the output.</param>
public sealed class Conv2d(int outChannels, int kernelSize, int stride = 1, int padding = 0, Activation activation = Activation.None)
{
    /// <summary>Number of output channels.</summary>
    public int OutChannels { get; } = outChannels;

    /// <summary>Side of the square kernel.</summary>
    public int KernelSize { get; } = kernelSize;

    /// <summary>Step between windows.</summary>
    public int Stride { get; } = stride;

    /// <summary>Zeros added on every side.</summary>
    public int Padding { get; } = padding;

    /// <summary>Activation applied to the output.</summary>
    public Activation Activation { get; } = activation;
}

/// <summary>Declares batch normalisation over each channel with the statistics of the current batch (as MAML uses it), then the activation.</summary>
/// <param name="epsilon">Added to the variance before the square root.</param>
/// <param name="activation">Activation applied to the output.</param>
public sealed class BatchNorm2d(double epsilon = SpecDefaults.BatchNormEpsilon, Activation activation = Activation.None)
{
    /// <summary>Added to the variance.</summary>
    public double Epsilon { get; } = epsilon;

    /// <summary>Activation applied to the output.</summary>
    public Activation Activation { get; } = activation;
}

/// <summary>Declares max pooling over square windows (floor mode); the stride defaults to the window size.</summary>
/// <param name="kernelSize">Side of the window.</param>
/// <param name="stride">Step between windows; 0 means the window size.</param>
public sealed class MaxPool2d(int kernelSize, int stride = 0)
{
    /// <summary>Side of the window.</summary>
    public int KernelSize { get; } = kernelSize;

    /// <summary>Step between windows (the window size when declared 0).</summary>
    public int Stride { get; } = stride == 0 ? kernelSize : stride;
}

/// <summary>Declares a reshape of [C, H, W] samples to vectors.</summary>
public sealed class Flatten;
