using System.Numerics.Tensors;

namespace MetaSpec.Datasets;

/// <summary>
/// Resizes binary square drawings by area averaging (a box filter): each target pixel is the fraction of
/// its area that is inked, with fractional weights where it covers source pixels partly, so no ink is lost
/// or invented. The filter is separable: Out = Wᵀ·Ink·W, with W the sourceSize × targetSize overlap matrix.
/// </summary>
/// <remarks>
/// <para>Weights are integers: in units of 1/targetSize of a source pixel, the overlap of target pixel o
/// with source pixel p is min((o+1)·S, (p+1)·T) − max(o·S, p·T), and the overlaps of one target pixel sum
/// to S. Every sum below is therefore an exact integer, and the result is the exact fraction
/// (S² − Σ weights·paper)/S², correctly rounded to float, in [0, 1] by construction.</para>
/// <para>Speed: a load of Omniglot resizes 212 million source pixels, so the work on them must run in
/// vectorised library code (TensorPrimitives), which stays fast in a Debug build where our own loops do
/// not. The vertical pass combines whole rows, in bytes (its sums are at most S ≤ 255); only the
/// horizontal pass, on the already 105/28 times smaller intermediate, is a scalar loop.</para>
/// </remarks>
internal sealed class AreaResampler
{
    /// <summary>The vertical pass sums at most <see cref="SourceSize"/> in a byte.</summary>
    public const int MaxSourceSize = byte.MaxValue;

    private readonly int maxTaps;
    private readonly int[] firstTap;   // per target index: first source index it covers
    private readonly int[] tapCount;   // per target index: how many source indices it covers
    private readonly byte[] weights;   // per target index: maxTaps overlaps, in 1/T source pixels, summing to S

    public AreaResampler(int sourceSize, int targetSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sourceSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sourceSize, MaxSourceSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetSize, 1);
        SourceSize = sourceSize;
        TargetSize = targetSize;
        maxTaps = (sourceSize + targetSize - 1) / targetSize + 1;
        firstTap = new int[targetSize];
        tapCount = new int[targetSize];
        weights = new byte[targetSize * maxTaps];
        for (int o = 0; o < targetSize; o++)
        {
            // Target pixel o covers [o·S, (o+1)·S) and source pixel p covers [p·T, (p+1)·T), both in 1/T source pixels.
            long low = (long)o * sourceSize, high = (long)(o + 1) * sourceSize;
            int first = (int)(low / targetSize);
            int last = (int)((high - 1) / targetSize);
            firstTap[o] = first;
            tapCount[o] = last - first + 1;
            for (int p = first; p <= last; p++)
                weights[o * maxTaps + p - first] = (byte)(Math.Min(high, (long)(p + 1) * targetSize) - Math.Max(low, (long)p * targetSize));
        }
    }

    public int SourceSize { get; }

    public int TargetSize { get; }

    /// <summary>Per-thread scratch for <see cref="ResizeInk"/>: the image after the vertical pass.</summary>
    public byte[] CreateWorkspace() => new byte[TargetSize * SourceSize];

    /// <summary>
    /// Maps stored bool bytes (non-zero = paper, whatever value numpy wrote for true) to paper = 1, ink = 0,
    /// in place; call once on a whole buffer of drawings before <see cref="ResizeInk"/>.
    /// </summary>
    public static void ToPaperBits(Span<byte> drawings) => TensorPrimitives.Min(drawings, (byte)1, drawings);

    /// <summary>
    /// Resizes one drawing of paper bits (see <see cref="ToPaperBits"/>) to ink fractions (ink = 1), written
    /// to <paramref name="target"/> from <paramref name="targetOffset"/> on.
    /// </summary>
    public void ResizeInk(ReadOnlySpan<byte> paperBits, float[] target, int targetOffset, byte[] workspace)
    {
        int s = SourceSize, t = TargetSize;
        // Vertical pass: row o of Wᵀ·Paper, t × s, each value ≤ s.
        for (int o = 0; o < t; o++)
        {
            Span<byte> combined = workspace.AsSpan(o * s, s);
            int first = firstTap[o];
            ReadOnlySpan<byte> w = weights.AsSpan(o * maxTaps, tapCount[o]);
            TensorPrimitives.Multiply(paperBits.Slice(first * s, s), w[0], combined);
            for (int k = 1; k < w.Length; k++)
                TensorPrimitives.MultiplyAdd(paperBits.Slice((first + k) * s, s), w[k], combined, combined);
        }
        // Horizontal pass: (Wᵀ·Paper)·W, t × t, each value ≤ s². Plain arrays rather than spans here: in a
        // Debug build a span's indexer is a call, and this loop runs 3 700 times per Omniglot drawing.
        byte[] rows = workspace, overlaps = weights;
        int[] firsts = firstTap, counts = tapCount;
        int area = s * s;
        for (int y = 0; y < t; y++)
        {
            int rowStart = y * s, targetStart = targetOffset + y * t;
            for (int x = 0; x < t; x++)
            {
                int from = rowStart + firsts[x], at = x * maxTaps, taps = counts[x];
                int paper = 0;
                for (int k = 0; k < taps; k++) paper += overlaps[at + k] * rows[from + k];
                // One correctly rounded division (not a multiply by 1/s²): exactly 0 and 1 at the ends of the range.
                target[targetStart + x] = (float)(area - paper) / area;
            }
        }
    }
}
