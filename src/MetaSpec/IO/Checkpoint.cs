using System.Globalization;
using System.Numerics;
using MetaSpec.Meta;
using MetaSpec.Models;

namespace MetaSpec.IO;

/// <summary>
/// Saves and loads a network's meta-parameters as safetensors, one tensor per parameter tensor named as in
/// PyTorch's state_dict (<c>hidden1.weight</c>), so PyTorch's loader reads them; Meta-SGD's learned step
/// sizes follow as <c>step_size.hidden1.weight</c>.
/// </summary>
public static class Checkpoint
{
    /// <summary>The format tag written into the metadata.</summary>
    public const string Format = "metaspec/1";

    /// <summary>Writes <paramref name="metaParameters"/> of <paramref name="network"/> atomically to <paramref name="path"/>.</summary>
    public static void Save<T>(string path, Sequential<T> network, ReadOnlySpan<T> metaParameters, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        bool stepSizes = CheckLength(network, metaParameters.Length);
        string dtype = typeof(T) == typeof(double) ? "F64" : "F32";
        var tensors = new List<SafeTensor>();
        foreach (int part in stepSizes ? new[] { 0, 1 } : [0])
            foreach (var t in network.Tensors)
            {
                var values = new double[t.Length];
                for (int i = 0; i < values.Length; i++) values[i] = double.CreateTruncating(metaParameters[part * network.ParameterCount + t.Offset + i]);
                tensors.Add(new SafeTensor(part == 0 ? t.Name : "step_size." + t.Name, dtype, Array.ConvertAll(t.Dimensions, d => (long)d), values));
            }
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            ["format"] = Format,
            ["parameters"] = network.ParameterCount.ToString(CultureInfo.InvariantCulture),
        };
        SafeTensors.Save(path, tensors, meta);
    }

    /// <summary>
    /// Reads meta-parameters for <paramref name="network"/> (with step sizes when <paramref name="withStepSizes"/>);
    /// every tensor must be present with the network's shape and finite values, and no other tensor may be.
    /// </summary>
    public static T[] Load<T>(string path, Sequential<T> network, bool withStepSizes = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        var content = SafeTensors.Load(path);
        int p = network.ParameterCount;
        var meta = new T[withStepSizes ? 2 * p : p];
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (int part in withStepSizes ? new[] { 0, 1 } : [0])
            foreach (var t in network.Tensors)
            {
                string name = part == 0 ? t.Name : "step_size." + t.Name;
                expected.Add(name);
                var found = content.Find(name) ?? throw new InvalidDataException(
                    $"'{path}' has no tensor '{name}'. It holds: {string.Join(", ", content.Tensors.Select(x => x.Name))}.");
                if (!found.Shape.SequenceEqual(Array.ConvertAll(t.Dimensions, d => (long)d)))
                    throw new InvalidDataException($"'{path}': tensor '{name}' has shape [{string.Join(", ", found.Shape)}] but the network expects [{string.Join(", ", t.Dimensions)}].");
                for (int i = 0; i < found.Values.Length; i++)
                {
                    if (!double.IsFinite(found.Values[i])) throw new InvalidDataException($"'{path}': tensor '{name}' holds a non-finite value at index {i}.");
                    meta[part * p + t.Offset + i] = T.CreateTruncating(found.Values[i]);
                }
            }
        var extra = content.Tensors.Select(t => t.Name).Where(n => !expected.Contains(n)).ToList();
        if (extra.Count > 0)
            throw new InvalidDataException($"'{path}' holds tensors this network does not have: {string.Join(", ", extra)}{(withStepSizes ? "" : " (step sizes of a Meta-SGD run?)")}.");
        return meta;
    }

    /// <summary>Saves a problem's meta-parameters; its objective must be a network.</summary>
    public static void Save<T>(string path, MetaProblem<T> problem, ReadOnlySpan<T> metaParameters, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Save(path, NetworkOf(problem), metaParameters, metadata);

    /// <summary>Loads a problem's meta-parameters (with step sizes for Meta-SGD).</summary>
    public static T[] Load<T>(string path, MetaProblem<T> problem) where T : unmanaged, IFloatingPointIeee754<T> =>
        Load(path, NetworkOf(problem), problem.Inner.LearnStepSizes);

    private static Sequential<T> NetworkOf<T>(MetaProblem<T> problem) where T : unmanaged, IFloatingPointIeee754<T> =>
        problem?.Objective is NetworkObjective<T> n ? n.Network : throw new ArgumentException("Checkpoints hold network parameters; this problem's objective is not a network.", nameof(problem));

    private static bool CheckLength<T>(Sequential<T> network, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (length == network.ParameterCount) return false;
        if (length == 2 * network.ParameterCount) return true;
        throw new ArgumentException($"The network has {network.ParameterCount} parameters; expected {network.ParameterCount} values (or {2 * network.ParameterCount} with step sizes), got {length}.");
    }
}
