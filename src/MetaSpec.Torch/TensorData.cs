using System.Numerics;
using System.Runtime.InteropServices;
using MetaSpec.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace MetaSpec.Torch;

/// <summary>Copies between the managed engine's arrays (float or double) and tensors on a device.</summary>
internal static class TensorData
{
    public static ScalarType ScalarTypeOf<T>() =>
        typeof(T) == typeof(float) ? ScalarType.Float32
        : typeof(T) == typeof(double) ? ScalarType.Float64
        : throw new NotSupportedException($"The torch backend computes in float or double, not {typeof(T).Name}.");

    /// <summary>A new tensor of <paramref name="dimensions"/> holding a copy of <paramref name="values"/>.</summary>
    public static Tensor ToTensor<T>(ReadOnlySpan<T> values, long[] dimensions, Device device) where T : unmanaged
    {
        // The array is fresh, so the CPU tensor may share it; a device copy happens in to().
        Tensor cpu = typeof(T) == typeof(float)
            ? tensor(MemoryMarshal.Cast<T, float>(values).ToArray(), dimensions, ScalarType.Float32)
            : typeof(T) == typeof(double)
                ? tensor(MemoryMarshal.Cast<T, double>(values).ToArray(), dimensions, ScalarType.Float64)
                : throw new NotSupportedException($"The torch backend computes in float or double, not {typeof(T).Name}.");
        return device.type == DeviceType.CPU ? cpu : cpu.to(device);
    }

    /// <summary>Copies <paramref name="source"/> (any device, the element type of T) into <paramref name="destination"/>.</summary>
    public static void CopyTo<T>(Tensor source, Span<T> destination) where T : unmanaged
    {
        using var cpu = source.detach().cpu().contiguous();
        if (cpu.numel() != destination.Length) throw new ArgumentException($"The tensor holds {cpu.numel()} values; the destination {destination.Length}.");
        if (typeof(T) == typeof(float)) cpu.to_type(ScalarType.Float32).data<float>().CopyTo(MemoryMarshal.Cast<T, float>(destination));
        else if (typeof(T) == typeof(double)) cpu.to_type(ScalarType.Float64).data<double>().CopyTo(MemoryMarshal.Cast<T, double>(destination));
        else throw new NotSupportedException($"The torch backend computes in float or double, not {typeof(T).Name}.");
    }

    /// <summary>The values of a small tensor as doubles.</summary>
    public static double[] ToDoubles(Tensor source)
    {
        using var cpu = source.detach().cpu().to_type(ScalarType.Float64).contiguous();
        return cpu.data<double>().ToArray();
    }

    /// <summary>
    /// The support and query sets of <paramref name="tasks"/> as one batch on <paramref name="device"/>; class indices
    /// become int64 for cross-entropy.
    /// </summary>
    public static TorchTaskBatch Batch<T>(IReadOnlyList<TaskData<T>> tasks, TorchModel model, TorchLoss loss, Device device)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (tasks.Count == 0) throw new ArgumentException("A batch needs at least one task.", nameof(tasks));
        var first = tasks[0];
        foreach (var t in tasks)
            if (t.SupportCount != first.SupportCount || t.QueryCount != first.QueryCount)
                throw new ArgumentException($"The tasks of a batch must have the same sizes: {first.SupportCount}+{first.QueryCount} and {t.SupportCount}+{t.QueryCount} samples.", nameof(tasks));
        return new TorchTaskBatch(
            Inputs(tasks, t => t.SupportInputs, first.SupportCount, model, device),
            Targets(tasks, t => t.SupportTargets, first.SupportCount, model, loss, device),
            Inputs(tasks, t => t.QueryInputs, first.QueryCount, model, device),
            Targets(tasks, t => t.QueryTargets, first.QueryCount, model, loss, device));
    }

    public static Tensor Inputs<T>(IReadOnlyList<TaskData<T>> tasks, Func<TaskData<T>, T[]> set, int count, TorchModel model, Device device)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = model.Input.Size;
        var all = new T[tasks.Count * count * size];
        for (int t = 0; t < tasks.Count; t++) set(tasks[t]).AsSpan(0, count * size).CopyTo(all.AsSpan(t * count * size));
        return ToTensor<T>(all, InputShape(tasks.Count, count, model.Input), device);
    }

    public static long[] InputShape(long tasks, long count, Shape shape) =>
        shape.IsVector ? [tasks, count, shape.Channels] : [tasks, count, shape.Channels, shape.Height, shape.Width];

    public static Tensor Targets<T>(IReadOnlyList<TaskData<T>> tasks, Func<TaskData<T>, T[]> set, int count, TorchModel model, TorchLoss loss, Device device)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (loss == TorchLoss.CrossEntropy)
        {
            var labels = new long[tasks.Count * count];
            for (int t = 0; t < tasks.Count; t++)
                for (int b = 0; b < count; b++)
                    labels[t * count + b] = long.CreateTruncating(set(tasks[t])[b]);
            Tensor cpu = tensor(labels, [tasks.Count, count], ScalarType.Int64);
            return device.type == DeviceType.CPU ? cpu : cpu.to(device);
        }
        int width = model.Output.Channels;
        var all = new T[tasks.Count * count * width];
        for (int t = 0; t < tasks.Count; t++) set(tasks[t]).AsSpan(0, count * width).CopyTo(all.AsSpan(t * count * width));
        return ToTensor<T>(all, [tasks.Count, count, width], device);
    }
}
