using System.Numerics;

namespace MetaSpec.Tasks;

/// <summary>
/// A distribution over tasks p(T): draws a task with its support and query data, and for the
/// resampling inner loop, fresh support data from a task already drawn.
/// </summary>
public interface ITaskDistribution<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Shape of one input sample.</summary>
    Shape InputShape { get; }

    /// <summary>Target values per sample: the output width for regression, 1 (a class index) for classification.</summary>
    int TargetSize { get; }

    /// <summary>Support samples per task (e.g. K for regression, N·K for N-way K-shot).</summary>
    int SupportCount { get; }

    /// <summary>Query samples per task.</summary>
    int QueryCount { get; }

    /// <summary>Length of <see cref="TaskData{T}.Descriptor"/>.</summary>
    int DescriptorLength { get; }

    /// <summary>Draws a new task into <paramref name="task"/>: descriptor, support and query sets.</summary>
    void Sample(Random random, TaskData<T> task);

    /// <summary>Overwrites the support set with fresh samples of the same task (its descriptor is kept).</summary>
    void ResampleSupport(Random random, TaskData<T> task);
}

/// <summary>Helpers every task distribution gets.</summary>
public static class TaskDistributionExtensions
{
    /// <summary>Storage shaped for <paramref name="tasks"/>' tasks.</summary>
    public static TaskData<T> CreateTaskData<T>(this ITaskDistribution<T> tasks) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tasks);
        return new(tasks.InputShape.Size, tasks.TargetSize, tasks.SupportCount, tasks.QueryCount, tasks.DescriptorLength);
    }
}
