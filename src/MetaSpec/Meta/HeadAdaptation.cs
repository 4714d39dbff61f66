using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Losses;
using MetaSpec.Models;
using MetaSpec.Tasks;

namespace MetaSpec.Meta;

/// <summary>
/// The ANIL specialisation: when the inner loop adapts only the last layers (the head u) of a network,
/// the body φ does not move, so its features of the support and query sets are computed once per task
/// and the inner loop and its adjoint recursion run on the head alone. The body's share of the exact
/// meta-gradient, ∇_φL_Q − Σⱼ J_Fᵀ·∂²L_S/∂F∂u·(αaⱼ₊₁), is linear in the feature gradients, so they are
/// summed over the steps and pushed through the body in one backward pass per set.
/// </summary>
internal sealed class HeadAdaptation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Sequential<T> _body, _head;
    private readonly ILoss<T> _loss;
    private readonly InnerLoop _inner;
    private readonly int _bodyCount, _headCount, _featureSize;
    private readonly Workspace<T> _supportBody, _queryBody, _headSpace;
    private readonly T[] _queryFeatureGradient, _supportFeatureGradient, _stepFeatureGradient, _bodyGradient;
    private readonly T[] _adjoint, _anchorAdjoint, _direction, _gradient, _product, _temp;

    /// <summary>The split of <paramref name="objective"/>'s network at layer <paramref name="firstHeadLayer"/>.</summary>
    public HeadAdaptation(NetworkObjective<T> objective, InnerLoop inner, int firstHeadLayer, int maxSupport, int maxQuery, bool secondOrder)
    {
        var net = objective.Network;
        var layers = net.Layers.ToArray();
        _body = new Sequential<T>(net.InputShape, layers[..firstHeadLayer]);
        _head = new Sequential<T>(_body.OutputShape, layers[firstHeadLayer..]);
        _loss = objective.LossFunction;
        _inner = inner;
        _bodyCount = _body.ParameterCount;
        _headCount = _head.ParameterCount;
        _featureSize = _body.OutputShape.Size;
        // The body only runs forward and backward; only the head needs tangents, and only for second order.
        _supportBody = _body.CreateWorkspace(maxSupport, hessianVectorProducts: false);
        _queryBody = _body.CreateWorkspace(maxQuery, hessianVectorProducts: false);
        _headSpace = _head.CreateWorkspace(Math.Max(maxSupport, maxQuery), secondOrder);
        _queryFeatureGradient = new T[maxQuery * _featureSize];
        _supportFeatureGradient = new T[maxSupport * _featureSize];
        _stepFeatureGradient = new T[maxSupport * _featureSize];
        _bodyGradient = new T[_bodyCount];
        _adjoint = new T[_headCount];
        _anchorAdjoint = new T[_headCount];
        _direction = new T[_headCount];
        _gradient = new T[_headCount];
        _product = new T[_headCount];
        _temp = new T[_headCount];
    }

    /// <summary>
    /// Runs the inner loop on the head: fills the head part of every iterate (the body part is θ's)
    /// from the support features, which stay in the support workspace for the backward pass.
    /// </summary>
    public void Adapt(ReadOnlySpan<T> step, T[][] iterates, TaskData<T> task)
    {
        int n = task.SupportCount;
        ReadOnlySpan<T> phi = iterates[0].AsSpan(0, _bodyCount);
        ReadOnlySpan<T> features = _body.ForwardCore(n, phi, task.SupportInputs, _supportBody);
        ReadOnlySpan<T> headStep = step.Slice(_bodyCount);
        ReadOnlySpan<T> anchor = iterates[0].AsSpan(_bodyCount);
        T lambda = T.CreateTruncating(_inner.Proximal);
        for (int j = 0; j < iterates.Length - 1; j++)
        {
            ReadOnlySpan<T> u = iterates[j].AsSpan(_bodyCount);
            _head.GradientCore(n, u, features, task.SupportTargets, _loss, _gradient, _headSpace);
            if (lambda != T.Zero)
                for (int i = 0; i < _headCount; i++) _gradient[i] += lambda * (u[i] - anchor[i]);
            TensorPrimitives.Multiply(headStep, _gradient, _temp);
            phi.CopyTo(iterates[j + 1]);
            TensorPrimitives.Subtract(u, _temp, iterates[j + 1].AsSpan(_bodyCount));
        }
    }

    /// <summary>
    /// The meta-gradient of an adapted task (after <see cref="Adapt"/>) for Unrolled, FirstOrder or Reptile;
    /// returns L_Q(θ_N).
    /// </summary>
    public T MetaGradient(HypergradientKind kind, ReadOnlySpan<T> step, T[][] iterates, TaskData<T> task, Span<T> metaGradient)
    {
        int nq = task.QueryCount, ns = task.SupportCount, steps = iterates.Length - 1;
        Span<T> grad = metaGradient.Slice(0, _bodyCount + _headCount);
        ReadOnlySpan<T> phi = iterates[0].AsSpan(0, _bodyCount);
        ReadOnlySpan<T> adapted = iterates[steps].AsSpan(_bodyCount);
        ReadOnlySpan<T> queryFeatures = _body.ForwardCore(nq, phi, task.QueryInputs, _queryBody);
        Span<T> dFq = _queryFeatureGradient.AsSpan(0, nq * _featureSize);
        T loss = _head.GradientCore(nq, adapted, queryFeatures, task.QueryTargets, _loss, _adjoint, _headSpace, dFq);

        if (kind == HypergradientKind.Reptile)
        {
            grad.Slice(0, _bodyCount).Clear();
            TensorPrimitives.Subtract(iterates[0].AsSpan(_bodyCount), adapted, grad.Slice(_bodyCount));
            return loss;
        }

        Span<T> bodyGrad = grad.Slice(0, _bodyCount);
        _body.BackwardCore(nq, phi, task.QueryInputs, dFq, bodyGrad, _queryBody);
        if (kind == HypergradientKind.FirstOrder)
        {
            _adjoint.CopyTo(grad.Slice(_bodyCount));
            return loss;
        }

        // Unrolled on the head, collecting Σⱼ ∂²L_S/∂F∂u·(A aⱼ₊₁) for one pass through the body.
        ReadOnlySpan<T> headStep = step.Slice(_bodyCount);
        ReadOnlySpan<T> supportFeatures = _supportBody.Activations[^1].AsSpan(0, ns * _featureSize);
        ReadOnlySpan<T> anchor = iterates[0].AsSpan(_bodyCount);
        Span<T> dFs = _supportFeatureGradient.AsSpan(0, ns * _featureSize);
        Span<T> dFj = _stepFeatureGradient.AsSpan(0, ns * _featureSize);
        dFs.Clear();
        _anchorAdjoint.AsSpan().Clear();
        T lambda = T.CreateTruncating(_inner.Proximal);
        bool learnAlpha = _inner.LearnStepSizes;
        Span<T> alphaGrad = learnAlpha ? metaGradient.Slice(_bodyCount + _headCount) : default;
        if (learnAlpha) alphaGrad.Clear();
        for (int j = steps - 1; j >= 0; j--)
        {
            ReadOnlySpan<T> u = iterates[j].AsSpan(_bodyCount);
            TensorPrimitives.Multiply(headStep, _adjoint, _direction);
            _head.HessianVectorProductCore(ns, u, _direction, supportFeatures, task.SupportTargets, _loss, _gradient, _product, _headSpace, dFj);
            TensorPrimitives.Add(dFs, dFj, dFs);
            if (learnAlpha)
                for (int i = 0; i < _headCount; i++)
                    alphaGrad[_bodyCount + i] -= (_gradient[i] + lambda * (u[i] - anchor[i])) * _adjoint[i];
            TensorPrimitives.Subtract(_adjoint, _product, _adjoint);
            if (lambda != T.Zero)
            {
                TensorPrimitives.MultiplyAdd(_direction, -lambda, _adjoint, _adjoint);
                TensorPrimitives.MultiplyAdd(_direction, lambda, _anchorAdjoint, _anchorAdjoint);
            }
        }
        TensorPrimitives.Add(_adjoint, _anchorAdjoint, grad.Slice(_bodyCount));
        // ∇φ = J_F(query)ᵀ dF_Q − J_F(support)ᵀ Σⱼ dFⱼ; the support activations are still in their workspace.
        _body.BackwardCore(ns, phi, task.SupportInputs, dFs, _bodyGradient, _supportBody);
        TensorPrimitives.Subtract(bodyGrad, _bodyGradient, bodyGrad);
        return loss;
    }
}
