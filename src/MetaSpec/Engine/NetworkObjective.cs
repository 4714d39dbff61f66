using System.Numerics;
using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Models;

namespace MetaSpec.Engine;

/// <summary>The loss of a <see cref="Sequential{T}"/> network on a data set (built by <see cref="MetaProblem{T}"/>).</summary>
/// <remarks>With softmax cross-entropy it is also a classifier whose accuracy can be measured.</remarks>
internal sealed class NetworkObjective<T>(Sequential<T> network, ILoss<T> loss) : IObjective<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The network.</summary>
    public Sequential<T> Network { get; } = network ?? throw new ArgumentNullException(nameof(network));

    /// <summary>The loss on the network's outputs.</summary>
    public ILoss<T> LossFunction { get; } = loss ?? throw new ArgumentNullException(nameof(loss));

    /// <inheritdoc/>
    public int ParameterCount => Network.ParameterCount;

    /// <inheritdoc/>
    public IReadOnlyList<ParameterTensor> Tensors => Network.Tensors;

    /// <inheritdoc/>
    public int InputSize => Network.InputShape.Size;

    /// <inheritdoc/>
    public int TargetSize => LossFunction.TargetsPerSample(Network.OutputShape.Size);

    /// <inheritdoc/>
    public IObjectiveEvaluator<T> CreateEvaluator(int maxBatch, bool hessianVectorProducts = true) =>
        new Evaluator(this, Network.CreateWorkspace(maxBatch, hessianVectorProducts));

    /// <inheritdoc/>
    public void Validate(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, string set)
    {
        if (inputs.IsEmpty) throw new ArgumentException($"The {set} set is empty.", set);
        if (inputs.Length % InputSize != 0)
            throw new ArgumentException($"The {set} inputs hold {inputs.Length} values, not a whole number of samples of shape {Network.InputShape}.", set);
        int count = inputs.Length / InputSize;
        if (targets.Length != count * TargetSize)
            throw new ArgumentException($"The {set} set has {count} inputs but {targets.Length} target values; expected {count * TargetSize}.", set);
        if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(inputs))
            throw new ArgumentException($"The {set} inputs contain NaN or infinity.", set);
        try
        {
            LossFunction.ValidateTargets(count, Network.OutputShape.Size, targets);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"The {set} set: {e.Message}", set, e);
        }
    }

    /// <inheritdoc/>
    public IAccuracyEvaluator<T>? CreateAccuracyEvaluator(int maxBatch) =>
        LossFunction is SoftmaxCrossEntropy<T> ? new AccuracyEvaluator(this, Network.CreateWorkspace(maxBatch, hessianVectorProducts: false)) : null;

    private sealed class AccuracyEvaluator(NetworkObjective<T> objective, Workspace<T> workspace) : IAccuracyEvaluator<T>
    {
        public T Accuracy(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> labels)
        {
            var net = objective.Network;
            int batch = inputs.Length / objective.InputSize, classes = net.OutputShape.Size;
            ReadOnlySpan<T> scores = net.ForwardCore(batch, parameters, inputs, workspace);
            int correct = 0;
            for (int b = 0; b < batch; b++)
                if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(scores.Slice(b * classes, classes)) == int.CreateTruncating(labels[b]))
                    correct++;
            return T.CreateTruncating(correct) / T.CreateTruncating(batch);
        }
    }

    private sealed class Evaluator(NetworkObjective<T> objective, Workspace<T> workspace) : IObjectiveEvaluator<T>
    {
        private readonly Sequential<T> _net = objective.Network;
        private readonly ILoss<T> _loss = objective.LossFunction;
        private readonly int _inputSize = objective.InputSize;

        public T Loss(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets)
        {
            int batch = inputs.Length / _inputSize;
            return _loss.Value(batch, _net.OutputShape.Size, _net.ForwardCore(batch, parameters, inputs, workspace), targets);
        }

        public T Gradient(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, Span<T> gradient) =>
            _net.GradientCore(inputs.Length / _inputSize, parameters, inputs, targets, _loss, gradient, workspace);

        public T HessianVectorProduct(ReadOnlySpan<T> parameters, ReadOnlySpan<T> direction, ReadOnlySpan<T> inputs,
            ReadOnlySpan<T> targets, Span<T> gradient, Span<T> product) =>
            _net.HessianVectorProductCore(inputs.Length / _inputSize, parameters, direction, inputs, targets, _loss, gradient, product, workspace);
    }
}
