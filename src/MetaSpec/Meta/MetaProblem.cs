using System.Numerics;
using MetaSpec.Engine;
using MetaSpec.Losses;
using MetaSpec.Models;
using MetaSpec.Tasks;

namespace MetaSpec.Meta;

/// <summary>
/// A complete meta-learning problem: the objective (model and loss), the inner loop, which parameters
/// it adapts, and the hypergradient method. The meta-parameters are θ, followed by one step size per
/// parameter when <see cref="InnerLoop.LearnStepSizes"/> is set (Meta-SGD).
/// </summary>
public sealed class MetaProblem<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A problem whose inner loop adapts the parameters where <paramref name="adapted"/> is true (all when null).</summary>
    public MetaProblem(IObjective<T> objective, InnerLoop inner, Hypergradient method, bool[]? adapted = null)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(method);
        method.Validate(inner);
        Objective = objective;
        Inner = inner;
        Method = method;
        int p = objective.ParameterCount;
        if (adapted is not null && adapted.Length != p)
            throw new ArgumentException($"The adapted mask has {adapted.Length} entries but the model has {p} parameters.", nameof(adapted));
        Mask = new T[p];
        int count = 0;
        for (int i = 0; i < p; i++)
            if (adapted is null || adapted[i]) { Mask[i] = T.One; count++; }
        if (count == 0) throw new ArgumentException("The adapted subset is empty: the inner loop would change nothing.", nameof(adapted));
        AdaptedCount = count;
        NotMask = new T[p];
        for (int i = 0; i < p; i++) NotMask[i] = T.One - Mask[i];
        Geometry = new DiagonalGeometry<T>(p, inner.StepSize, inner.LearnStepSizes);
    }

    /// <summary>A network problem adapting the named layers (all layers when none are named: MAML).</summary>
    public static MetaProblem<T> ForNetwork(Sequential<T> network, ILoss<T> loss, InnerLoop inner, Hypergradient method, params string[] adaptedLayers)
    {
        ArgumentNullException.ThrowIfNull(network);
        bool[]? mask = null;
        if (adaptedLayers is { Length: > 0 })
        {
            mask = new bool[network.ParameterCount];
            foreach (string name in adaptedLayers)
            {
                var segment = network.Segment(name);
                if (segment.Length == 0) throw new ArgumentException($"Layer '{name}' has no parameters to adapt.", nameof(adaptedLayers));
                mask.AsSpan(segment.Offset, segment.Length).Fill(true);
            }
        }
        return new MetaProblem<T>(new NetworkObjective<T>(network, loss), inner, method, mask);
    }

    /// <summary>The task loss.</summary>
    public IObjective<T> Objective { get; }

    /// <summary>The inner loop.</summary>
    public InnerLoop Inner { get; }

    /// <summary>The hypergradient method.</summary>
    public Hypergradient Method { get; }

    /// <summary>1 where the inner loop adapts a parameter, 0 elsewhere.</summary>
    public T[] Mask { get; }

    /// <summary>1 − <see cref="Mask"/>: 1 where a parameter stays at θ during the inner loop.</summary>
    internal T[] NotMask { get; }

    /// <summary>The inner step's geometry P: α⊙M, fixed or learned (Meta-SGD).</summary>
    internal InnerGeometry<T> Geometry { get; }

    /// <summary>Number of adapted parameters.</summary>
    public int AdaptedCount { get; }

    /// <summary>Length of θ.</summary>
    public int ParameterCount => Objective.ParameterCount;

    /// <summary>
    /// Run head-only adaptation (ANIL, a re-solved head) on body features computed once per task, when the
    /// adapted subset is the network's last layers and the method allows it (Unrolled, FirstOrder, Reptile).
    /// The meta-gradient is the same; turn it off only to compare.
    /// </summary>
    public bool SpecializeHeadOnly { get; init; } = true;

    /// <summary>The first layer of the adapted head when the specialisation applies; null otherwise.</summary>
    internal int? HeadStartLayer()
    {
        if (!SpecializeHeadOnly || Inner.ResampleSupport || Objective is not NetworkObjective<T> network) return null;
        if (!HypergradientMethods.Find(Method.Kind).Needs.HeadSpecialization) return null;
        int start = Array.IndexOf(Mask, T.One);
        if (start <= 0 || Array.IndexOf(Mask, T.Zero, start) >= 0) return null; // not a proper suffix
        var segments = network.Network.Segments;
        for (int l = 0; l < segments.Count; l++)
            if (segments[l].Length > 0 && segments[l].Offset >= start)
                return segments[l].Offset == start ? l : null;
        return null;
    }

    /// <summary>Length of the meta-parameter vector: θ, plus the learned step sizes for Meta-SGD.</summary>
    public int MetaParameterCount => ParameterCount + Geometry.MetaParameterCount;

    /// <summary>Meta-parameters starting from <paramref name="parameters"/> (and α everywhere for Meta-SGD).</summary>
    public T[] CreateMetaParameters(ReadOnlySpan<T> parameters)
    {
        if (parameters.Length != ParameterCount)
            throw new ArgumentException($"Expected {ParameterCount} parameters, got {parameters.Length}.", nameof(parameters));
        var meta = new T[MetaParameterCount];
        parameters.CopyTo(meta);
        Geometry.Initialize(meta.AsSpan(ParameterCount));
        return meta;
    }

    /// <summary>One thread's worker for tasks with up to the given number of support and query samples.</summary>
    public TaskWorker<T> CreateWorker(int maxSupport, int maxQuery, ITaskDistribution<T>? resampler = null) =>
        new(this, maxSupport, maxQuery, resampler);
}
