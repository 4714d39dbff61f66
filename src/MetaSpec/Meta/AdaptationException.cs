namespace MetaSpec.Meta;

/// <summary>
/// Adaptation to a task diverged: an inner step met a non-finite support loss or produced non-finite parameters,
/// so no usable adapted model exists. The meta-parameters are untouched.
/// </summary>
public sealed class AdaptationException(string message, int step, double loss) : Exception(message)
{
    /// <summary>The inner step (1-based) whose loss or result was not finite.</summary>
    public int Step { get; } = step;

    /// <summary>The support loss at the start of that step, L_S(θ_{step−1}).</summary>
    public double Loss { get; } = loss;
}
