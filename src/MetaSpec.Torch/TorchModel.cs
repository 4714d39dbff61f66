namespace MetaSpec.Torch;

/// <summary>The layer kinds the torch backend runs (the DSL's layers and activations).</summary>
public enum TorchLayerKind
{
    /// <summary>y = x·Wᵀ + b, weight [out, in], bias [out].</summary>
    Dense,

    /// <summary>Cross-correlation, weight [F, C, k, k], bias [F], stride and zero padding.</summary>
    Conv2d,

    /// <summary>Batch statistics of the task's own batch always (no running statistics); weight γ [C], bias β [C].</summary>
    BatchNorm2d,

    /// <summary>Max pooling without padding, floor mode.</summary>
    MaxPool2d,

    /// <summary>[C, H, W] to [C·H·W], values in order.</summary>
    Flatten,

    /// <summary>max(x, 0).</summary>
    ReLU,

    /// <summary>x for x &gt; 0, slope·x otherwise.</summary>
    LeakyReLU,

    /// <summary>tanh(x).</summary>
    Tanh,

    /// <summary>1/(1 + e^(−x)).</summary>
    Sigmoid,
}

/// <summary>One named parameter tensor of a model, at its offset in the managed engine's flat θ.</summary>
/// <param name="Name">Layer name and tensor name joined by a dot (<c>hidden1.weight</c>), as in PyTorch's state_dict.</param>
/// <param name="Layer">Index of the layer that owns it.</param>
/// <param name="Offset">First index in θ.</param>
/// <param name="Dimensions">Row-major dimensions.</param>
public sealed record TorchTensor(string Name, int Layer, int Offset, long[] Dimensions)
{
    /// <summary>Number of values.</summary>
    public int Length => (int)Dimensions.Aggregate(1L, (n, d) => n * d);
}

/// <summary>
/// One layer: its kind, name, sample shapes and settings. Construct with the factories, which compute the output
/// shape with the managed layers' formulas; generated code can call them with compile-time constants.
/// </summary>
public sealed record TorchLayer
{
    private TorchLayer(TorchLayerKind kind, string name, Shape input, Shape output)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A layer needs a name.", nameof(name));
        Kind = kind;
        Name = name;
        Input = input;
        Output = output;
    }

    /// <summary>The kind.</summary>
    public TorchLayerKind Kind { get; }

    /// <summary>The name its tensors are known by.</summary>
    public string Name { get; }

    /// <summary>Shape of one input sample.</summary>
    public Shape Input { get; }

    /// <summary>Shape of one output sample.</summary>
    public Shape Output { get; }

    /// <summary>Kernel size (Conv2d, MaxPool2d).</summary>
    public int KernelSize { get; private init; }

    /// <summary>Stride (Conv2d, MaxPool2d).</summary>
    public int Stride { get; private init; } = 1;

    /// <summary>Zero padding (Conv2d).</summary>
    public int Padding { get; private init; }

    /// <summary>Whether a Dense layer has a bias.</summary>
    public bool HasBias { get; private init; } = true;

    /// <summary>ε added to the variance (BatchNorm2d).</summary>
    public double Epsilon { get; private init; } = 1e-5;

    /// <summary>Slope for negative inputs (LeakyReLU).</summary>
    public double NegativeSlope { get; private init; } = 0.01;

    /// <summary>The layer's tensors: name within the layer and dimensions, in the managed layout's order.</summary>
    public IReadOnlyList<(string Name, long[] Dimensions)> Tensors => Kind switch
    {
        TorchLayerKind.Dense => HasBias
            ? [("weight", [Output.Channels, Input.Channels]), ("bias", [Output.Channels])]
            : [("weight", [Output.Channels, Input.Channels])],
        TorchLayerKind.Conv2d => [("weight", [Output.Channels, Input.Channels, KernelSize, KernelSize]), ("bias", [Output.Channels])],
        TorchLayerKind.BatchNorm2d => [("weight", [Input.Channels]), ("bias", [Input.Channels])],
        _ => [],
    };

    /// <summary>A dense layer from <paramref name="inputs"/> to <paramref name="outputs"/> features.</summary>
    public static TorchLayer Dense(string name, int inputs, int outputs, bool bias = true) =>
        new(TorchLayerKind.Dense, name, Shape.Vector(inputs), Shape.Vector(outputs)) { HasBias = bias };

    /// <summary>A convolution of <paramref name="input"/> images into <paramref name="outChannels"/> channels.</summary>
    public static TorchLayer Conv2d(string name, Shape input, int outChannels, int kernelSize, int stride = 1, int padding = 0)
    {
        RequireImage(name, input, "Conv2d");
        if (outChannels < 1 || kernelSize < 1 || stride < 1 || padding < 0)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), $"Conv2d '{name}': channels, kernel and stride must be positive and padding non-negative.");
        int h = (input.Height + 2 * padding - kernelSize) / stride + 1, w = (input.Width + 2 * padding - kernelSize) / stride + 1;
        if (h < 1 || w < 1) throw new ArgumentException($"Conv2d '{name}': a {kernelSize}×{kernelSize} kernel does not fit input {input} padded by {padding}.", nameof(kernelSize));
        return new(TorchLayerKind.Conv2d, name, input, Shape.Image(outChannels, h, w)) { KernelSize = kernelSize, Stride = stride, Padding = padding };
    }

    /// <summary>Batch normalisation with the task's own batch statistics.</summary>
    public static TorchLayer BatchNorm2d(string name, Shape input, double epsilon = 1e-5)
    {
        RequireImage(name, input, "BatchNorm2d");
        if (!(epsilon > 0) || !double.IsFinite(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"BatchNorm2d '{name}' needs a positive, finite epsilon.");
        return new(TorchLayerKind.BatchNorm2d, name, input, input) { Epsilon = epsilon };
    }

    /// <summary>Max pooling with a <paramref name="kernelSize"/>² window (stride: the window when null).</summary>
    public static TorchLayer MaxPool2d(string name, Shape input, int kernelSize, int? stride = null)
    {
        RequireImage(name, input, "MaxPool2d");
        int s = stride ?? kernelSize;
        if (kernelSize < 1 || s < 1 || kernelSize > input.Height || kernelSize > input.Width)
            throw new ArgumentException($"MaxPool2d '{name}': window {kernelSize} with stride {s} does not fit input {input}.", nameof(kernelSize));
        return new(TorchLayerKind.MaxPool2d, name, input, Shape.Image(input.Channels, (input.Height - kernelSize) / s + 1, (input.Width - kernelSize) / s + 1))
        { KernelSize = kernelSize, Stride = s };
    }

    /// <summary>Images to vectors.</summary>
    public static TorchLayer Flatten(string name, Shape input) => new(TorchLayerKind.Flatten, name, input, Shape.Vector(input.Size));

    /// <summary>A parameter-free elementwise activation (ReLU, LeakyReLU, Tanh, Sigmoid).</summary>
    public static TorchLayer Activation(string name, TorchLayerKind kind, Shape shape, double negativeSlope = 0.01)
    {
        if (kind is not (TorchLayerKind.ReLU or TorchLayerKind.LeakyReLU or TorchLayerKind.Tanh or TorchLayerKind.Sigmoid))
            throw new ArgumentException($"{kind} is not an activation.", nameof(kind));
        return new(kind, name, shape, shape) { NegativeSlope = negativeSlope };
    }

    private static void RequireImage(string name, Shape input, string kind)
    {
        if (input.IsVector) throw new ArgumentException($"{kind} '{name}' needs image samples [C, H, W], got the vector shape {input}.", nameof(input));
    }
}

/// <summary>
/// A network for the torch backend: layers in order, checked to chain, and its parameter tensors named and laid out
/// exactly as the managed engine's <c>Sequential</c> (so flat θ vectors and checkpoints are interchangeable).
/// </summary>
public sealed class TorchModel
{
    /// <summary>Chains <paramref name="layers"/> from samples of shape <paramref name="input"/>.</summary>
    public TorchModel(Shape input, params TorchLayer[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Length == 0) throw new ArgumentException("A network needs at least one layer.", nameof(layers));
        var names = new HashSet<string>(StringComparer.Ordinal);
        var tensors = new List<TorchTensor>();
        Shape previous = input;
        int offset = 0;
        for (int l = 0; l < layers.Length; l++)
        {
            var layer = layers[l];
            if (!names.Add(layer.Name)) throw new ArgumentException($"Two layers are named '{layer.Name}'; names must be unique.", nameof(layers));
            if (layer.Input != previous)
                throw new ArgumentException($"Layer '{layer.Name}' expects input of shape {layer.Input}, but {(l == 0 ? "the network input" : $"layer '{layers[l - 1].Name}'")} produces {previous}.", nameof(layers));
            foreach (var (name, dims) in layer.Tensors)
            {
                var tensor = new TorchTensor($"{layer.Name}.{name}", l, offset, dims);
                tensors.Add(tensor);
                offset += tensor.Length;
            }
            previous = layer.Output;
        }
        Input = input;
        Output = previous;
        if (!Output.IsVector) throw new ArgumentException($"The network's output must be a vector (end with Flatten or Dense), not {Output}.", nameof(layers));
        Layers = layers;
        Tensors = tensors;
        ParameterCount = offset;
    }

    /// <summary>Shape of one input sample.</summary>
    public Shape Input { get; }

    /// <summary>Shape of one output sample (a vector).</summary>
    public Shape Output { get; }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<TorchLayer> Layers { get; }

    /// <summary>Every parameter tensor, in θ order.</summary>
    public IReadOnlyList<TorchTensor> Tensors { get; }

    /// <summary>Length of the flat θ.</summary>
    public int ParameterCount { get; }

    /// <summary>Index of the layer called <paramref name="name"/>.</summary>
    public int LayerIndex(string name)
    {
        for (int l = 0; l < Layers.Count; l++)
            if (Layers[l].Name == name) return l;
        throw new ArgumentException($"No layer is named '{name}'. Layers: {string.Join(", ", Layers.Select(x => x.Name))}.", nameof(name));
    }
}
