using System.Numerics;
using MetaSpec.Layers;
using MetaSpec.Losses;

namespace MetaSpec.Models;

/// <summary>A layer with the name its parameters are known by (<c>hidden1.weight</c>, …).</summary>
public sealed record NamedLayer<T>(string Name, ILayer<T> Layer) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// A chain of layers over one flat parameter buffer θ, where each layer owns a named segment.
/// Gives the loss, its gradient and exact Hessian-vector products (forward-over-reverse), allocating
/// nothing per call: all memory lives in a <see cref="Workspace{T}"/> sized once.
/// </summary>
public sealed class Sequential<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly NamedLayer<T>[] _layers;
    private readonly ParameterSegment[] _segments;
    private readonly FusedDenseChain<T>? _fused; // set by WithFusedDenseLayers: the passes run fused, block by block

    /// <summary>Chains <paramref name="layers"/>; each layer's input shape must equal the previous output shape.</summary>
    public Sequential(Shape input, params NamedLayer<T>[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Length == 0) throw new ArgumentException("A network needs at least one layer.", nameof(layers));
        InputShape = input;
        _layers = layers;
        _segments = new ParameterSegment[layers.Length];
        var names = new HashSet<string>(StringComparer.Ordinal);
        var tensors = new List<ParameterTensor>();
        Shape previous = input;
        string previousName = "the network input";
        int offset = 0;
        for (int l = 0; l < layers.Length; l++)
        {
            var (name, layer) = (layers[l].Name, layers[l].Layer);
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException($"Layer {l} has no name.", nameof(layers));
            if (!names.Add(name)) throw new ArgumentException($"Two layers are named '{name}'; names must be unique.", nameof(layers));
            if (layer.InputShape != previous)
                throw new ArgumentException(
                    $"Layer '{name}' expects input of shape {layer.InputShape}, but {previousName} produces {previous}.", nameof(layers));
            _segments[l] = new ParameterSegment(name, offset, layer.ParameterCount);
            foreach (var t in layer.ParameterTensors)
                tensors.Add(new ParameterTensor($"{name}.{t.Name}", offset + t.Offset, t.Dimensions));
            offset += layer.ParameterCount;
            previous = layer.OutputShape;
            previousName = $"layer '{name}'";
        }
        ParameterCount = offset;
        OutputShape = previous;
        Tensors = tensors;
    }

    // The same network on the fused path (same layers, segments and tensors).
    private Sequential(Sequential<T> network, FusedDenseChain<T> fused)
    {
        InputShape = network.InputShape;
        OutputShape = network.OutputShape;
        ParameterCount = network.ParameterCount;
        Tensors = network.Tensors;
        _layers = network._layers;
        _segments = network._segments;
        _fused = fused;
    }

    /// <summary>
    /// The same network (layers, θ layout, results to rounding) whose loss, gradient and Hessian-vector products run
    /// fused per Dense+activation block: for a network of Dense layers each optionally followed by an activation (the
    /// generated <c>CreateNetwork()</c> of an all-dense model calls it). Measured in docs/benchmarks.md.
    /// </summary>
    /// <exception cref="InvalidOperationException">A layer is neither Dense nor an activation right after a Dense layer.</exception>
    public Sequential<T> WithFusedDenseLayers() =>
        TryFuse() ?? throw new InvalidOperationException(
            $"Only a network of Dense layers, each optionally followed by an activation, has fused passes: {FuseBlocker()}.");

    internal int FusedScratchLength => _fused?.ScratchLength ?? 0;

    /// <summary>Whether the passes run fused (<see cref="WithFusedDenseLayers"/>).</summary>
    public bool FusesDenseLayers => _fused is not null;

    /// <summary>This network on the fused path, or null when its layers do not allow it.</summary>
    internal Sequential<T>? TryFuse() =>
        _fused is not null ? this : FusedDenseChain<T>.TryCreate(_layers, _segments, out _) is { } fused ? new Sequential<T>(this, fused) : null;

    private string FuseBlocker()
    {
        FusedDenseChain<T>.TryCreate(_layers, _segments, out string? reason);
        return reason ?? "none";
    }

    /// <summary>Shape of one input sample.</summary>
    public Shape InputShape { get; }

    /// <summary>Shape of one output sample.</summary>
    public Shape OutputShape { get; }

    /// <summary>Length of θ.</summary>
    public int ParameterCount { get; }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<NamedLayer<T>> Layers => _layers;

    /// <summary>Each layer's segment of θ, in layer order.</summary>
    public IReadOnlyList<ParameterSegment> Segments => _segments;

    /// <summary>Every named parameter tensor at its offset in θ.</summary>
    public IReadOnlyList<ParameterTensor> Tensors { get; }

    /// <summary>The segment of the layer called <paramref name="name"/>.</summary>
    public ParameterSegment Segment(string name) =>
        Array.Find(_segments, s => s.Name == name) is { Name: not null } s
            ? s
            : throw new ArgumentException($"No layer is named '{name}'. Layers: {string.Join(", ", _segments.Select(x => x.Name))}.", nameof(name));

    /// <summary>A new θ with PyTorch's default initialisation, reproducible from <paramref name="seed"/>.</summary>
    public T[] CreateParameters(int seed)
    {
        var theta = new T[ParameterCount];
        var random = new Random(seed);
        for (int l = 0; l < _layers.Length; l++)
            _layers[l].Layer.Initialize(theta.AsSpan(_segments[l].Offset, _segments[l].Length), random);
        return theta;
    }

    /// <summary>
    /// Buffers for batches of up to <paramref name="maxBatch"/> samples; without
    /// <paramref name="hessianVectorProducts"/> the tangent buffers are left out (about half the memory).
    /// </summary>
    public Workspace<T> CreateWorkspace(int maxBatch, bool hessianVectorProducts = true) => new(this, maxBatch, hessianVectorProducts);

    /// <summary>Writes the network's outputs for the samples in <paramref name="inputs"/>.</summary>
    public void Predict(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, Span<T> outputs, Workspace<T> workspace)
    {
        int batch = CheckCall(parameters, inputs, workspace);
        Guard.Length(outputs.Length, batch * OutputShape.Size, nameof(outputs));
        ForwardCore(batch, parameters, inputs, workspace).CopyTo(outputs);
    }

    /// <summary>The mean loss over the samples.</summary>
    public T Loss(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ILoss<T> loss, Workspace<T> workspace)
    {
        int batch = CheckCall(parameters, inputs, workspace);
        CheckTargets(batch, targets, loss);
        return loss.Value(batch, OutputShape.Size, ForwardCore(batch, parameters, inputs, workspace), targets);
    }

    /// <summary>The mean loss, with ∇_θ L written into <paramref name="gradient"/>.</summary>
    public T Gradient(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ILoss<T> loss,
        Span<T> gradient, Workspace<T> workspace)
    {
        int batch = CheckCall(parameters, inputs, workspace);
        CheckTargets(batch, targets, loss);
        Guard.Length(gradient.Length, ParameterCount, nameof(gradient));
        return GradientCore(batch, parameters, inputs, targets, loss, gradient, workspace);
    }

    /// <summary>
    /// The mean loss, with ∇_θ L in <paramref name="gradient"/> and the exact Hessian-vector product
    /// ∇²_θ L·<paramref name="direction"/> in <paramref name="product"/>, at about three times the cost of a gradient.
    /// </summary>
    public T HessianVectorProduct(ReadOnlySpan<T> parameters, ReadOnlySpan<T> direction, ReadOnlySpan<T> inputs,
        ReadOnlySpan<T> targets, ILoss<T> loss, Span<T> gradient, Span<T> product, Workspace<T> workspace)
    {
        int batch = CheckCall(parameters, inputs, workspace);
        CheckTargets(batch, targets, loss);
        Guard.Length(direction.Length, ParameterCount, nameof(direction));
        Guard.Finite(direction, nameof(direction));
        Guard.Length(gradient.Length, ParameterCount, nameof(gradient));
        Guard.Length(product.Length, ParameterCount, nameof(product));
        if (!workspace.HasTangents)
            throw new ArgumentException("The workspace was created without tangent buffers; create it with hessianVectorProducts: true.", nameof(workspace));
        return HessianVectorProductCore(batch, parameters, direction, inputs, targets, loss, gradient, product, workspace);
    }

    /// <summary>Forward pass; returns the output activations (inside the workspace).</summary>
    internal ReadOnlySpan<T> ForwardCore(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, Workspace<T> ws)
    {
        if (_fused is not null) return _fused.Forward(batch, parameters, inputs, ws);
        ReadOnlySpan<T> x = inputs;
        for (int l = 0; l < _layers.Length; l++)
        {
            var layer = _layers[l].Layer;
            Span<T> y = ws.Activations[l].AsSpan(0, batch * layer.OutputShape.Size);
            layer.Forward(new ForwardPass<T> { Batch = batch, Parameters = Params(parameters, l), Input = x, Output = y, State = ws.States[l], Scratch = ws.Scratch });
            x = y;
        }
        return x;
    }

    internal T GradientCore(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets,
        ILoss<T> loss, Span<T> gradient, Workspace<T> ws, Span<T> inputGradient = default)
    {
        if (_fused is not null) return _fused.Gradient(batch, parameters, inputs, targets, loss, gradient, ws, inputGradient);
        ReadOnlySpan<T> output = ForwardCore(batch, parameters, inputs, ws);
        Span<T> dy = ws.Gradient[(_layers.Length - 1) & 1].AsSpan(0, output.Length);
        T value = loss.Forward(batch, OutputShape.Size, output, targets, dy);
        BackwardCore(batch, parameters, inputs, dy, gradient, ws, inputGradient);
        return value;
    }

    /// <summary>
    /// Backpropagates <paramref name="outputGradient"/> through the activations of the last <see cref="ForwardCore"/>
    /// on this workspace: θ̄ into <paramref name="gradient"/>, and x̄ into <paramref name="inputGradient"/> unless empty.
    /// </summary>
    internal void BackwardCore(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> outputGradient,
        Span<T> gradient, Workspace<T> ws, Span<T> inputGradient = default)
    {
        if (_fused is not null)
        {
            _fused.Backward(batch, parameters, inputs, outputGradient, gradient, ws, inputGradient);
            return;
        }
        int last = _layers.Length - 1;
        Span<T> top = ws.Gradient[last & 1].AsSpan(0, batch * OutputShape.Size);
        if (!outputGradient.Overlaps(top)) outputGradient.CopyTo(top);
        for (int l = last; l >= 0; l--)
        {
            var layer = _layers[l].Layer;
            ReadOnlySpan<T> x = l == 0 ? inputs : ws.Activations[l - 1].AsSpan(0, batch * layer.InputShape.Size);
            Span<T> dx = l == 0 ? inputGradient : ws.Gradient[(l - 1) & 1].AsSpan(0, batch * layer.InputShape.Size);
            layer.Backward(new BackwardPass<T>
            {
                Batch = batch, Parameters = Params(parameters, l), Input = x, Output = ws.Activations[l].AsSpan(0, batch * layer.OutputShape.Size),
                State = ws.States[l], OutputGradient = ws.Gradient[l & 1].AsSpan(0, batch * layer.OutputShape.Size), InputGradient = dx,
                ParameterGradient = gradient.Slice(_segments[l].Offset, _segments[l].Length), Scratch = ws.Scratch,
            });
        }
    }

    internal T HessianVectorProductCore(int batch, ReadOnlySpan<T> parameters, ReadOnlySpan<T> direction,
        ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, ILoss<T> loss, Span<T> gradient, Span<T> product, Workspace<T> ws,
        Span<T> inputGradientTangent = default)
    {
        if (_fused is not null)
            return _fused.HessianVectorProduct(batch, parameters, direction, inputs, targets, loss, gradient, product, ws, inputGradientTangent);
        // Forward, then forward tangent along θ̇ = direction (the data does not move: ẋ₀ = 0).
        ReadOnlySpan<T> output = ForwardCore(batch, parameters, inputs, ws);
        for (int l = 0; l < _layers.Length; l++)
        {
            var layer = _layers[l].Layer;
            ReadOnlySpan<T> x = l == 0 ? inputs : ws.Activations[l - 1].AsSpan(0, batch * layer.InputShape.Size);
            ReadOnlySpan<T> xDot = l == 0 ? default : ws.ActivationTangents[l - 1].AsSpan(0, batch * layer.InputShape.Size);
            layer.ForwardTangent(new ForwardTangentPass<T>
            {
                Batch = batch, Parameters = Params(parameters, l), ParameterTangent = Params(direction, l), Input = x, InputTangent = xDot,
                Output = ws.Activations[l].AsSpan(0, batch * layer.OutputShape.Size), State = ws.States[l],
                OutputTangent = ws.ActivationTangents[l].AsSpan(0, batch * layer.OutputShape.Size), TangentState = ws.TangentStates[l],
                Scratch = ws.Scratch,
            });
        }

        // Loss gradient and its tangent, then the backward pass and its tangent, layer by layer.
        int last = _layers.Length - 1;
        Span<T> dy = ws.Gradient[last & 1].AsSpan(0, output.Length);
        T value = loss.Forward(batch, OutputShape.Size, output, targets, dy);
        loss.Tangent(batch, OutputShape.Size, output, ws.ActivationTangents[last].AsSpan(0, output.Length), targets,
            ws.GradientTangent[last & 1].AsSpan(0, output.Length));
        for (int l = last; l >= 0; l--)
        {
            var layer = _layers[l].Layer;
            int inSize = batch * layer.InputShape.Size, outSize = batch * layer.OutputShape.Size;
            ReadOnlySpan<T> x = l == 0 ? inputs : ws.Activations[l - 1].AsSpan(0, inSize);
            ReadOnlySpan<T> xDot = l == 0 ? default : ws.ActivationTangents[l - 1].AsSpan(0, inSize);
            ReadOnlySpan<T> y = ws.Activations[l].AsSpan(0, outSize);
            ReadOnlySpan<T> yDot = ws.ActivationTangents[l].AsSpan(0, outSize);
            ReadOnlySpan<T> gy = ws.Gradient[l & 1].AsSpan(0, outSize);
            ReadOnlySpan<T> gyDot = ws.GradientTangent[l & 1].AsSpan(0, outSize);
            Span<T> gx = l == 0 ? default : ws.Gradient[(l - 1) & 1].AsSpan(0, inSize);
            // At the first layer, d/dε x̄ is the mixed derivative ∂²L/∂x∂θ·θ̇ that a body below this network needs.
            Span<T> gxDot = l == 0 ? inputGradientTangent : ws.GradientTangent[(l - 1) & 1].AsSpan(0, inSize);
            var segment = _segments[l];
            ReadOnlySpan<T> p = Params(parameters, l), pDot = Params(direction, l);
            layer.BackwardTangent(new BackwardTangentPass<T>
            {
                Batch = batch, Parameters = p, ParameterTangent = pDot, Input = x, InputTangent = xDot, Output = y, OutputTangent = yDot,
                State = ws.States[l], TangentState = ws.TangentStates[l], OutputGradient = gy, OutputGradientTangent = gyDot,
                InputGradientTangent = gxDot, ParameterGradientTangent = product.Slice(segment.Offset, segment.Length), Scratch = ws.Scratch,
            });
            layer.Backward(new BackwardPass<T>
            {
                Batch = batch, Parameters = p, Input = x, Output = y, State = ws.States[l], OutputGradient = gy, InputGradient = gx,
                ParameterGradient = gradient.Slice(segment.Offset, segment.Length), Scratch = ws.Scratch,
            });
        }
        return value;
    }

    private ReadOnlySpan<T> Params(ReadOnlySpan<T> theta, int layer) => theta.Slice(_segments[layer].Offset, _segments[layer].Length);

    private int CheckCall(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, Workspace<T> workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (workspace.Network != this) throw new ArgumentException("The workspace was created for another network.", nameof(workspace));
        Guard.Length(parameters.Length, ParameterCount, nameof(parameters));
        Guard.Finite(parameters, nameof(parameters));
        int size = InputShape.Size;
        if (inputs.IsEmpty) throw new ArgumentException("The batch is empty: inputs hold no samples.", nameof(inputs));
        if (inputs.Length % size != 0)
            throw new ArgumentException($"Inputs hold {inputs.Length} values, not a whole number of samples of shape {InputShape} ({size} values each).", nameof(inputs));
        int batch = inputs.Length / size;
        if (batch > workspace.MaxBatch)
            throw new ArgumentException($"The batch has {batch} samples but the workspace was sized for {workspace.MaxBatch}.", nameof(inputs));
        Guard.Finite(inputs, nameof(inputs));
        return batch;
    }

    private void CheckTargets(int batch, ReadOnlySpan<T> targets, ILoss<T> loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        Guard.Length(targets.Length, batch * loss.TargetsPerSample(OutputShape.Size), nameof(targets));
        loss.ValidateTargets(batch, OutputShape.Size, targets);
    }
}
