using System.Numerics;
using MetaSpec.Engine;
using MetaSpec.Layers;
using MetaSpec.Losses;
using MetaSpec.Models;
using MetaSpec.Specification;
using MetaSpec.Tasks;

namespace MetaSpec.Meta;

/// <summary>
/// A complete meta-learning problem: the model and its loss, the inner loop, which parameters it adapts, and the
/// hypergradient method. The meta-parameters are θ, followed by the inner step's own meta-parameters when its
/// <see cref="InnerLoop.Geometry"/> has any: one step size per parameter for Meta-SGD, θ_P for a learned preconditioner,
/// θ_g for a learned mirror map (then θ is the dual start z₀).
/// </summary>
/// <remarks>
/// Usually a network problem (<see cref="ForNetwork"/>), where <see cref="Network"/> and <see cref="Loss"/> are set;
/// any other twice-differentiable <see cref="IObjective{T}"/> works for training and evaluation too. Derive variants
/// with <see cref="With"/> rather than rebuilding: they share the model and the adapted subset.
/// </remarks>
public sealed class MetaProblem<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _mask;

    /// <summary>A network problem adapting the parameters where <paramref name="adapted"/> is true (all when null).</summary>
    public MetaProblem(Sequential<T> network, ILoss<T> loss, InnerLoop inner, Hypergradient method, bool[]? adapted = null)
        : this(new NetworkObjective<T>(network, loss), network, loss, inner, method, MaskOf(network?.ParameterCount ?? 0, adapted), specializeHeadOnly: true)
    {
    }

    /// <summary>A problem on a model of any kind, adapting the parameters where <paramref name="adapted"/> is true (all when null).</summary>
    public MetaProblem(IObjective<T> objective, InnerLoop inner, Hypergradient method, bool[]? adapted = null)
        : this(objective, null, null, inner, method, MaskOf(objective?.ParameterCount ?? 0, adapted), specializeHeadOnly: true)
    {
    }

    private MetaProblem(IObjective<T> objective, Sequential<T>? network, ILoss<T>? loss, InnerLoop inner, Hypergradient method, T[] mask,
        bool specializeHeadOnly)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(method);
        method.Validate(inner);
        int count = 0;
        foreach (T m in mask) if (m != T.Zero) count++;
        if (count == 0) throw new ArgumentException("The adapted subset is empty: the inner loop would change nothing.", "adapted");
        if (inner.ResetAdaptedToZero && count == mask.Length)
            throw new ArgumentException(
                "ResetAdaptedToZero re-solves the adapted subset from zero for every task, but every parameter adapts, so nothing would be " +
                "meta-learned. Adapt only the head ([Adapt] on its layer) or turn ResetAdaptedToZero off.", nameof(inner));
        Objective = objective;
        Network = network;
        Loss = loss;
        Inner = inner;
        Method = method;
        _mask = mask;
        AdaptedCount = count;
        SpecializeHeadOnly = specializeHeadOnly;
        Geometry = InnerGeometry<T>.Create(inner, objective.Tensors, mask);
        MetaTensors = [.. objective.Tensors, .. Geometry.Tensors(objective.Tensors, objective.ParameterCount)];
    }

    private static T[] MaskOf(int parameterCount, bool[]? adapted)
    {
        if (adapted is not null && adapted.Length != parameterCount)
            throw new ArgumentException($"The adapted mask has {adapted.Length} entries but the model has {parameterCount} parameters.", nameof(adapted));
        var mask = new T[parameterCount];
        for (int i = 0; i < parameterCount; i++)
            if (adapted is null || adapted[i]) mask[i] = T.One;
        return mask;
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
        return new MetaProblem<T>(network, loss, inner, method, mask);
    }

    /// <summary>
    /// This problem with another inner loop, method or specialisation setting (the model and the adapted subset are
    /// shared), validated like a new one.
    /// </summary>
    public MetaProblem<T> With(InnerLoop? inner = null, Hypergradient? method = null, bool? specializeHeadOnly = null) =>
        new(Objective, Network, Loss, inner ?? Inner, method ?? Method, _mask, specializeHeadOnly ?? SpecializeHeadOnly);

    /// <summary>The task loss as a function of θ.</summary>
    public IObjective<T> Objective { get; }

    /// <summary>The network, for a network problem; null for other objectives.</summary>
    public Sequential<T>? Network { get; }

    /// <summary>The loss on the network's outputs, for a network problem; null for other objectives.</summary>
    public ILoss<T>? Loss { get; }

    /// <summary>The inner loop.</summary>
    public InnerLoop Inner { get; }

    /// <summary>The hypergradient method.</summary>
    public Hypergradient Method { get; }

    /// <summary>1 where the inner loop adapts a parameter, 0 elsewhere.</summary>
    public ReadOnlySpan<T> Mask => _mask;

    /// <summary>Number of adapted parameters.</summary>
    public int AdaptedCount { get; }

    /// <summary>Length of θ.</summary>
    public int ParameterCount => Objective.ParameterCount;

    /// <summary>Length of the meta-parameter vector: θ, then the inner step's meta-parameters (Meta-SGD's step sizes).</summary>
    public int MetaParameterCount => ParameterCount + Geometry.MetaParameterCount;

    /// <summary>
    /// The named tensors of the meta-parameters, in order: θ's, then the step geometry's (<c>step_size.hidden1.weight</c>,
    /// <c>geometry.conv1.weight.output</c>, <c>mirror.conv2.weight.decoder.0.weight</c>, …; docs/geometry.md).
    /// </summary>
    public IReadOnlyList<ParameterTensor> MetaTensors { get; }

    /// <summary>
    /// Fixed tensors the step geometry is defined with, saved beside the meta-parameters as PyTorch buffers and never
    /// trained (the mirror map's projections <c>mirror.{tensor}.projection</c>); offsets are 0 within each value array.
    /// </summary>
    public IReadOnlyList<(ParameterTensor Tensor, T[] Values)> MetaBuffers => Geometry.Buffers;

    /// <summary>
    /// The norm bound ‖P‖ of the inner step's geometry at <paramref name="metaParameters"/>, relative to α: the inner step
    /// moves at most α·‖P‖ per unit of gradient, so the step-size check is α·‖P‖·N·L ≤ c (1 for MAML's step; for the
    /// mirror map a power-iteration estimate of ‖J_g(z₀)M‖₂).
    /// </summary>
    public double StepNormBound(ReadOnlySpan<T> metaParameters)
    {
        if (metaParameters.Length != MetaParameterCount)
            throw new ArgumentException($"Expected {MetaParameterCount} meta-parameters, got {metaParameters.Length}.", nameof(metaParameters));
        return Geometry.NormBound(metaParameters, ParameterCount);
    }

    /// <summary>
    /// Run head-only adaptation (ANIL, a re-solved head) on body features computed once per task, when the
    /// adapted subset is the network's last layers and the method allows it (Unrolled, FirstOrder, Reptile).
    /// The meta-gradient is the same; turn it off (<see cref="With"/>) only to compare.
    /// </summary>
    public bool SpecializeHeadOnly { get; }

    /// <summary>The inner step's geometry: α⊙M (fixed, or Meta-SGD's learned step sizes), a learned preconditioner, or a mirror map.</summary>
    internal InnerGeometry<T> Geometry { get; }

    /// <summary>The first layer of the adapted head when the specialisation applies; null otherwise.</summary>
    internal int? HeadStartLayer()
    {
        if (!SpecializeHeadOnly || Inner.ResampleSupport || Network is null) return null;
        if (!MethodCapabilities.SupportsHeadSpecialization((HypergradientMethod)Method.Kind) || !Geometry.SupportsHeadSpecialization) return null;
        int start = Array.IndexOf(_mask, T.One);
        if (start <= 0 || Array.IndexOf(_mask, T.Zero, start) >= 0) return null; // not a proper suffix
        var segments = Network.Segments;
        for (int l = 0; l < segments.Count; l++)
            if (segments[l].Length > 0 && segments[l].Offset >= start)
                return segments[l].Offset == start ? l : null;
        return null;
    }

    /// <summary>
    /// Meta-parameters starting from <paramref name="parameters"/>, then the step geometry's initial meta-parameters: α
    /// everywhere for Meta-SGD, identity matrices for a preconditioner, a mirror map that is the identity (its hidden
    /// layers drawn from <paramref name="seed"/>).
    /// </summary>
    public T[] CreateMetaParameters(ReadOnlySpan<T> parameters, int seed = 0)
    {
        if (parameters.Length != ParameterCount)
            throw new ArgumentException($"Expected {ParameterCount} parameters, got {parameters.Length}.", nameof(parameters));
        var meta = new T[MetaParameterCount];
        parameters.CopyTo(meta);
        Geometry.Initialize(meta.AsSpan(ParameterCount), seed);
        return meta;
    }

    /// <summary>
    /// The problem that adapts with <paramref name="steps"/> inner steps (at least one is run) and measures nothing else:
    /// first order, which needs no second-order buffers and is valid with every geometry. For evaluation and
    /// <see cref="NetworkLearner{T}.Adapt"/>.
    /// </summary>
    internal MetaProblem<T> Adapting(int steps, bool resampleSupport) =>
        With(Inner with { Steps = Math.Max(steps, 1), ResampleSupport = resampleSupport }, Hypergradient.FirstOrder);

    /// <summary>One thread's worker for tasks with up to the given number of support and query samples.</summary>
    internal TaskWorker<T> CreateWorker(int maxSupport, int maxQuery, ITaskDistribution<T>? resampler = null) =>
        new(this, maxSupport, maxQuery, resampler);
}
