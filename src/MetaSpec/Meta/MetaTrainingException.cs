namespace MetaSpec.Meta;

/// <summary>
/// Meta-training stopped because a task produced a non-finite loss or gradient. The trainer's
/// meta-parameters are those of the last good iteration.
/// </summary>
public sealed class MetaTrainingException(string message, long iteration, int task, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The meta-iteration (0-based) that failed.</summary>
    public long Iteration { get; } = iteration;

    /// <summary>The task of the meta-batch (0-based) that failed.</summary>
    public int Task { get; } = task;
}
