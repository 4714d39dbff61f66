using System.Numerics;
using MetaSpec.Meta;

namespace MetaSpec.Engine;

/// <summary>
/// First-order MAML: the second-order terms dropped, ∇θ = ∇L_Q(θ_N). A learned geometry keeps the derivative of the
/// adapted point with the inner gradients held fixed (docs/geometry.md): a learned P gets −Σⱼ(∂(P·gⱼ)/∂θ_P)ᵀq, and a
/// mirror map carries q to the state, ∇z₀ = J_G(z_N)ᵀq, with θ_G's share J_θG(z_N)ᵀq.
/// </summary>
internal sealed class FirstOrderHypergradient<T> : HypergradientMethod<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _queryGradient;   // q = ∇L_Q(θ_N)

    public FirstOrderHypergradient(Hypergradient settings, InnerTrajectory<T> trajectory) : base(trajectory) =>
        _queryGradient = new T[trajectory.Dimension];

    public override T MetaGradient(ReadOnlySpan<T> metaParameters, Span<T> metaGradient)
    {
        var t = Trajectory;
        var map = t.Map;
        if (!map.HasMetaParameters) return t.Loss.QueryGradient(t.Point(t.Steps), t.Window(metaGradient));
        map.ClearMetaGradient(metaGradient);
        T queryLoss = t.Loss.QueryGradient(t.Point(t.Steps), _queryGradient);
        Span<T> window = t.Window(metaGradient);
        window.Clear();
        map.PointTranspose(t.State(t.Steps), _queryGradient, window, metaGradient);
        if (map.LearnsStep)
            for (int j = 0; j < t.Steps; j++) map.AccumulateMetaGradient(t.StepGradient(j), _queryGradient, metaGradient);
        return queryLoss;
    }
}
