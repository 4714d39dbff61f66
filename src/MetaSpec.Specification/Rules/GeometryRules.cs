namespace MetaSpec.Specification;

/// <summary>The inner-step geometries, by the names and values of the runtime's GeometryKind (a test compares them).</summary>
internal enum StepGeometryKind
{
    Identity,
    Diagonal,
    BlockDiagonal,
    Kronecker,
    MirrorMap,
}

/// <summary>The settings of [Geometry] that only some geometries read.</summary>
internal enum GeometrySetting
{
    Embedding,
    Hidden,
    DenseOutput,
}

/// <summary>
/// What each inner-step geometry means for a spec (docs/geometry.md): which combinations are defined, which settings it
/// reads, and how many meta-parameters it adds. The runtime's validation, the generator (the MetaParameterCount
/// constant) and the analyzers (MSPEC014–017) ask here, so they cannot disagree.
/// </summary>
internal static class GeometryRules
{
    /// <summary>Whether the geometry has meta-parameters of its own (everything but the identity, MAML's step).</summary>
    public static bool IsLearned(StepGeometryKind kind) => kind != StepGeometryKind.Identity;

    /// <summary>Whether the geometry may be declared next to LearnStepSizes, which is the diagonal geometry.</summary>
    public static bool AgreesWithLearnedStepSizes(StepGeometryKind kind) => kind is StepGeometryKind.Identity or StepGeometryKind.Diagonal;

    /// <summary>Whether the geometry reads <paramref name="setting"/> (only the mirror map has settings).</summary>
    public static bool Uses(StepGeometryKind kind, GeometrySetting setting) => kind == StepGeometryKind.MirrorMap;

    /// <summary>The message for a [Geometry] setting the chosen geometry ignores (MSPEC012's format).</summary>
    public static string IgnoredSettingMessage(GeometrySetting setting, StepGeometryKind kind) =>
        string.Format(System.Globalization.CultureInfo.InvariantCulture, MethodCapabilities.IgnoredSettingFormat, setting, kind, nameof(StepGeometryKind.MirrorMap));

    /// <summary>MSPEC014: {0} the geometry, {1} the method, {2} why the method cannot learn it.</summary>
    public const string MethodFormat =
        "The learned {0} geometry needs a method that differentiates through the inner steps (Unrolled, HessianFree or FirstOrder), not {1}: {2}";

    /// <summary>MSPEC014's message; null when the method can learn the geometry.</summary>
    public static string? MethodProblem(StepGeometryKind kind, HypergradientMethod method) =>
        IsLearned(kind) && MethodCapabilities.WhyNoLearnedGeometry(method) is { } reason ? Format(MethodFormat, kind, method, reason) : null;

    /// <summary>MSPEC015: {0} the geometry, {1} λ.</summary>
    public const string ProximalFormat =
        "The {0} geometry cannot be combined with Proximal = {1}: the proximal term λ/2‖φ − θ‖² is not defined for mirror descent (its counterpart would be a Bregman term); remove Proximal or choose a preconditioner";

    /// <summary>MSPEC015's message; null when the geometry takes a proximal term.</summary>
    public static string? ProximalProblem(StepGeometryKind kind, double proximal) =>
        kind == StepGeometryKind.MirrorMap && proximal != 0 ? Format(ProximalFormat, kind, SettingRule.Format(proximal)) : null;

    /// <summary>MSPEC016: {0} the geometry, {1} why.</summary>
    public const string ResetFormat = "The learned {0} geometry cannot be combined with ResetAdaptedToZero: {1}; remove one of them";

    /// <summary>Why the geometry cannot start from a head re-solved from zero; null when it can (the identity).</summary>
    public static string? WhyNoReset(StepGeometryKind kind) => !IsLearned(kind) ? null
        : kind == StepGeometryKind.MirrorMap
            ? "the inner loop would start the head at g(0) = μ rather than at zero, and the dual start z₀ it meta-learns would be discarded"
            : "a learned geometry is meta-learned together with a starting point, which a head re-solved from zero does not have";

    /// <summary>MSPEC016's message; null when the geometry allows a head re-solved from zero.</summary>
    public static string? ResetProblem(StepGeometryKind kind, bool resetAdaptedToZero) =>
        resetAdaptedToZero && WhyNoReset(kind) is { } reason ? Format(ResetFormat, kind, reason) : null;

    /// <summary>MSPEC017: {0} the geometry.</summary>
    public const string StepSizesFormat =
        "LearnStepSizes is the Diagonal geometry (Meta-SGD); it cannot be combined with [Geometry(GeometryKind.{0})]: remove LearnStepSizes or the [Geometry] attribute";

    /// <summary>MSPEC017's message; null when LearnStepSizes and the geometry agree.</summary>
    public static string? StepSizesProblem(StepGeometryKind kind, bool learnStepSizes) =>
        learnStepSizes && !AgreesWithLearnedStepSizes(kind) ? Format(StepSizesFormat, kind) : null;

    /// <summary>
    /// The number of meta-parameters the geometry adds after θ (docs/geometry.md §4), for a network of
    /// <paramref name="parameterCount"/> parameters whose adapted tensors have the shapes <paramref name="blocks"/>, in θ order.
    /// The runtime's geometries lay out exactly this many (a test compares them); the generator emits it in MetaParameterCount.
    /// </summary>
    public static long ParameterCount(StepGeometryKind kind, int parameterCount, System.Collections.Generic.IReadOnlyList<int[]> blocks,
        int embedding, int hidden, bool denseOutput)
    {
        long count = 0;
        switch (kind)
        {
            case StepGeometryKind.Diagonal:
                // Meta-SGD's step sizes cover all of θ (step_size.{tensor} for every tensor); outside the adapted subset they get no gradient.
                return parameterCount;
            case StepGeometryKind.BlockDiagonal:
                foreach (var d in blocks) count += (long)d[0] * d[0];
                break;
            case StepGeometryKind.Kronecker:
                foreach (var d in blocks)
                {
                    count += (long)d[0] * d[0];
                    if (d.Length >= 2) count += (long)d[1] * d[1];
                    if (d.Length >= 3)
                    {
                        long spatial = 1;
                        for (int i = 2; i < d.Length; i++) spatial *= d[i];
                        count += spatial * spatial;
                    }
                }
                break;
            case StepGeometryKind.MirrorMap:
                for (int i = 0; i < blocks.Count; i++)
                {
                    long n = Length(blocks[i]);
                    if (i == 0) count += 2 * n;
                    else count += (long)hidden * embedding * i + hidden + (denseOutput ? 2 * n : 2L * blocks[i][0]) * hidden + 2 * n;
                    if (i < blocks.Count - 1) count += (long)embedding * embedding + embedding;
                }
                break;
        }
        return count;
    }

    private static long Length(int[] dimensions)
    {
        long n = 1;
        foreach (int d in dimensions) n *= d;
        return n;
    }

    private static string Format(string format, params object[] arguments) =>
        string.Format(System.Globalization.CultureInfo.InvariantCulture, format, arguments);
}
