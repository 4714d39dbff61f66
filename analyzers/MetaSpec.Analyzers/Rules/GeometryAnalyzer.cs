using System.Collections.Immutable;
using MetaSpec.Specification;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers;

/// <summary>
/// MSPEC014–017: the combinations a learned step geometry is not defined with (docs/geometry.md, "Validation"). A learned
/// geometry's parameters get a meta-gradient only from a method that differentiates the adapted point with respect to the
/// inner step (MSPEC014); the mirror map has no proximal term (MSPEC015); a learned geometry needs a meta-learned start,
/// which a re-solved head is not (MSPEC016); LearnStepSizes is the diagonal geometry and cannot be another one (MSPEC017).
/// The messages are <see cref="GeometryRules"/>', which InnerLoop.Validate and Hypergradient.Validate throw at run time.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class GeometryAnalyzer : LearnerAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.GeometryWithoutUnrolling, DiagnosticDescriptors.MirrorMapWithProximal, DiagnosticDescriptors.GeometryWithReset,
        DiagnosticDescriptors.GeometryWithLearnedStepSizes);

    private protected override void Analyze(SymbolAnalysisContext context, LearnerDeclaration learner, SpecTypes types)
    {
        // A cast to no member is left alone, as for the methods: no rule knows what it means.
        if (learner.GeometryAttribute is not { } attribute || learner.Geometry.Geometry is not { } geometry) return;
        var cancellation = context.CancellationToken;
        var inner = learner.Inner;
        var at = AttributeArguments.First(attribute, cancellation);
        if (learner.Kind is { } method && MethodCapabilities.WhyNoLearnedGeometry(method) is { } reason && GeometryRules.IsLearned(geometry))
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GeometryWithoutUnrolling, at, geometry.ToString(), method.ToString(), reason));
        if (GeometryRules.ProximalProblem(geometry, inner.Proximal) is not null)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.MirrorMapWithProximal,
                AttributeArguments.Location(learner.InnerAttribute, "Proximal", cancellation), geometry.ToString(), SettingRule.Format(inner.Proximal)));
        if (inner.ResetAdaptedToZero && GeometryRules.WhyNoReset(geometry) is { } why)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GeometryWithReset,
                AttributeArguments.Location(learner.InnerAttribute, "ResetAdaptedToZero", cancellation), geometry.ToString(), why));
        if (GeometryRules.StepSizesProblem(geometry, inner.LearnStepSizes) is not null)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GeometryWithLearnedStepSizes,
                AttributeArguments.Location(learner.InnerAttribute, "LearnStepSizes", cancellation), geometry.ToString()));
    }
}
