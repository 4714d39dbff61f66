using System.Numerics;

namespace MetaSpec.Layers;

/// <summary>PyTorch's default initialisations, drawn from a seeded <see cref="Random"/>.</summary>
internal static class Initializers
{
    /// <summary>
    /// U(−1/√fanIn, 1/√fanIn): what PyTorch's Linear and Conv2d use for weights (kaiming_uniform_ with a = √5,
    /// whose bound gain·√(3/fanIn) reduces to 1/√fanIn) and for biases.
    /// </summary>
    public static void KaimingUniform<T>(Span<T> values, int fanIn, Random random)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fanIn, 1);
        double bound = 1.0 / Math.Sqrt(fanIn);
        for (int i = 0; i < values.Length; i++)
            values[i] = T.CreateTruncating((2.0 * random.NextDouble() - 1.0) * bound);
    }
}
