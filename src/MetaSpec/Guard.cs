using System.Numerics;
using System.Numerics.Tensors;

namespace MetaSpec;

/// <summary>Input checks shared by the public entry points; each error names what is wrong.</summary>
internal static class Guard
{
    /// <summary>Throws if any value is NaN or infinite, naming the first bad index.</summary>
    public static void Finite<T>(ReadOnlySpan<T> values, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (TensorPrimitives.IsFiniteAll(values)) return;
        for (int i = 0; i < values.Length; i++)
            if (!T.IsFinite(values[i]))
                throw new ArgumentException($"{what} contain a non-finite value ({values[i]}) at index {i}.", what);
    }

    /// <summary>Throws unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    public static void Length(int actual, int expected, string what)
    {
        if (actual != expected)
            throw new ArgumentException($"{what} must hold {expected} values, got {actual}.", what);
    }
}
