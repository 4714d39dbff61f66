using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers;

/// <summary>
/// The .editorconfig settings of the theory rules. A value that does not parse (or is out of range) falls back
/// to the default rather than failing the build: a typo in .editorconfig should not silence every rule.
/// </summary>
internal readonly struct AnalyzerSettings
{
    /// <summary>c in α·N·L ≤ c (MSPEC001); the theorem fixes it only up to a constant.</summary>
    public const string StepSizeConstantKey = "metaspec.step_size_constant";

    /// <summary>The largest N that MSPEC003 accepts on a nonconvex adapted subset.</summary>
    public const string NonconvexAnilMaxStepsKey = "metaspec.nonconvex_anil_max_steps";

    public const double DefaultStepSizeConstant = 1.0;
    public const int DefaultNonconvexAnilMaxSteps = 3;

    private AnalyzerSettings(double stepSizeConstant, int nonconvexAnilMaxSteps)
    {
        StepSizeConstant = stepSizeConstant;
        NonconvexAnilMaxSteps = nonconvexAnilMaxSteps;
    }

    public double StepSizeConstant { get; }
    public int NonconvexAnilMaxSteps { get; }

    /// <summary>The settings that apply to <paramref name="tree"/> (its .editorconfig sections, then the global config).</summary>
    public static AnalyzerSettings For(AnalyzerOptions options, SyntaxTree? tree)
    {
        var provider = options.AnalyzerConfigOptionsProvider;
        string? Value(string key) =>
            tree is not null && provider.GetOptions(tree).TryGetValue(key, out string? local) ? local
            : provider.GlobalOptions.TryGetValue(key, out string? global) ? global
            : null;

        double c = double.TryParse(Value(StepSizeConstantKey), NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed)
            && parsed > 0 && !double.IsInfinity(parsed) ? parsed : DefaultStepSizeConstant;
        int steps = int.TryParse(Value(NonconvexAnilMaxStepsKey), NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsedSteps)
            && parsedSteps >= 1 ? parsedSteps : DefaultNonconvexAnilMaxSteps;
        return new AnalyzerSettings(c, steps);
    }
}
