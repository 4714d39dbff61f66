using System.Numerics;

namespace MetaSpec.Meta;

/// <summary>
/// A twice-differentiable loss L(θ; data) of a flat parameter vector θ on one data set
/// (a task's support or query samples). It describes the function; the arithmetic happens in an
/// <see cref="IObjectiveEvaluator{T}"/> that owns one thread's buffers.
/// </summary>
public interface IObjective<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Length of θ.</summary>
    int ParameterCount { get; }

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
