using System.Numerics;

namespace MetaSpec.Geometry;

/// <summary>Argument checks shared by the preconditioners' public calls (lengths only: they are O(1)).</summary>
internal static class Preconditioners
{
    /// <summary>Lengths of θ_P, of both vectors and of the scratch; an input and an output vector must not overlap.</summary>
    public static void Check<T>(IPreconditioner<T> p, ReadOnlySpan<T> parameters, ReadOnlySpan<T> first, ReadOnlySpan<T> second,
        ReadOnlySpan<T> scratch, bool secondIsOutput = true) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.Length(parameters.Length, p.ParameterCount, nameof(parameters));
        Guard.Length(first.Length, p.Length, "vectors");
        Guard.Length(second.Length, p.Length, "vectors");
        if (secondIsOutput && first.Overlaps(second))
            throw new ArgumentException("The input and output vectors overlap; the result needs its own buffer.", "vectors");
        if (scratch.Length < p.ScratchLength)
            throw new ArgumentException($"The scratch span holds {scratch.Length} values; this preconditioner needs {p.ScratchLength}.", nameof(scratch));
    }
}
