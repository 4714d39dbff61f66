namespace MetaSpec.Specification;

/// <summary>The layer declarations of the DSL (MetaSpec.Dense, …).</summary>
internal enum LayerKind
{
    Dense,
    Conv2d,
    BatchNorm2d,
    MaxPool2d,
    Flatten,
}

/// <summary>The DSL's activations (MetaSpec.Activation), by the same names and values.</summary>
internal enum ActivationKind
{
    None,
    ReLU,
    LeakyReLU,
    Tanh,
    Sigmoid,
}

/// <summary>
/// One layer field as declared: its arguments with defaults filled in, before shapes are known.
/// Arguments a layer kind does not take keep their defaults (0, true, None).
/// </summary>
/// <param name="Name">The field name; it names the layer's tensors (<c>hidden1.weight</c>).</param>
/// <param name="Kind">The declaration type.</param>
/// <param name="Adapted">Whether the field carries [Adapt].</param>
/// <param name="Units">Dense outputs or Conv2d output channels.</param>
/// <param name="KernelSize">Conv2d or MaxPool2d window side.</param>
/// <param name="Stride">Conv2d or MaxPool2d stride (MaxPool2d's 0 already resolved to the window).</param>
/// <param name="Padding">Conv2d zero padding.</param>
/// <param name="Bias">Dense bias.</param>
/// <param name="Epsilon">BatchNorm2d ε.</param>
/// <param name="Activation">The activation after the layer.</param>
/// <remarks>No location: the model feeds the emitter, and a location changes with every edit above the field
/// (a comment, a blank line), which would re-emit an unchanged model. Locations travel with problems only.</remarks>
internal sealed record LayerSpec(
    string Name,
    LayerKind Kind,
    bool Adapted,
    int Units,
    int KernelSize,
    int Stride,
    int Padding,
    bool Bias,
    double Epsilon,
    ActivationKind Activation);

/// <summary>Names the generator derives from a layer, shared by the emitter and the reader's clash checks.</summary>
internal static class LayerNames
{
    /// <summary>The parameter-free activation layer after <paramref name="layer"/>: <c>hidden1_relu</c>.</summary>
    public static string ActivationLayer(string layer, ActivationKind activation) => $"{layer}_{activation.ToString().ToLowerInvariant()}";

    /// <summary><c>hidden1</c> → <c>Hidden1</c>, <c>_head</c> → <c>Head</c>: a field name as the stem of its Layout constants.</summary>
    public static string Pascal(string name)
    {
        string trimmed = name.TrimStart('_');
        if (trimmed.Length == 0) return "Layer";
        return char.ToUpperInvariant(trimmed[0]) + trimmed.Substring(1);
    }
}

/// <summary>One named tensor of θ, e.g. <c>hidden1.weight</c> [40, 1] at its absolute offset.</summary>
internal sealed record TensorSpec(string Name, int Offset, EquatableArray<int> Dimensions)
{
    public int Length
    {
        get
        {
            int n = 1;
            foreach (int d in Dimensions) n *= d;
            return n;
        }
    }
}

/// <summary>A declared layer placed in the network: its shapes and its segment of θ.</summary>
internal sealed record PlacedLayer(
    LayerSpec Layer,
    SampleShape Input,
    SampleShape Output,
    int ParameterOffset,
    int ParameterCount,
    EquatableArray<TensorSpec> Tensors);
