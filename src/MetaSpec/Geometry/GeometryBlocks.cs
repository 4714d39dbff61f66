using MetaSpec.Layers;
using System.Numerics;
using MetaSpec.Models;

namespace MetaSpec.Geometry;

/// <summary>
/// The blocks an inner-loop geometry acts on: the parameter tensors of the adapted layers, each a contiguous
/// range of θ with its row-major shape (<c>hidden1.weight</c> [40, 1] …), in θ order. Parameters outside every
/// block are not adapted: each geometry's step is zero there.
/// </summary>
internal static class GeometryBlocks
{
    /// <summary>The tensors of the named layers of <paramref name="network"/> (of every layer when none are named).</summary>
    public static IReadOnlyList<ParameterTensor> Of<T>(Sequential<T> network, params string[] adaptedLayers)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        if (adaptedLayers is not { Length: > 0 }) return network.Tensors;
        var segments = new List<ParameterSegment>();
        foreach (string name in adaptedLayers)
        {
            var segment = network.Segment(name);
            if (segment.Length == 0) throw new ArgumentException($"Layer '{name}' has no parameters to adapt.", nameof(adaptedLayers));
            segments.Add(segment);
        }
        return network.Tensors.Where(t => segments.Any(s => t.Offset >= s.Offset && t.Offset < s.End)).ToArray();
    }

    /// <summary>
    /// Throws unless <paramref name="blocks"/> is a non-empty list of uniquely named tensors with positive dimensions,
    /// in increasing, non-overlapping order inside θ of length <paramref name="parameterCount"/>.
    /// </summary>
    internal static ParameterTensor[] Validate(int parameterCount, IReadOnlyList<ParameterTensor> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameterCount);
        if (blocks.Count == 0) throw new ArgumentException("A geometry needs at least one parameter tensor to act on.", nameof(blocks));
        var names = new HashSet<string>(StringComparer.Ordinal);
        int end = 0;
        foreach (var t in blocks)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(blocks));
            if (string.IsNullOrWhiteSpace(t.Name)) throw new ArgumentException("A geometry block has no name.", nameof(blocks));
            if (!names.Add(t.Name)) throw new ArgumentException($"Two geometry blocks are named '{t.Name}'.", nameof(blocks));
            if (t.Dimensions.Length == 0 || t.Dimensions.Any(d => d < 1))
                throw new ArgumentException($"Block '{t.Name}' has shape {Format(t.Dimensions)}; every dimension must be at least 1.", nameof(blocks));
            if (t.Offset < end)
                throw new ArgumentException($"Block '{t.Name}' starts at {t.Offset}, inside the previous block (which ends at {end}); blocks must be in θ order and must not overlap.", nameof(blocks));
            end = t.Offset + t.Length;
            if (end > parameterCount)
                throw new ArgumentException($"Block '{t.Name}' {Format(t.Dimensions)} at {t.Offset} ends at {end}, beyond θ's {parameterCount} values.", nameof(blocks));
        }
        return blocks.ToArray();
    }

    /// <summary>Zeroes the entries of <paramref name="values"/> outside every block.</summary>
    internal static void ClearOutside<T>(ParameterTensor[] blocks, Span<T> values)
    {
        int at = 0;
        foreach (var t in blocks)
        {
            values.Slice(at, t.Offset - at).Clear();
            at = t.Offset + t.Length;
        }
        values.Slice(at).Clear();
    }

    /// <summary>The shape as text, for messages and docs: [64, 64, 3, 3].</summary>
    internal static string Format(int[] dimensions) => $"[{string.Join(", ", dimensions)}]";
}
