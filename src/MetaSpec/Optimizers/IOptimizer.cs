using System.Numerics;

namespace MetaSpec.Optimizers;

/// <summary>An outer-loop optimiser: updates parameters in place from a gradient.</summary>
public interface IOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>One update of <paramref name="parameters"/> along <paramref name="gradient"/>.</summary>
    void Step(Span<T> parameters, ReadOnlySpan<T> gradient);

    /// <summary>The optimiser's state (moments, step count), for checkpoints; empty when stateless.</summary>
    T[] State { get; }

    /// <summary>Number of steps taken.</summary>
    long Steps { get; }
}
