using System.Collections.Generic;
using MetaSpec.Specification;
using static MetaSpec.Generators.Emitter.Literals;

namespace MetaSpec.Generators.Emitter;

/// <summary>
/// Emits a [MetaModel] class's half: shape and layout constants, θ's named tensors, and the factory of the
/// runtime network (concrete sealed layers in a <c>Sequential&lt;float&gt;</c>).
/// </summary>
internal static class ModelEmitter
{
    public static string Emit(ModelSpec model)
    {
        var writer = new SourceWriter();
        int braces = EmitterCommon.Open(writer, model.Type);
        writer.WriteLine($"/// <summary>Layout of the model: {Describe(model)}.</summary>");
        using (writer.Open($"{model.Type.Keyword} {model.Type.Name}"))
        {
            writer.WriteLine($$"""
                /// <summary>Shape of one input sample: {{model.Input}}.</summary>
                public static global::MetaSpec.Shape InputShape => {{Shape(model.Input)}};

                /// <summary>Shape of one output sample: {{model.Output}}.</summary>
                public static global::MetaSpec.Shape OutputShape => {{Shape(model.Output)}};

                /// <summary>Values in one input sample.</summary>
                public const int InputSize = {{Int(model.Input.Size)}};

                /// <summary>Values in one output sample.</summary>
                public const int OutputSize = {{Int(model.Output.Size)}};

                /// <summary>Length of the flat parameter vector θ.</summary>
                public const int ParameterCount = {{Int(model.ParameterCount)}};

                """);
            WriteLayout(writer, model);
            writer.WriteLine();
            WriteTensors(writer, model);
            writer.WriteLine();
            WriteNetwork(writer, model);
        }
        EmitterCommon.Close(writer, braces);
        return writer.ToString();
    }

    private static void WriteLayout(SourceWriter writer, ModelSpec model)
    {
        writer.WriteLine("/// <summary>Each layer's segment of θ (offset, length) and output shape, as compile-time constants.</summary>");
        using (writer.Open("public static class Layout"))
        {
            bool first = true;
            foreach (var placed in model.Layers)
            {
                if (!first) writer.WriteLine();
                first = false;
                string name = Pascal(placed.Layer.Name);
                writer.WriteLine($$"""
                    /// <summary>{{placed.Layer.Name}}: {{Describe(placed)}}.</summary>
                    public const int {{name}}Offset = {{Int(placed.ParameterOffset)}};

                    /// <summary>Parameters of {{placed.Layer.Name}}.</summary>
                    public const int {{name}}Length = {{Int(placed.ParameterCount)}};

                    /// <summary>Values in one output sample of {{placed.Layer.Name}}: {{placed.Output}}.</summary>
                    public const int {{name}}OutputSize = {{Int(placed.Output.Size)}};
                    """);
                if (!placed.Output.IsVector)
                    writer.WriteLine($$"""

                        /// <summary>Output channels of {{placed.Layer.Name}}.</summary>
                        public const int {{name}}OutputChannels = {{Int(placed.Output.Channels)}};

                        /// <summary>Output height of {{placed.Layer.Name}}.</summary>
                        public const int {{name}}OutputHeight = {{Int(placed.Output.Height)}};

                        /// <summary>Output width of {{placed.Layer.Name}}.</summary>
                        public const int {{name}}OutputWidth = {{Int(placed.Output.Width)}};
                        """);
            }
        }
    }

    private static void WriteTensors(SourceWriter writer, ModelSpec model)
    {
        writer.WriteLine("""
            /// <summary>θ's named tensors at their offsets, named as PyTorch's state_dict names them.</summary>
            public static global::System.Collections.Generic.IReadOnlyList<global::MetaSpec.Layers.ParameterTensor> Tensors { get; } = new global::MetaSpec.Layers.ParameterTensor[]
            {
            """);
        writer.Indentation++;
        foreach (var placed in model.Layers)
            foreach (var tensor in placed.Tensors)
                writer.WriteLine($"new(\"{tensor.Name}\", {Int(tensor.Offset)}, {IntArray(tensor.Dimensions)}),");
        writer.Indentation--;
        writer.WriteLine("};");
    }

    private static void WriteNetwork(SourceWriter writer, ModelSpec model)
    {
        var layers = new List<string>();
        foreach (var placed in model.Layers)
        {
            var layer = placed.Layer;
            layers.Add($"new global::MetaSpec.Models.NamedLayer<float>({String(layer.Name)}, {RuntimeLayer(placed)})");
            if (Activation(layer.Activation, placed.Output) is { } activation)
                layers.Add($"new global::MetaSpec.Models.NamedLayer<float>({String(ActivationLayerName(layer))}, {activation})");
        }
        // An all-dense model gets the fused Dense+activation passes (measured faster on every sinusoid workload,
        // docs/benchmarks.md); any other layer kind keeps the layer-by-layer network.
        bool fused = AllDense(model);
        writer.WriteLine($$"""
            /// <summary>
            /// A new runtime network of the declared layers, each activation a parameter-free layer of its own
            /// (<c>{field}_{activation}</c>){{(fused ? """
            , running fused Dense+activation passes since every layer is Dense
            /// (<c>WithFusedDenseLayers</c>). Create one per learner: layers are stateless, but a network's
            """ : """
            . Create one per learner: layers are stateless, but a network's
            """)}}
            /// workspaces are sized for it.
            /// </summary>
            /// <remarks>Layers are created with explicit types: a lone target-typed <c>new(...)</c> would bind to the params array.</remarks>
            public static global::MetaSpec.Models.Sequential<float> CreateNetwork() => new{{(fused ? " global::MetaSpec.Models.Sequential<float>" : "")}}(
            """);
        writer.Indentation++;
        writer.WriteLine("InputShape,");
        for (int i = 0; i < layers.Count; i++)
            writer.WriteLine(layers[i] + (i < layers.Count - 1 ? "," : fused ? ").WithFusedDenseLayers();" : ");"));
        writer.Indentation--;
    }

    /// <summary>Whether every layer of <paramref name="model"/> is Dense: then the generated network runs the fused dense passes.</summary>
    public static bool AllDense(ModelSpec model)
    {
        foreach (var placed in model.Layers)
            if (placed.Layer.Kind != LayerKind.Dense) return false;
        return true;
    }

    /// <summary>The name of the parameter-free activation layer after <paramref name="layer"/>.</summary>
    public static string ActivationLayerName(LayerSpec layer) => LayerNames.ActivationLayer(layer.Name, layer.Activation);

    private static string RuntimeLayer(PlacedLayer placed)
    {
        var layer = placed.Layer;
        string input = Shape(placed.Input);
        return layer.Kind switch
        {
            LayerKind.Dense => $"new global::MetaSpec.Layers.DenseLayer<float>({Int(placed.Input.Channels)}, {Int(layer.Units)}, bias: {Bool(layer.Bias)})",
            LayerKind.Conv2d => $"new global::MetaSpec.Layers.Conv2dLayer<float>({input}, {Int(layer.Units)}, {Int(layer.KernelSize)}, stride: {Int(layer.Stride)}, padding: {Int(layer.Padding)})",
            LayerKind.BatchNorm2d => $"new global::MetaSpec.Layers.BatchNorm2dLayer<float>({input}, epsilon: {Double(layer.Epsilon)})",
            LayerKind.MaxPool2d => $"new global::MetaSpec.Layers.MaxPool2dLayer<float>({input}, {Int(layer.KernelSize)}, {Int(layer.Stride)})",
            _ => $"new global::MetaSpec.Layers.FlattenLayer<float>({input})",
        };
    }

    private static string? Activation(ActivationKind activation, SampleShape shape) => activation switch
    {
        ActivationKind.ReLU => $"new global::MetaSpec.Layers.ReLULayer<float>({Shape(shape)})",
        ActivationKind.LeakyReLU => $"new global::MetaSpec.Layers.LeakyReLULayer<float>({Shape(shape)})",
        ActivationKind.Tanh => $"new global::MetaSpec.Layers.TanhLayer<float>({Shape(shape)})",
        ActivationKind.Sigmoid => $"new global::MetaSpec.Layers.SigmoidLayer<float>({Shape(shape)})",
        _ => null,
    };

    private static string Describe(ModelSpec model) =>
        $"{model.Input} → {model.Output}, {Int(model.Layers.Count)} layers, {Int(model.ParameterCount)} parameters";

    private static string Describe(PlacedLayer placed)
    {
        string activation = placed.Layer.Activation == ActivationKind.None ? "" : $", then {placed.Layer.Activation}";
        string segment = placed.ParameterCount == 0 ? "no parameters" : $"θ[{Int(placed.ParameterOffset)}..{Int(placed.ParameterOffset + placed.ParameterCount)})";
        string adapted = placed.Layer.Adapted ? ", adapted" : "";
        return $"{placed.Layer.Kind} {placed.Input} → {placed.Output}{activation}; {segment}{adapted}";
    }
}
