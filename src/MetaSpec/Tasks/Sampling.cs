namespace MetaSpec.Tasks;

/// <summary>
/// Random draws shared by the task distributions. None keeps state between calls, so a distribution
/// that uses them stays immutable and can fill tasks on several threads at once, each with its own
/// <see cref="Random"/>.
/// </summary>
internal static class Sampling
{
    /// <summary>A value uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static double Uniform(Random random, double low, double high) => low + (high - low) * random.NextDouble();

    /// <summary>
    /// A standard normal value by the Box–Muller transform. The second value of the pair is discarded
    /// rather than cached: caching would be state shared between threads.
    /// </summary>
    public static double StandardNormal(Random random)
    {
        double u1 = 1.0 - random.NextDouble(); // in (0, 1], so the logarithm is finite
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>
    /// Fills <paramref name="chosen"/> with distinct integers from [0, <paramref name="count"/>), every subset
    /// equally likely (Floyd's algorithm: one draw per value, no scratch beyond the output, O(m²) membership
    /// checks, which is cheap for the few values an episode needs). The order is not uniformly random:
    /// shuffle afterwards where order matters.
    /// </summary>
    public static void DistinctIntegers(Random random, int count, Span<int> chosen)
    {
        int m = chosen.Length;
        for (int candidateLimit = count - m, filled = 0; candidateLimit < count; candidateLimit++, filled++)
        {
            int t = random.Next(candidateLimit + 1);
            chosen[filled] = chosen[..filled].Contains(t) ? candidateLimit : t;
        }
    }
}
