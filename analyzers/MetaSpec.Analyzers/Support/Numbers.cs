using System;
using System.Globalization;

namespace MetaSpec.Analyzers;

/// <summary>Numbers in messages and code fixes, always under the invariant culture.</summary>
internal static class Numbers
{
    /// <summary>Round-trip text ("R"): what the user wrote reads back as itself.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Six significant digits, for derived values such as α·N·L, which need no more in a message.</summary>
    public static string Short(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>
    /// <paramref name="bound"/> floored to three significant digits: a readable step size (0.0476, not
    /// 0.047619047619047616) that still satisfies α ≤ bound up to the tolerance of <see cref="Exceeds"/>.
    /// </summary>
    public static double FloorToThreeDigits(double bound)
    {
        if (!(bound > 0) || double.IsInfinity(bound)) return bound;
        double scale = Math.Pow(10, 2 - (int)Math.Floor(Math.Log10(bound)));
        // The nudge keeps values that already have three digits (0.05, stored as 0.05000000000000000277) whole.
        return Math.Floor(bound * scale * (1 + 1e-12)) / scale;
    }

    /// <summary>α·N·L &gt; c, with a relative tolerance so the value the code fix writes never fires again.</summary>
    public static bool Exceeds(double product, double bound) => product > bound * (1 + 1e-9);
}
