using System.Numerics;
using MetaSpec.Meta;

namespace MetaSpec.Engine;

/// <summary>First-order MAML: the second-order terms dropped, ∇θ = ∇L_Q(θ_N).</summary>
internal sealed class FirstOrderHypergradient<T> : HypergradientMethod<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public FirstOrderHypergradient(Hypergradient settings, InnerTrajectory<T> trajectory) : base(trajectory)
    {
    }

    public override T MetaGradient(ReadOnlySpan<T> metaParameters, Span<T> metaGradient) =>
        Trajectory.Loss.QueryGradient(Trajectory.Point(Trajectory.Steps), Trajectory.Window(metaGradient));
}
