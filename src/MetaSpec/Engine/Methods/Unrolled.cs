using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Meta;

namespace MetaSpec.Engine;

/// <summary>
/// Backpropagation through the N inner steps (MAML, ANIL, Meta-SGD, learned preconditioners and mirror maps; ITD for a
/// re-solved head). With the step θⱼ₊₁ = θⱼ − P(∇L_S(θⱼ) + λ(θⱼ − θ₀)), the adjoint a_N = ∇L_Q(θ_N) flows back as
/// wⱼ = Pᵀaⱼ₊₁, aⱼ = aⱼ₊₁ − ∇²L_S(θⱼ)wⱼ − λwⱼ, while the anchor θ₀ collects λΣwⱼ: ∇θ = a₀ + λΣwⱼ, and a learned P adds
/// its θ_P share at every step. For mirror descent the adjoint lives on the state z and reaches it through the point
/// map's transposed Jacobian: a_N = J_G(z_N)ᵀ∇L_Q(φ_N), aⱼ = aⱼ₊₁ − J_G(zⱼ)ᵀ∇²L_S(φⱼ)wⱼ, with θ_G's share gathered by
/// the same calls (for the linear geometries J_G = I). Memory: the iterates only; each Hessian-vector product
/// recomputes its activations.
/// </summary>
internal class UnrolledHypergradient<T> : HypergradientMethod<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _adjoint;          // aⱼ
    private readonly T[] _queryGradient;    // ∇L_Q(θ_N)
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
        _queryGradient = new T[d];
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
        if (map.HasMetaParameters) map.ClearMetaGradient(metaGradient);
        T queryLoss = t.Loss.QueryGradient(t.Point(t.Steps), _queryGradient);
        _adjoint.AsSpan().Clear();
        map.PointTranspose(t.State(t.Steps), _queryGradient, _adjoint, metaGradient);
        bool learnsStep = map.LearnsStep;
        _anchorAdjoint.AsSpan().Clear();
        ReadOnlySpan<T> anchor = t.Point(0);
        for (int j = t.Steps - 1; j >= 0; j--)
        {
            ReadOnlySpan<T> at = t.Point(j);
            map.ApplyTranspose(_adjoint, _direction);
            _hessian.Times(t.Loss, j, at, _direction, _product, learnsStep ? _stepGradient : default);
            if (learnsStep)
            {
                t.AddProximal(_stepGradient, at, anchor);
                map.AccumulateMetaGradient(_stepGradient, _adjoint, metaGradient);
            }
            // aⱼ = aⱼ₊₁ + J_G(zⱼ)ᵀ(−∇²L_S·wⱼ): for the linear geometries exactly aⱼ₊₁ − ∇²L_S·wⱼ.
            TensorPrimitives.Negate(_product, _product);
            map.PointTranspose(t.State(j), _product, _adjoint, metaGradient);
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
