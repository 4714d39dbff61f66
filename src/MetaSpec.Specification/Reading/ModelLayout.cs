using System.Collections.Generic;
using System.Globalization;

namespace MetaSpec.Specification;

/// <summary>
/// Shape inference at compile time: places each declared layer after the previous one, exactly as the
/// runtime layers will (same output-shape formulas, same parameter layout), so the generated constants
/// equal what <c>Sequential&lt;T&gt;</c> computes. Pure: no Roslyn types, reusable by the analyzers.
/// </summary>
internal static class ModelLayout
{
    /// <summary>The sample shape for a [MetaModel(...)] argument list, or an error message.</summary>
    public static SampleShape? InputShape(IReadOnlyList<int> dimensions, out string? error)
    {
        error = null;
        foreach (int d in dimensions)
            if (d < 1)
            {
                error = $"every input dimension must be at least 1, got [{Join(dimensions)}]";
                return null;
            }
        switch (dimensions.Count)
        {
            case 1: return SampleShape.Vector(dimensions[0]);
            case 3: return SampleShape.Image(dimensions[0], dimensions[1], dimensions[2]);
            default:
                error = $"the input shape needs one dimension (features) or three (channels, height, width), got [{Join(dimensions)}]";
                return null;
        }
    }

    /// <summary>
    /// Places <paramref name="layers"/> after <paramref name="input"/>. On failure returns null with the
    /// index of the offending layer and a message that names it and both shapes.
    /// </summary>
    public static List<PlacedLayer>? Place(SampleShape input, IReadOnlyList<LayerSpec> layers, out int failedLayer, out string? error)
    {
        var placed = new List<PlacedLayer>(layers.Count);
        var shape = input;
        int offset = 0;
        failedLayer = -1;
        for (int l = 0; l < layers.Count; l++)
        {
            var layer = layers[l];
            var output = OutputShape(layer, shape, out error);
            if (output is null)
            {
                failedLayer = l;
                error = $"layer '{layer.Name}' ({layer.Kind}) on input {shape}: {error}";
                return null;
            }
            var tensors = Tensors(layer, shape, offset);
            int count = 0;
            foreach (var t in tensors) count += t.Length;
            placed.Add(new PlacedLayer(layer, shape, output.Value, offset, count, tensors.ToEquatableArray()));
            offset += count;
            shape = output.Value;
        }
        error = null;
        return placed;
    }

    private static SampleShape? OutputShape(LayerSpec layer, SampleShape input, out string? error)
    {
        error = null;
        if (!System.Enum.IsDefined(typeof(ActivationKind), layer.Activation))
            return Fail($"unknown activation {(int)layer.Activation}", out error);
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                if (!input.IsVector) return Fail("Dense needs vector samples; add a Flatten layer before it", out error);
                if (layer.Units < 1) return Fail($"Dense needs at least one output, got {layer.Units}", out error);
                return SampleShape.Vector(layer.Units);
            case LayerKind.Conv2d:
            {
                if (input.IsVector) return Fail("Conv2d needs image samples [C, H, W]", out error);
                if (layer.Units < 1) return Fail($"Conv2d needs at least one output channel, got {layer.Units}", out error);
                if (layer.KernelSize < 1) return Fail($"the kernel size must be at least 1, got {layer.KernelSize}", out error);
                if (layer.Stride < 1) return Fail($"the stride must be at least 1, got {layer.Stride}", out error);
                if (layer.Padding < 0) return Fail($"the padding must be non-negative, got {layer.Padding}", out error);
                if (!ShapeFormulas.WindowFits(input.Height, layer.KernelSize, layer.Padding) || !ShapeFormulas.WindowFits(input.Width, layer.KernelSize, layer.Padding))
                    return Fail($"the {layer.KernelSize}×{layer.KernelSize} kernel does not fit the padded {input.Height + 2 * layer.Padding}×{input.Width + 2 * layer.Padding} plane", out error);
                return SampleShape.Image(layer.Units,
                    ShapeFormulas.WindowPositions(input.Height, layer.KernelSize, layer.Stride, layer.Padding),
                    ShapeFormulas.WindowPositions(input.Width, layer.KernelSize, layer.Stride, layer.Padding));
            }
            case LayerKind.MaxPool2d:
                if (input.IsVector) return Fail("MaxPool2d needs image samples [C, H, W]", out error);
                if (layer.KernelSize < 1) return Fail($"the window must be at least 1, got {layer.KernelSize}", out error);
                if (layer.Stride < 1) return Fail($"the stride must be at least 1, got {layer.Stride}", out error);
                if (!ShapeFormulas.WindowFits(input.Height, layer.KernelSize) || !ShapeFormulas.WindowFits(input.Width, layer.KernelSize))
                    return Fail($"the {layer.KernelSize}×{layer.KernelSize} window does not fit the {input.Height}×{input.Width} plane", out error);
                return SampleShape.Image(input.Channels,
                    ShapeFormulas.WindowPositions(input.Height, layer.KernelSize, layer.Stride),
                    ShapeFormulas.WindowPositions(input.Width, layer.KernelSize, layer.Stride));
            case LayerKind.BatchNorm2d:
                if (input.IsVector) return Fail("BatchNorm2d needs image samples [C, H, W]", out error);
                if (!(layer.Epsilon > 0) || double.IsInfinity(layer.Epsilon))
                    return Fail($"epsilon must be positive and finite, got {layer.Epsilon.ToString("R", CultureInfo.InvariantCulture)}", out error);
                return input;
            case LayerKind.Flatten:
                return SampleShape.Vector(input.Size);
            default:
                return Fail($"unknown layer kind {layer.Kind}", out error);
        }
    }

    /// <summary>The layer's tensors in the runtime layer's order and PyTorch's names and shapes.</summary>
    private static List<TensorSpec> Tensors(LayerSpec layer, SampleShape input, int offset)
    {
        var tensors = new List<TensorSpec>();
        void Add(string name, params int[] dimensions)
        {
            var tensor = new TensorSpec($"{layer.Name}.{name}", offset, new EquatableArray<int>(dimensions));
            tensors.Add(tensor);
            offset += tensor.Length;
        }
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                Add("weight", layer.Units, input.Channels);
                if (layer.Bias) Add("bias", layer.Units);
                break;
            case LayerKind.Conv2d:
                Add("weight", layer.Units, input.Channels, layer.KernelSize, layer.KernelSize);
                Add("bias", layer.Units);
                break;
            case LayerKind.BatchNorm2d:
                Add("weight", input.Channels);
                Add("bias", input.Channels);
                break;
        }
        return tensors;
    }

    private static SampleShape? Fail(string message, out string? error)
    {
        error = message;
        return null;
    }

    private static string Join(IReadOnlyList<int> values)
    {
        var parts = new string[values.Count];
        for (int i = 0; i < parts.Length; i++) parts[i] = values[i].ToString(CultureInfo.InvariantCulture);
        return string.Join(", ", parts);
    }
}
