namespace MetaSpec.Engine;

/// <summary>
/// A <see cref="Random"/> that can be re-seeded in place (xoshiro256** seeded through SplitMix64), so each
/// task of each meta-iteration gets its own reproducible stream, whatever thread runs it, without allocating.
/// </summary>
internal sealed class SeededRandom : Random
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>A stream seeded from <paramref name="seed"/>.</summary>
    public SeededRandom(ulong seed) => Reseed(seed);

    /// <summary>
    /// Restarts the stream from the seed derived from the given keys (e.g. run seed, iteration, task, and which of a
    /// task's streams: its own randomness, or the draw of its data), so a stream is a pure function of its keys.
    /// </summary>
    public void Reseed(ulong seed, ulong key1 = 0, ulong key2 = 0, ulong key3 = 0)
    {
        ulong x = seed ^ (key1 * 0x9E3779B97F4A7C15UL) ^ (key2 * 0xC2B2AE3D27D4EB4FUL) ^ (key3 * 0xD6E8FEB86659FD93UL);
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <inheritdoc/>
    public override double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <inheritdoc/>
    protected override double Sample() => NextDouble();

    /// <inheritdoc/>
    public override float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1U << 24));

    /// <inheritdoc/>
    public override int Next() => (int)(NextUInt64() >> 33);

    /// <inheritdoc/>
    public override int Next(int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return (int)((NextUInt64() >> 32) * (ulong)maxValue >> 32);
    }

    /// <inheritdoc/>
    public override int Next(int minValue, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        return minValue + (int)((NextUInt64() >> 32) * (ulong)((long)maxValue - minValue) >> 32);
    }

    /// <inheritdoc/>
    public override long NextInt64() => (long)(NextUInt64() >> 1);

    /// <inheritdoc/>
    public override void NextBytes(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++) buffer[i] = (byte)(NextUInt64() >> 56);
    }

    /// <inheritdoc/>
    public override void NextBytes(byte[] buffer) => NextBytes(buffer.AsSpan());

    /// <summary>A standard normal draw (Box–Muller; one of the pair is discarded to keep no state).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]: log is finite
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
