using System.Numerics;
using System.Numerics.Tensors;
using MetaSpec.Meta;

namespace MetaSpec.Engine;

/// <summary>Reptile (Nichol et al. 2018): the meta-direction is the displacement θ₀ − θ_N.</summary>
internal sealed class ReptileHypergradient<T> : HypergradientMethod<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public ReptileHypergradient(Hypergradient settings, InnerTrajectory<T> trajectory) : base(trajectory)
    {
    }

    public override T MetaGradient(ReadOnlySpan<T> metaParameters, Span<T> metaGradient)
    {
        var t = Trajectory;
        TensorPrimitives.Subtract(t.Point(0), t.Point(t.Steps), t.Window(metaGradient));
        return t.Loss.QueryLoss(t.Point(t.Steps));
    }
}
