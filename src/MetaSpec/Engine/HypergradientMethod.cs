using System.Numerics;
using MetaSpec.Meta;

namespace MetaSpec.Engine;

/// <summary>
/// One hypergradient method's engine for one thread: after the <see cref="InnerTrajectory{T}"/> has run, it writes the
/// task's meta-gradient for the trajectory's window (and the geometry's θ_P) with scratch buffers of its own.
/// </summary>
/// <remarks>
/// A method is one file in Methods/: a sealed class deriving from this one, with a constructor taking
/// (<see cref="Hypergradient"/> settings, <see cref="InnerTrajectory{T}"/> trajectory), and one line in <see cref="Create"/>.
/// What it needs (exact Hessian-vector products, head-only specialisation) is its row in the shared
/// <c>MethodCapabilities</c>, which the generator and the analyzers read too.
/// </remarks>
internal abstract class HypergradientMethod<T>(InnerTrajectory<T> trajectory) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The inner loop this method differentiates.</summary>
    protected InnerTrajectory<T> Trajectory { get; } = trajectory;

    /// <summary>
    /// Writes the window's part of the meta-gradient (and the geometry's) for the task the trajectory last ran;
    /// returns the query loss L_Q(θ_N).
    /// </summary>
    public abstract T MetaGradient(ReadOnlySpan<T> metaParameters, Span<T> metaGradient);

    /// <summary>The Hessian product the method multiplies by; null when it has no second-order term.</summary>
    public virtual HessianProduct<T>? Hessian => null;

    /// <summary>The method of <paramref name="settings"/> over <paramref name="trajectory"/>.</summary>
    public static HypergradientMethod<T> Create(Hypergradient settings, InnerTrajectory<T> trajectory) => settings.Kind switch
    {
        HypergradientKind.Unrolled => new UnrolledHypergradient<T>(settings, trajectory),
        HypergradientKind.FirstOrder => new FirstOrderHypergradient<T>(settings, trajectory),
        HypergradientKind.Reptile => new ReptileHypergradient<T>(settings, trajectory),
        HypergradientKind.Implicit => new ImplicitHypergradient<T>(settings, trajectory),
        HypergradientKind.HessianFree => new HessianFreeHypergradient<T>(settings, trajectory),
        HypergradientKind.EvolutionStrategies => new EvolutionStrategiesHypergradient<T>(settings, trajectory),
        _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Kind, $"No engine implements the hypergradient method {settings.Kind}."),
    };
}
