using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace MetaSpec.Torch;

/// <summary>How a task-batched Conv2d runs.</summary>
public enum TorchConvolution
{
    /// <summary><see cref="Grouped"/> on CUDA, <see cref="PerTask"/> on the CPU.</summary>
    Auto,

    /// <summary>One grouped convolution with T groups (task t's channels meet only task t's filters): one kernel launch.</summary>
    Grouped,

    /// <summary>
    /// One convolution per task on its slice of the channels, concatenated: on the CPU libtorch's grouped convolution
    /// (with its double backward) measured 2.2–2.8× slower than this loop for Conv-4's 64-channel 3×3 blocks.
    /// </summary>
    PerTask,
}

/// <summary>
/// The functional, task-batched forward pass: T tasks' samples go through the network in one graph, each task with
/// its own parameters where they are per-task (the adapted tensors, shape [T, …]) and the shared ones elsewhere.
/// </summary>
/// <remarks>
/// Layouts: vectors flow as [T, B, D]; images flow "task-folded" as [B, T·C, H, W], so that
/// <list type="bullet">
/// <item>Dense is a batched matrix product over the task dimension (or one <c>linear</c> when the weight is shared);</item>
/// <item>Conv2d is one grouped convolution with T groups (task t's channels meet only task t's filters), or one
/// convolution per task slice (<see cref="TorchConvolution"/>);</item>
/// <item>BatchNorm2d normalises each (task, channel) over that task's batch alone: per-task batch statistics;</item>
/// <item>MaxPool2d and the activations do not care.</item>
/// </list>
/// Flatten unfolds [B, T·C, H, W] into [T, B, C·H·W] (channel-major, as the managed Flatten).
/// </remarks>
internal static class Functional
{
    /// <summary>Task-batched data or activations: [T, B, D] for vectors, [B, T·C, H, W] for images.</summary>
    public readonly record struct Batch(Tensor Value, bool Folded);

    /// <summary>Samples [T, B, …sample shape] as the forward pass takes them (images folded).</summary>
    public static Batch Input(Tensor samples, Shape shape)
    {
        if (shape.IsVector) return new(samples, false);
        long tasks = samples.shape[0], batch = samples.shape[1];
        return new(samples.transpose(0, 1).reshape(batch, tasks * shape.Channels, shape.Height, shape.Width), true);
    }

    /// <summary>
    /// Runs layers [<paramref name="from"/>, <paramref name="to"/>) of <paramref name="model"/> on <paramref name="x"/>.
    /// <paramref name="parameters"/>[i] is tensor i of the model, per task ([T, …dims]) where <paramref name="perTask"/>[i],
    /// shared ([…dims]) elsewhere.
    /// </summary>
    public static Batch Forward(TorchModel model, IReadOnlyList<Tensor> parameters, IReadOnlyList<bool> perTask, long tasks, Batch x, int from, int to,
        TorchConvolution convolution = TorchConvolution.Auto)
    {
        bool grouped = convolution == TorchConvolution.Grouped
            || (convolution == TorchConvolution.Auto && x.Value.device.type == DeviceType.CUDA);
        int tensor = 0;
        for (int l = 0; l < from; l++) tensor += model.Layers[l].Tensors.Count;
        for (int l = from; l < to; l++)
        {
            var layer = model.Layers[l];
            x = Layer(layer, parameters, perTask, tensor, tasks, x, grouped);
            tensor += layer.Tensors.Count;
        }
        return x;
    }

    private static Batch Layer(TorchLayer layer, IReadOnlyList<Tensor> p, IReadOnlyList<bool> perTask, int first, long tasks, Batch x, bool grouped)
    {
        switch (layer.Kind)
        {
            case TorchLayerKind.Dense:
            {
                Tensor w = p[first];
                Tensor? b = layer.HasBias ? p[first + 1] : null;
                if (!perTask[first] && (b is null || !perTask[first + 1]))
                    return new(F.linear(x.Value, w, b), false);
                // Per task: [T, B, in] × [T, in, out] (+ [T, 1, out]); a shared tensor is broadcast over the tasks.
                Tensor wt = (perTask[first] ? w : w.unsqueeze(0).expand(tasks, -1, -1)).transpose(1, 2);
                if (b is null) return new(bmm(x.Value, wt), false);
                Tensor bias = (perTask[first + 1] ? b : b.unsqueeze(0).expand(tasks, -1)).unsqueeze(1);
                return new(AddBatchedProduct(bias, x.Value, wt), false);
            }
            case TorchLayerKind.Conv2d:
            {
                long[] stride = [layer.Stride, layer.Stride], padding = [layer.Padding, layer.Padding];
                if (grouped || tasks == 1)
                {
                    Tensor w = PerTaskFlat(p[first], perTask[first], tasks), b = PerTaskFlat(p[first + 1], perTask[first + 1], tasks);
                    return new(F.conv2d(x.Value, w, b, strides: stride, padding: padding, groups: tasks), true);
                }
                var slices = x.Value.chunk(tasks, 1);
                var outputs = new Tensor[tasks];
                for (int t = 0; t < tasks; t++)
                    outputs[t] = F.conv2d(slices[t], perTask[first] ? p[first][t] : p[first], perTask[first + 1] ? p[first + 1][t] : p[first + 1],
                        strides: stride, padding: padding);
                return new(cat(outputs, 1), true);
            }
            case TorchLayerKind.BatchNorm2d:
            {
                Tensor w = PerTaskFlat(p[first], perTask[first], tasks), b = PerTaskFlat(p[first + 1], perTask[first + 1], tasks);
                return new(F.batch_norm(x.Value, null, null, w, b, training: true, eps: layer.Epsilon), true);
            }
            case TorchLayerKind.MaxPool2d:
                return new(F.max_pool2d(x.Value, [layer.KernelSize, layer.KernelSize], [layer.Stride, layer.Stride]), true);
            case TorchLayerKind.Flatten:
            {
                if (!x.Folded) return x;
                long batch = x.Value.shape[0];
                return new(x.Value.reshape(batch, tasks, layer.Output.Channels).transpose(0, 1), false);
            }
            case TorchLayerKind.ReLU: return new(F.relu(x.Value), x.Folded);
            case TorchLayerKind.LeakyReLU: return new(F.leaky_relu(x.Value, layer.NegativeSlope), x.Folded);
            case TorchLayerKind.Tanh: return new(x.Value.tanh(), x.Folded);
            case TorchLayerKind.Sigmoid: return new(x.Value.sigmoid(), x.Folded);
            default: throw new NotSupportedException($"Layer '{layer.Name}' of kind {layer.Kind} is not supported by the torch backend.");
        }
    }

    /// <summary>
    /// input + batch1 × batch2 over the leading dimension. TorchSharp 0.107.0's <c>baddbmm(input, batch1, batch2)</c> computes
    /// <c>batch2_arg + input_arg × batch1_arg</c> (measured), so the operands are passed in that order here, the one place
    /// it is called; the batched-versus-per-task tests pin it.
    /// </summary>
    internal static Tensor AddBatchedProduct(Tensor input, Tensor batch1, Tensor batch2) => baddbmm(batch1, batch2, input);

    /// <summary>A conv/norm tensor for T groups: per-task [T, F, …] → [T·F, …]; shared [F, …] → repeated T times.</summary>
    private static Tensor PerTaskFlat(Tensor t, bool perTask, long tasks)
    {
        if (perTask) return t.flatten(0, 1);
        if (tasks == 1) return t;
        var repeats = new long[t.dim()];
        Array.Fill(repeats, 1L);
        repeats[0] = tasks;
        return t.repeat(repeats);
    }

    /// <summary>Per-task mean loss [T] of outputs [T, B, D] against targets ([T, B, D] values, or [T, B] class indices as int64).</summary>
    public static Tensor LossPerTask(TorchLoss loss, Tensor outputs, Tensor targets)
    {
        long tasks = outputs.shape[0], batch = outputs.shape[1], width = outputs.shape[2];
        return loss switch
        {
            TorchLoss.MeanSquaredError => (outputs - targets).square().mean([1, 2]),
            TorchLoss.CrossEntropy => F.cross_entropy(outputs.reshape(tasks * batch, width), targets.reshape(tasks * batch), reduction: nn.Reduction.None)
                .view(tasks, batch).mean([1]),
            _ => throw new NotSupportedException($"Loss {loss} is not supported by the torch backend."),
        };
    }

    /// <summary>Per-task fraction [T] of samples whose highest score is the label.</summary>
    public static Tensor AccuracyPerTask(Tensor outputs, Tensor labels) =>
        outputs.argmax(2).eq(labels).to_type(outputs.dtype).mean([1]);
}
