namespace MetaSpec.Analyzers;

/// <summary>
/// The analyzers' diagnostic IDs (MSPEC0xx; the generator's are MSPEC1xx) and where their help lives. IDs are
/// stable: a retired rule keeps its number, a new rule takes the next one and goes into AnalyzerReleases.Unshipped.md.
/// </summary>
internal static class RuleIdentifiers
{
    public const string StepSizeTooLarge = "MSPEC001";
    public const string SmoothnessNotDeclared = "MSPEC002";
    public const string NonconvexAdaptationTooManySteps = "MSPEC003";
    public const string ConvexHeadSingleStep = "MSPEC004";
    public const string AdaptOnNonLayer = "MSPEC005";
    public const string AdaptedLayerWithoutParameters = "MSPEC006";
    public const string SettingOutOfRange = "MSPEC007";
    public const string ImplicitWithoutProximal = "MSPEC008";
    public const string LearnedStepSizesWithoutUnrolling = "MSPEC009";
    public const string LearnedStepSizesWithReset = "MSPEC010";
    public const string ResampledSupportWithImplicit = "MSPEC011";
    public const string IgnoredSetting = "MSPEC012";
    public const string ResetWithoutAdaptedLayers = "MSPEC013";
    public const string GeometryWithoutUnrolling = "MSPEC014";
    public const string MirrorMapWithProximal = "MSPEC015";
    public const string GeometryWithReset = "MSPEC016";
    public const string GeometryWithLearnedStepSizes = "MSPEC017";
    public const string TorchLearnerNotGenerated = "MSPEC018";

    /// <summary>The generator's "spec class must be partial" diagnostic, which the code fixes also fix.</summary>
    public const string GeneratorNotPartial = "MSPEC101";

    /// <summary>The absolute URL of the ID's page (docs/diagnostics/ID.md in the repository; the generator uses the same).</summary>
    public static string HelpLink(string id) => MetaSpec.Specification.HelpLinks.For(id);
}
