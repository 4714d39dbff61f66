using System.Numerics;

namespace MetaSpec.Tasks;

/// <summary>Checks that a <see cref="TaskData{T}"/> was shaped for the distribution about to fill it.</summary>
internal static class TaskDataChecks
{
    /// <summary>Throws unless every size of <paramref name="task"/> matches <paramref name="distribution"/>.</summary>
    public static void ShapedFor<T>(TaskData<T> task, ITaskDistribution<T> distribution)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.InputSize != distribution.InputShape.Size || task.TargetSize != distribution.TargetSize
            || task.SupportCount != distribution.SupportCount || task.QueryCount != distribution.QueryCount
            || task.Descriptor.Length != distribution.DescriptorLength)
        {
            throw new ArgumentException(
                $"The task storage (inputs {task.InputSize}, targets {task.TargetSize}, support {task.SupportCount}, " +
                $"query {task.QueryCount}, descriptor {task.Descriptor.Length}) does not fit {distribution.GetType().Name.Split('`')[0]} " +
                $"(inputs {distribution.InputShape.Size}, targets {distribution.TargetSize}, support {distribution.SupportCount}, " +
                $"query {distribution.QueryCount}, descriptor {distribution.DescriptorLength}); create it with CreateTaskData().",
                nameof(task));
        }
    }
}
