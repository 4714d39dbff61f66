using System.Numerics;

namespace MetaSpec.Tasks;

/// <summary>
/// Preallocated storage for one task: its support set (what the inner loop adapts on) and its query set
/// (what the meta-objective scores), plus a small descriptor of the task itself (e.g. a sinusoid's
/// amplitude and phase, an episode's classes) from which fresh support data can be drawn.
/// Samplers fill it in place, so a training loop allocates nothing per task.
/// </summary>
/// <remarks>
/// Inputs are batch-major, <see cref="InputSize"/> values per sample; targets hold
/// <see cref="TargetSize"/> values per sample (regression values, or one class index for classification).
/// </remarks>
public sealed class TaskData<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Storage for <paramref name="supportCount"/> support and <paramref name="queryCount"/> query samples.</summary>
    public TaskData(int inputSize, int targetSize, int supportCount, int queryCount, int descriptorLength = 0)
    {
        if (supportCount < 1) throw new ArgumentOutOfRangeException(nameof(supportCount), supportCount, "A task needs at least one support sample: the inner loop has nothing to adapt on.");
        if (queryCount < 1) throw new ArgumentOutOfRangeException(nameof(queryCount), queryCount, "A task needs at least one query sample: the meta-objective has nothing to score.");
        if (inputSize < 1) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "A sample needs at least one input value.");
        if (targetSize < 1) throw new ArgumentOutOfRangeException(nameof(targetSize), targetSize, "A sample needs at least one target value.");
        ArgumentOutOfRangeException.ThrowIfNegative(descriptorLength);
        InputSize = inputSize;
        TargetSize = targetSize;
        SupportCount = supportCount;
        QueryCount = queryCount;
        SupportInputs = new T[supportCount * inputSize];
        SupportTargets = new T[supportCount * targetSize];
        QueryInputs = new T[queryCount * inputSize];
        QueryTargets = new T[queryCount * targetSize];
        Descriptor = new double[descriptorLength];
    }

    /// <summary>Values per input sample.</summary>
    public int InputSize { get; }

    /// <summary>Target values per sample.</summary>
    public int TargetSize { get; }

    /// <summary>Number of support samples.</summary>
    public int SupportCount { get; }

    /// <summary>Number of query samples.</summary>
    public int QueryCount { get; }

    /// <summary>Support inputs, <see cref="SupportCount"/> × <see cref="InputSize"/>.</summary>
    public T[] SupportInputs { get; }

    /// <summary>Support targets, <see cref="SupportCount"/> × <see cref="TargetSize"/>.</summary>
    public T[] SupportTargets { get; }

    /// <summary>Query inputs, <see cref="QueryCount"/> × <see cref="InputSize"/>.</summary>
    public T[] QueryInputs { get; }

    /// <summary>Query targets, <see cref="QueryCount"/> × <see cref="TargetSize"/>.</summary>
    public T[] QueryTargets { get; }

    /// <summary>What identifies the task to its distribution (amplitude and phase, class indices, …).</summary>
    public double[] Descriptor { get; }
}
