using System.Numerics;
using MetaSpec.Meta;

namespace MetaSpec.Engine;

/// <summary>
/// HF-MAML: the unrolled recursion with every Hessian-vector product replaced by central differences of gradients,
/// H·v ≈ ‖v‖·(∇L(θ + δv̂) − ∇L(θ − δv̂))/(2δ), so the workspaces need no tangent buffers.
/// </summary>
internal sealed class HessianFreeHypergradient<T>(Hypergradient settings, InnerTrajectory<T> trajectory)
    : UnrolledHypergradient<T>(trajectory, new FiniteDifferenceHessianProduct<T>(trajectory.Dimension, settings.FiniteDifferenceStep))
    where T : unmanaged, IFloatingPointIeee754<T>;
