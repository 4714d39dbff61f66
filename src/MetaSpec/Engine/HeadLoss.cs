using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Losses;
using MetaSpec.Models;

namespace MetaSpec.Engine;

/// <summary>
/// The ANIL specialisation: when the inner loop adapts only the last layers (the head u) of a network, the body φ
/// does not move, so its features of the support and query sets are computed once per task and the losses are the
/// head's on those features. The inner loop and every recursion then run on the head alone. The body's share of the
/// meta-gradient, J_F(query)ᵀ·∂L_Q/∂F − J_F(support)ᵀ·Σⱼ ∂²L_S/∂F∂u·wⱼ, is linear in the feature gradients the
/// query gradient and the Hessian-vector products leave behind, so they are summed and pushed through the body in
/// one backward pass per set (<see cref="CompleteOutside"/>).
/// </summary>
internal sealed class HeadLoss<T> : AdaptedLoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Sequential<T> _body, _head;
    private readonly ILoss<T> _loss;
    private readonly int _bodyCount, _featureSize;
    private readonly Workspace<T> _supportBody, _headSpace;
    private readonly Workspace<T>? _queryBody;
    private readonly T[] _queryFeatureGradient;        // ∂L_Q/∂F of the query features
    private readonly T[] _supportFeatureGradientSum;   // Σⱼ ∂²L_S/∂F∂u·wⱼ over the Hessian-vector products
    private readonly T[] _stepFeatureGradient;         // one product's ∂²L_S/∂F∂u·w
    private readonly T[] _bodySupportGradient;         // J_F(support)ᵀ·Σⱼ(…), subtracted from the body's gradient
    private readonly bool _hasHessianVectorProducts;
    private ReadOnlyMemory<T> _start;                  // θ₀: the body's φ is its first part
    private bool _queryFeaturesReady, _queryGradientTaken, _productsTaken;

    /// <summary>The split of <paramref name="network"/> at layer <paramref name="firstHeadLayer"/>.</summary>
    public HeadLoss(TaskSets<T> sets, Sequential<T> network, ILoss<T> loss, int firstHeadLayer, int maxSupport, int maxQuery, bool hessianVectorProducts)
        : this(sets, Split(network, firstHeadLayer), loss, maxSupport, maxQuery, hessianVectorProducts)
    {
    }

    private HeadLoss(TaskSets<T> sets, (Sequential<T> body, Sequential<T> head) split, ILoss<T> loss, int maxSupport, int maxQuery, bool hessianVectorProducts)
        : base(sets, split.body.ParameterCount, split.head.ParameterCount)
    {
        (_body, _head) = split;
        _loss = loss;
        _bodyCount = _body.ParameterCount;
        _featureSize = _body.OutputShape.Size;
        _hasHessianVectorProducts = hessianVectorProducts;
        // The body only runs forward and backward; only the head needs tangents, and only for second order.
        _supportBody = _body.CreateWorkspace(maxSupport, hessianVectorProducts: false);
        _queryBody = maxQuery > 0 ? _body.CreateWorkspace(maxQuery, hessianVectorProducts: false) : null;
        _headSpace = _head.CreateWorkspace(Math.Max(maxSupport, maxQuery), hessianVectorProducts);
        _queryFeatureGradient = new T[maxQuery * _featureSize];
        _supportFeatureGradientSum = new T[maxSupport * _featureSize];
        _stepFeatureGradient = new T[maxSupport * _featureSize];
        _bodySupportGradient = new T[_bodyCount];
    }

    private static (Sequential<T>, Sequential<T>) Split(Sequential<T> network, int firstHeadLayer)
    {
        var layers = network.Layers.ToArray();
        var body = new Sequential<T>(network.InputShape, layers[..firstHeadLayer]);
        var head = new Sequential<T>(body.OutputShape, layers[firstHeadLayer..]);
        // A fused network's parts stay fused where their layers allow it (a part that starts with an activation does not).
        return network.FusesDenseLayers ? (body.TryFuse() ?? body, head.TryFuse() ?? head) : (body, head);
    }

    public override bool HasHessianVectorProducts => _hasHessianVectorProducts;

    private ReadOnlySpan<T> Phi => _start.Span.Slice(0, _bodyCount);

    private ReadOnlySpan<T> SupportFeatures => _supportBody.Activations[^1].AsSpan(0, Sets.SupportCount * _featureSize);

    /// <summary>Keeps θ₀ by reference; the body's features of the support set now, of the query set when first needed.</summary>
    public override void Begin(ReadOnlyMemory<T> start)
    {
        _start = start;
        _body.ForwardCore(Sets.SupportCount, Phi, Sets.SupportInputs(0), _supportBody);
        _queryFeaturesReady = _queryGradientTaken = _productsTaken = false;
    }

    public override T SupportGradient(int step, ReadOnlySpan<T> at, Span<T> gradient) =>
        _head.GradientCore(Sets.SupportCount, at, SupportFeatures, Sets.SupportTargets(step), _loss, gradient, _headSpace);

    public override T SupportHessianTimes(int step, ReadOnlySpan<T> at, ReadOnlySpan<T> direction, Span<T> gradient, Span<T> product)
    {
        int n = Sets.SupportCount * _featureSize;
        Span<T> sum = _supportFeatureGradientSum.AsSpan(0, n), one = _stepFeatureGradient.AsSpan(0, n);
        if (!_productsTaken) sum.Clear();
        _productsTaken = true;
        T value = _head.HessianVectorProductCore(Sets.SupportCount, at, direction, SupportFeatures, Sets.SupportTargets(step), _loss,
            gradient, product, _headSpace, one);
        TensorPrimitives.Add(sum, one, sum);
        return value;
    }

    public override T QueryGradient(ReadOnlySpan<T> at, Span<T> gradient)
    {
        _queryGradientTaken = true;
        return _head.GradientCore(Sets.QueryCount, at, QueryFeatures(), Sets.QueryTargets, _loss, gradient, _headSpace,
            _queryFeatureGradient.AsSpan(0, Sets.QueryCount * _featureSize));
    }

    public override T QueryLoss(ReadOnlySpan<T> at)
    {
        int n = Sets.QueryCount;
        return _loss.Value(n, _head.OutputShape.Size, _head.ForwardCore(n, at, QueryFeatures(), _headSpace), Sets.QueryTargets);
    }

    private ReadOnlySpan<T> QueryFeatures()
    {
        var workspace = _queryBody ?? throw new InvalidOperationException("This worker was built without a query set.");
        if (!_queryFeaturesReady) _body.ForwardCore(Sets.QueryCount, Phi, Sets.QueryInputs, workspace);
        _queryFeaturesReady = true;
        return workspace.Activations[^1].AsSpan(0, Sets.QueryCount * _featureSize);
    }

    /// <summary>∇φ = J_F(query)ᵀ·∂L_Q/∂F − J_F(support)ᵀ·Σⱼ(…); the activations of both passes are still in their workspaces.</summary>
    public override void CompleteOutside(Span<T> gradient)
    {
        Span<T> body = gradient.Slice(0, _bodyCount);
        if (_queryGradientTaken)
            _body.BackwardCore(Sets.QueryCount, Phi, Sets.QueryInputs, _queryFeatureGradient.AsSpan(0, Sets.QueryCount * _featureSize), body, _queryBody!);
        else
            body.Clear();
        if (!_productsTaken) return;
        _body.BackwardCore(Sets.SupportCount, Phi, Sets.SupportInputs(0), _supportFeatureGradientSum.AsSpan(0, Sets.SupportCount * _featureSize),
            _bodySupportGradient, _supportBody);
        TensorPrimitives.Subtract(body, _bodySupportGradient, body);
    }
}
