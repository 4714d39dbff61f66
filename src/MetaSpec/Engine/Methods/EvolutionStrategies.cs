using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Meta;

namespace MetaSpec.Engine;

/// <summary>
/// ESJ (Hessian-free): the Jacobian of the adapted subset of θ_N is probed along Gaussian directions z,
/// J_M·z ≈ (θ_N,M(θ + βz) − θ_N,M(θ))/β, giving ∇θ ≈ q_rest + (1/Q)Σ z⟨J_M·z, q_M⟩ with q = ∇L_Q(θ_N).
/// With a re-solved head, z moves only the meta-learned rest.
/// </summary>
internal sealed class EvolutionStrategiesHypergradient<T> : HypergradientMethod<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int _directions;
    private readonly T _beta;
    private readonly bool _resetAdapted;
    private readonly T[] _queryGradient;   // q
    private readonly T[] _estimate;        // Σ z⟨J_M·z, q_M⟩/β
    private readonly T[] _perturbation;    // z
    private readonly T[] _start;           // θ + βz (its adapted subset zeroed for a re-solved head)
    private readonly T[] _current, _next;  // the replayed inner loop

    public EvolutionStrategiesHypergradient(Hypergradient settings, InnerTrajectory<T> trajectory) : base(trajectory)
    {
        _directions = settings.Directions;
        _beta = T.CreateTruncating(settings.Smoothing);
        int d = trajectory.Dimension;
        _queryGradient = new T[d];
        _estimate = new T[d];
        _perturbation = new T[d];
        _start = new T[d];
        _current = new T[d];
        _next = new T[d];
        _resetAdapted = trajectory.ResetsAdapted;
    }

    public override T MetaGradient(ReadOnlySpan<T> metaParameters, Span<T> metaGradient)
    {
        var t = Trajectory;
        ReadOnlySpan<T> mask = t.Mask, adapted = t.Point(t.Steps);
        T queryLoss = t.Loss.QueryGradient(adapted, _queryGradient);
        _estimate.AsSpan().Clear();
        for (int d = 0; d < _directions; d++)
        {
            for (int i = 0; i < _perturbation.Length; i++)
                _perturbation[i] = _resetAdapted && mask[i] != T.Zero ? T.Zero : T.CreateTruncating(t.Random.NextGaussian());
            // Rerun the inner loop from θ + βz on the same support draws.
            TensorPrimitives.MultiplyAdd(_perturbation, _beta, t.Window(metaParameters), _start);
            t.ResetAdapted(_start);
            t.Replay(_start, _current, _next);
            T s = T.Zero;
            for (int i = 0; i < _current.Length; i++) s += mask[i] * (_current[i] - adapted[i]) * _queryGradient[i];
            TensorPrimitives.MultiplyAdd(_perturbation, s / _beta, _estimate, _estimate);
        }
        T inv = T.One / T.CreateTruncating(_directions);
        Span<T> grad = t.Window(metaGradient);
        for (int i = 0; i < grad.Length; i++) grad[i] = (T.One - mask[i]) * _queryGradient[i] + _estimate[i] * inv;
        return queryLoss;
    }
}
