using System.Numerics;

namespace MetaSpec.Tasks;

/// <summary>
/// A finite set of tasks, handed out in a fixed cyclic order, so a meta-batch as large as the pool sees
/// every task exactly once: the finite-sum meta-objective whose fixed points have closed forms.
/// </summary>
public sealed class TaskPool<T> : ITaskDistribution<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly TaskData<T>[] _tasks;
    private int _next;

    /// <summary>A pool of tasks that share one input shape and set sizes.</summary>
    public TaskPool(Shape inputShape, IReadOnlyList<TaskData<T>> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (tasks.Count == 0) throw new ArgumentException("A task pool needs at least one task.", nameof(tasks));
        var first = tasks[0];
        foreach (var t in tasks)
            if (t.InputSize != inputShape.Size || t.TargetSize != first.TargetSize || t.SupportCount != first.SupportCount
                || t.QueryCount != first.QueryCount || t.Descriptor.Length != first.Descriptor.Length)
                throw new ArgumentException("Every task of a pool must have the same input shape, target size, set sizes and descriptor length.", nameof(tasks));
        InputShape = inputShape;
        _tasks = [.. tasks];
    }

    /// <inheritdoc/>
    public Shape InputShape { get; }

    /// <inheritdoc/>
    public int TargetSize => _tasks[0].TargetSize;

    /// <inheritdoc/>
    public int SupportCount => _tasks[0].SupportCount;

    /// <inheritdoc/>
    public int QueryCount => _tasks[0].QueryCount;

    /// <inheritdoc/>
    public int DescriptorLength => _tasks[0].Descriptor.Length;

    /// <summary>Number of tasks in the pool.</summary>
    public int Count => _tasks.Length;

    /// <summary>Copies the next task of the cycle; <paramref name="random"/> is not used.</summary>
    public void Sample(Random random, TaskData<T> task)
    {
        var source = _tasks[_next];
        _next = (_next + 1) % _tasks.Length;
        source.SupportInputs.CopyTo(task.SupportInputs, 0);
        source.SupportTargets.CopyTo(task.SupportTargets, 0);
        source.QueryInputs.CopyTo(task.QueryInputs, 0);
        source.QueryTargets.CopyTo(task.QueryTargets, 0);
        source.Descriptor.CopyTo(task.Descriptor, 0);
    }

    /// <summary>A pool has no more data per task: throws.</summary>
    public void ResampleSupport(Random random, TaskData<T> task) =>
        throw new NotSupportedException("A task pool holds fixed data and cannot draw fresh support samples.");
}
