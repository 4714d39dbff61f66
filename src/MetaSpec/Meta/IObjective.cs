using System.Numerics;
using MetaSpec.Layers;

namespace MetaSpec.Meta;

/// <summary>
/// A twice-differentiable loss L(θ; data) of a flat parameter vector θ on one data set
/// (a task's support or query samples). It describes the function; the arithmetic happens in an
/// <see cref="IObjectiveEvaluator{T}"/> that owns one thread's buffers.
/// </summary>
/// <remarks>
/// A network's loss is built by <see cref="MetaProblem{T}"/> from the network and the loss; implement this
/// interface for other functions (e.g. the quadratic tasks of <c>MetaSpec.Theory</c>).
/// </remarks>
public interface IObjective<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Length of θ.</summary>
    int ParameterCount { get; }

    /// <summary>The named tensors θ is made of, covering it in order (checkpoints store them by these names).</summary>
    IReadOnlyList<ParameterTensor> Tensors { get; }

    /// <summary>Values per input sample.</summary>
    int InputSize { get; }

    /// <summary>Target values per sample.</summary>
    int TargetSize { get; }

    /// <summary>
    /// Buffers for one thread and batches of up to <paramref name="maxBatch"/> samples; an evaluator made
    /// without <paramref name="hessianVectorProducts"/> may skip what only Hessian-vector products need.
    /// </summary>
    IObjectiveEvaluator<T> CreateEvaluator(int maxBatch, bool hessianVectorProducts = true);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first sample the objective cannot use.</summary>
    void Validate(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, string set);

    /// <summary>
    /// One thread's accuracy evaluator for batches of up to <paramref name="maxBatch"/> samples when the model
    /// classifies (its outputs are class scores, its targets class indices); null otherwise.
    /// </summary>
    IAccuracyEvaluator<T>? CreateAccuracyEvaluator(int maxBatch) => null;
}

/// <summary>One thread's evaluator of an <see cref="IObjective{T}"/>: allocation-free, not thread-safe.</summary>
/// <remarks>Inputs are trusted here (validated once per task), so the inner loop pays no checks.</remarks>
public interface IObjectiveEvaluator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>L(θ).</summary>
    T Loss(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets);

    /// <summary>L(θ), writing ∇L(θ) into <paramref name="gradient"/>.</summary>
    T Gradient(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, Span<T> gradient);

    /// <summary>L(θ), writing ∇L(θ) and the exact ∇²L(θ)·v.</summary>
    T HessianVectorProduct(ReadOnlySpan<T> parameters, ReadOnlySpan<T> direction, ReadOnlySpan<T> inputs,
        ReadOnlySpan<T> targets, Span<T> gradient, Span<T> product);
}

/// <summary>Fraction of samples whose highest-scoring class is the label.</summary>
public interface IAccuracyEvaluator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Accuracy in [0, 1] of the model with <paramref name="parameters"/> on the samples.</summary>
    T Accuracy(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> labels);
}
