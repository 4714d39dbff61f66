using System.Numerics;
using MetaSpec.Layers;

namespace MetaSpec.IO;

/// <summary>
/// Saves and loads flat parameter buffers as safetensors, one tensor per <see cref="ParameterTensor"/> under its
/// name (PyTorch's state_dict names for a network: <c>hidden1.weight</c>), so PyTorch's loader reads them.
/// </summary>
public static class Checkpoint
{
    /// <summary>The format tag written into the metadata.</summary>
    public const string Format = "metaspec/1";

    /// <summary>
    /// Writes <paramref name="values"/>, laid out by <paramref name="tensors"/>, atomically to <paramref name="path"/>. Refuses
    /// non-finite values (naming the tensor and index) before touching the file, so an existing checkpoint is kept.
    /// </summary>
    public static void Save<T>(string path, IReadOnlyList<ParameterTensor> tensors, ReadOnlySpan<T> values, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        Guard.Length(values.Length, LengthOf(tensors), nameof(values));
        string dtype = typeof(T) == typeof(double) ? "F64" : "F32";
        var stored = new List<SafeTensor>(tensors.Count);
        foreach (var t in tensors)
        {
            var data = new double[t.Length];
            for (int i = 0; i < data.Length; i++)
            {
                T v = values[t.Offset + i];
                if (!T.IsFinite(v))
                    throw new ArgumentException(
                        $"Refusing to save '{path}': tensor '{t.Name}' holds {v} at index {i} (did training diverge?). Any existing file was left as it was.",
                        nameof(values));
                data[i] = double.CreateTruncating(v);
            }
            stored.Add(new SafeTensor(t.Name, dtype, Array.ConvertAll(t.Dimensions, d => (long)d), data));
        }
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal) { ["format"] = Format };
        SafeTensors.Save(path, stored, meta);
    }

    /// <summary>Reads the values laid out by <paramref name="tensors"/> from <paramref name="path"/> (see <see cref="Read{T}"/>).</summary>
    public static T[] Load<T>(string path, IReadOnlyList<ParameterTensor> tensors) where T : unmanaged, IFloatingPointIeee754<T> =>
        Read<T>(path, SafeTensors.Load(path), tensors);

    /// <summary>
    /// The values laid out by <paramref name="tensors"/> from the loaded file <paramref name="path"/>: every tensor must be
    /// present with its shape and finite values, and no other tensor may be.
    /// </summary>
    public static T[] Read<T>(string path, SafeTensorsContent content, IReadOnlyList<ParameterTensor> tensors) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(tensors);
        var values = new T[LengthOf(tensors)];
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            expected.Add(t.Name);
            var found = content.Find(t.Name) ?? throw new InvalidDataException(
                $"'{path}' has no tensor '{t.Name}'. It holds: {string.Join(", ", content.Tensors.Select(x => x.Name))}.");
            if (!found.Shape.SequenceEqual(Array.ConvertAll(t.Dimensions, d => (long)d)))
                throw new InvalidDataException($"'{path}': tensor '{t.Name}' has shape [{string.Join(", ", found.Shape)}] but the model expects [{string.Join(", ", t.Dimensions)}].");
            for (int i = 0; i < found.Values.Length; i++)
            {
                if (!double.IsFinite(found.Values[i])) throw new InvalidDataException($"'{path}': tensor '{t.Name}' holds a non-finite value at index {i}.");
                values[t.Offset + i] = T.CreateTruncating(found.Values[i]);
            }
        }
        var extra = content.Tensors.Select(t => t.Name).Where(n => !expected.Contains(n)).ToList();
        if (extra.Count > 0)
            throw new InvalidDataException($"'{path}' holds tensors this model does not have: {string.Join(", ", extra)}" +
                (extra.All(n => n.StartsWith("step_size.", StringComparison.Ordinal)) ? " (step sizes of a Meta-SGD run?)." : "."));
        return values;
    }

    private static int LengthOf(IReadOnlyList<ParameterTensor> tensors)
    {
        int end = 0;
        foreach (var t in tensors) end = Math.Max(end, t.End);
        return end;
    }
}
