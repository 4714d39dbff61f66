using MetaSpec.Specification;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers;

/// <summary>
/// MSPEC011: the implicit hypergradient assumes the adapted point φ solves one inner problem. With resampled
/// support data φ comes from N different draws, and the runtime's solve (Engine/Methods/Implicit.cs) multiplies by the
/// Hessian of the first draw only: a valid but noisier estimate, at a point that draw did not produce. The
/// runtime accepts it, so this is a warning; with one inner step there is one draw and nothing to warn about.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ResampledSupportWithImplicitAnalyzer : LearnerAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ResampledSupportWithImplicit);

    private protected override void Analyze(SymbolAnalysisContext context, LearnerDeclaration learner, SpecTypes types)
    {
        if (learner.Kind != HypergradientMethod.Implicit || !learner.Inner.ResampleSupport || learner.Inner.Steps < 2) return;
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ResampledSupportWithImplicit,
            AttributeArguments.Location(learner.InnerAttribute, "ResampleSupport", context.CancellationToken),
            learner.Inner.Steps.ToString(CultureInfo.InvariantCulture)));
    }
}
