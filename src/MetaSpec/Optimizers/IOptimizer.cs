using System.Numerics;

namespace MetaSpec.Optimizers;

/// <summary>An outer-loop optimiser: updates parameters in place from a gradient.</summary>
/// <remarks>
/// Its state (moments, momentum, step count) is part of a checkpoint, so that training resumes exactly:
/// <see cref="State"/> and <see cref="Steps"/> out, <see cref="Restore"/> in.
/// </remarks>
public interface IOptimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>One update of <paramref name="parameters"/> along <paramref name="gradient"/>.</summary>
    void Step(Span<T> parameters, ReadOnlySpan<T> gradient);

    /// <summary>Number of steps taken.</summary>
    long Steps { get; }

    /// <summary>
    /// The learning rate of the next <see cref="Step"/>: settable between steps for a schedule (a drop late in training), as
    /// PyTorch's <c>param_groups[0]["lr"]</c>; positive and finite. Checkpoints keep it with the state.
    /// </summary>
    double LearningRate { get; set; }

    /// <summary>
    /// PyTorch's names of the state buffers, each holding one value per parameter, in the order <see cref="State"/> lays
    /// them out: Adam's <c>exp_avg</c> and <c>exp_avg_sq</c>, SGD's <c>momentum_buffer</c> (none without momentum).
    /// </summary>
    IReadOnlyList<string> StateNames { get; }

    /// <summary>The state buffers end to end: <see cref="StateNames"/>.Count × the parameter count values.</summary>
    ReadOnlySpan<T> State { get; }

    /// <summary>Replaces the state and the step count (resuming from a checkpoint): the next step is the one an uninterrupted run would take.</summary>
    void Restore(ReadOnlySpan<T> state, long steps);
}
