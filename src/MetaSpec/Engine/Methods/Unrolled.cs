using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Meta;

namespace MetaSpec.Engine;

/// <summary>
/// Backpropagation through the N inner steps (MAML, ANIL, Meta-SGD; ITD for a re-solved head). With the step
/// θⱼ₊₁ = θⱼ − P(∇L_S(θⱼ) + λ(θⱼ − θ₀)), the adjoint a_N = ∇L_Q(θ_N) flows back as wⱼ = Pᵀaⱼ₊₁,
/// aⱼ = aⱼ₊₁ − ∇²L_S(θⱼ)wⱼ − λwⱼ, while the anchor θ₀ collects λΣwⱼ: ∇θ = a₀ + λΣwⱼ, and the geometry adds its
/// θ_P share at every step. Memory: the iterates only; each Hessian-vector product recomputes its activations.
/// </summary>
internal class UnrolledHypergradient<T> : HypergradientMethod<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _adjoint;          // aⱼ
    private readonly T[] _direction;        // wⱼ = Pᵀaⱼ₊₁
    private readonly T[] _product;          // ∇²L_S(θⱼ)·wⱼ
    private readonly T[] _stepGradient;     // ∇L_S(θⱼ) + λ(θⱼ − θ₀), for the geometry's θ_P
    private readonly T[] _anchorAdjoint;    // λΣwⱼ
    private readonly HessianProduct<T> _hessian;

    public UnrolledHypergradient(Hypergradient settings, InnerTrajectory<T> trajectory) : this(trajectory, new ExactHessianProduct<T>(trajectory.Dimension))
    {
    }

    /// <summary>The recursion with another Hessian product (HessianFree).</summary>
    protected UnrolledHypergradient(InnerTrajectory<T> trajectory, HessianProduct<T> hessian) : base(trajectory)
    {
        int d = trajectory.Dimension;
        _adjoint = new T[d];
        _direction = new T[d];
        _product = new T[d];
        _stepGradient = new T[d];
        _anchorAdjoint = new T[d];
        _hessian = hessian;
    }

    public override HessianProduct<T> Hessian => _hessian;

    public override T MetaGradient(ReadOnlySpan<T> metaParameters, Span<T> metaGradient)
    {
        var t = Trajectory;
        var map = t.Map;
        T lambda = t.Lambda;
        T queryLoss = t.Loss.QueryGradient(t.Point(t.Steps), _adjoint);
        bool learnsGeometry = map.HasMetaParameters;
        if (learnsGeometry) map.ClearMetaGradient(metaGradient);
        _anchorAdjoint.AsSpan().Clear();
        ReadOnlySpan<T> anchor = t.Point(0);
        for (int j = t.Steps - 1; j >= 0; j--)
        {
            ReadOnlySpan<T> at = t.Point(j);
            map.ApplyTranspose(_adjoint, _direction);
            _hessian.Times(t.Loss, j, at, _direction, _product, learnsGeometry ? _stepGradient : default);
            if (learnsGeometry)
            {
                t.AddProximal(_stepGradient, at, anchor);
                map.AccumulateMetaGradient(_stepGradient, _adjoint, metaGradient);
            }
            TensorPrimitives.Subtract(_adjoint, _product, _adjoint);
            if (lambda != T.Zero)
            {
                TensorPrimitives.MultiplyAdd(_direction, -lambda, _adjoint, _adjoint);
                TensorPrimitives.MultiplyAdd(_direction, lambda, _anchorAdjoint, _anchorAdjoint);
            }
        }
        TensorPrimitives.Add(_adjoint, _anchorAdjoint, t.Window(metaGradient));
        return queryLoss;
    }
}
