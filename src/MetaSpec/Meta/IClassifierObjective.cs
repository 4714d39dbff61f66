using System.Numerics;

namespace MetaSpec.Meta;

/// <summary>An objective whose model classifies: its outputs are class scores and its targets class indices.</summary>
public interface IClassifierObjective<T> : IObjective<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Whether the outputs really are class scores (e.g. a network trained with cross-entropy).</summary>
    bool IsClassifier { get; }

    /// <summary>One thread's accuracy evaluator for batches of up to <paramref name="maxBatch"/> samples.</summary>
    IAccuracyEvaluator<T> CreateAccuracyEvaluator(int maxBatch);
}

/// <summary>Fraction of samples whose highest-scoring class is the label.</summary>
public interface IAccuracyEvaluator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Accuracy in [0, 1] of the model with <paramref name="parameters"/> on the samples.</summary>
    T Accuracy(ReadOnlySpan<T> parameters, ReadOnlySpan<T> inputs, ReadOnlySpan<T> labels);
}
