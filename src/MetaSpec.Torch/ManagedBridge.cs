using System.Numerics;
using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;

namespace MetaSpec.Torch;

/// <summary>
/// The one place that maps the managed engine's descriptions to the torch backend's and back: a
/// <see cref="Sequential{T}"/> to a <see cref="TorchModel"/>, a <see cref="MetaProblem{T}"/> to
/// <see cref="TorchMetaSettings"/>. Everything else in the backend works on its own types.
/// </summary>
public static class ManagedBridge
{
    /// <summary>The torch description of <paramref name="network"/>: the same layers, names, shapes and tensor layout.</summary>
    public static TorchModel ToTorchModel<T>(Sequential<T> network) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        var layers = new TorchLayer[network.Layers.Count];
        for (int l = 0; l < layers.Length; l++)
        {
            var (name, layer) = (network.Layers[l].Name, network.Layers[l].Layer);
            layers[l] = layer switch
            {
                DenseLayer<T> => TorchLayer.Dense(name, layer.InputShape.Channels, layer.OutputShape.Channels, bias: layer.ParameterTensors.Count == 2),
                Conv2dLayer<T> c => TorchLayer.Conv2d(name, c.InputShape, c.OutputShape.Channels, c.KernelSize, c.Stride, c.Padding),
                BatchNorm2dLayer<T> b => TorchLayer.BatchNorm2d(name, b.InputShape, b.Epsilon),
                MaxPool2dLayer<T> m => TorchLayer.MaxPool2d(name, m.InputShape, m.KernelSize, m.Stride),
                FlattenLayer<T> f => TorchLayer.Flatten(name, f.InputShape),
                ReLULayer<T> a => TorchLayer.Activation(name, TorchLayerKind.ReLU, a.InputShape),
                LeakyReLULayer<T> a => TorchLayer.Activation(name, TorchLayerKind.LeakyReLU, a.InputShape, a.NegativeSlope),
                TanhLayer<T> a => TorchLayer.Activation(name, TorchLayerKind.Tanh, a.InputShape),
                SigmoidLayer<T> a => TorchLayer.Activation(name, TorchLayerKind.Sigmoid, a.InputShape),
                _ => throw new NotSupportedException($"Layer '{name}' ({layer.GetType().Name}) has no torch equivalent in MetaSpec.Torch."),
            };
        }
        var model = new TorchModel(network.InputShape, layers);
        // The layouts must agree tensor for tensor, or flat vectors and checkpoints would be misread.
        if (model.Tensors.Count != network.Tensors.Count)
            throw new InvalidOperationException($"The torch model has {model.Tensors.Count} tensors, the managed network {network.Tensors.Count}.");
        for (int i = 0; i < model.Tensors.Count; i++)
        {
            var (ours, theirs) = (model.Tensors[i], network.Tensors[i]);
            if (ours.Name != theirs.Name || ours.Offset != theirs.Offset || !ours.Dimensions.SequenceEqual(theirs.Dimensions.Select(d => (long)d)))
                throw new InvalidOperationException($"Tensor {i} differs: torch '{ours.Name}' at {ours.Offset}, managed '{theirs.Name}' at {theirs.Offset}.");
        }
        return model;
    }

    /// <summary>The managed network of <paramref name="model"/> (for checkpoints and PyTorch-style initialisation).</summary>
    public static Sequential<T> ToSequential<T>(TorchModel model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        var layers = new NamedLayer<T>[model.Layers.Count];
        for (int l = 0; l < layers.Length; l++)
        {
            var x = model.Layers[l];
            ILayer<T> layer = x.Kind switch
            {
                TorchLayerKind.Dense => new DenseLayer<T>(x.Input.Channels, x.Output.Channels, x.HasBias),
                TorchLayerKind.Conv2d => new Conv2dLayer<T>(x.Input, x.Output.Channels, x.KernelSize, x.Stride, x.Padding),
                TorchLayerKind.BatchNorm2d => new BatchNorm2dLayer<T>(x.Input, x.Epsilon),
                TorchLayerKind.MaxPool2d => new MaxPool2dLayer<T>(x.Input, x.KernelSize, x.Stride),
                TorchLayerKind.Flatten => new FlattenLayer<T>(x.Input),
                TorchLayerKind.ReLU => new ReLULayer<T>(x.Input),
                TorchLayerKind.LeakyReLU => new LeakyReLULayer<T>(x.Input, x.NegativeSlope),
                TorchLayerKind.Tanh => new TanhLayer<T>(x.Input),
                TorchLayerKind.Sigmoid => new SigmoidLayer<T>(x.Input),
                _ => throw new NotSupportedException($"Layer kind {x.Kind} has no managed equivalent."),
            };
            layers[l] = new(x.Name, layer);
        }
        return new Sequential<T>(model.Input, layers);
    }

    /// <summary>
    /// The torch settings of a network problem: loss, inner loop, method and adapted layers. Throws
    /// <see cref="NotSupportedException"/> naming what the torch backend does not compute.
    /// </summary>
    public static TorchMetaSettings ToTorchSettings<T>(MetaProblem<T> problem) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (problem.Network is not { } network || problem.Loss is not { } networkLoss)
            throw new NotSupportedException("The torch backend runs network problems; this problem's objective is not a network.");
        var loss = networkLoss switch
        {
            MeanSquaredError<T> => TorchLoss.MeanSquaredError,
            SoftmaxCrossEntropy<T> => TorchLoss.CrossEntropy,
            var other => throw new NotSupportedException($"The torch backend has no {other.GetType().Name} loss; it supports mean squared error and softmax cross-entropy."),
        };
        if (problem.Inner.ResampleSupport)
            throw new NotSupportedException("The torch backend does not resample the support set at every inner step (ResampleSupport); use the managed engine for this spec.");

        // The mask, layer by layer: the torch backend adapts whole layers.
        var adapted = new List<string>();
        foreach (var segment in network.Segments)
        {
            if (segment.Length == 0) continue;
            int on = 0;
            for (int i = segment.Offset; i < segment.End; i++) if (problem.Mask[i] != T.Zero) on++;
            if (on == segment.Length) adapted.Add(segment.Name);
            else if (on != 0) throw new NotSupportedException($"Layer '{segment.Name}' is partly adapted; the torch backend adapts whole layers.");
        }
        bool all = adapted.Count == network.Segments.Count(s => s.Length > 0);
        if (problem.Inner.Geometry.Kind is not (GeometryKind.Identity or GeometryKind.Diagonal))
            throw new NotSupportedException(
                $"The torch backend has no {problem.Inner.Geometry.Kind} geometry: it takes the plain step and Meta-SGD's learned step sizes; train this problem on the managed engine.");
        var method = problem.Method;
        var settings = new TorchMetaSettings
        {
            Loss = loss,
            Steps = problem.Inner.Steps,
            StepSize = problem.Inner.StepSize,
            Proximal = problem.Inner.Proximal,
            LearnStepSizes = problem.Inner.LearnStepSizes,
            ResetAdaptedToZero = problem.Inner.ResetAdaptedToZero,
            Method = method.Kind,
            Solver = method.Solver,
            Iterations = method.Iterations,
            NeumannStep = method.NeumannStep,
            AdaptedLayers = all ? [] : adapted,
        };
        settings.Validate(ToTorchModel(network));
        return settings;
    }

    /// <summary>
    /// A torch learner for a managed network problem, starting from the network's PyTorch-style initialisation from
    /// <paramref name="seed"/> (the managed learner's starting point for the same seed).
    /// </summary>
    public static TorchLearner<T> CreateLearner<T>(MetaProblem<T> problem, TorchOuterSettings outer, int seed, TorchOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var settings = ToTorchSettings(problem);
        var network = problem.Network!;
        return new TorchLearner<T>(ToTorchModel(network), settings, outer, problem.CreateMetaParameters(network.CreateParameters(seed)), seed, options);
    }

    /// <summary>
    /// The named meta-tensors of <paramref name="model"/>'s managed twin (θ, then Meta-SGD's step sizes), exactly as the
    /// managed learner lays out its checkpoints.
    /// </summary>
    public static IReadOnlyList<ParameterTensor> MetaTensors<T>(TorchModel model, bool learnStepSizes) where T : unmanaged, IFloatingPointIeee754<T> =>
        MetaProblem<T>.ForNetwork(ToSequential<T>(model), MeanSquaredError<T>.Instance, new InnerLoop { LearnStepSizes = learnStepSizes }, Hypergradient.Unrolled).MetaTensors;
}
