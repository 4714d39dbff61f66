using MetaSpec.Specification;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers;

/// <summary>
/// MSPEC008: the implicit method solves (∇²L_S + λI)w = ∇L_Q at the adapted point; without λ &gt; 0 that matrix
/// can be singular or indefinite (iMAML's proximal term is what makes the inner problem strongly convex).
/// Mirrors Hypergradient.Validate.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ImplicitWithoutProximalAnalyzer : LearnerAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ImplicitWithoutProximal);

    private protected override void Analyze(SymbolAnalysisContext context, LearnerDeclaration learner, SpecTypes types)
    {
        // A negative or non-finite λ is MSPEC007's; only "no proximal term at all" is this rule's.
        if (learner.Kind is not { } kind || !MethodCapabilities.NeedsProximal(kind) || learner.Inner.Proximal != 0 || learner.HypergradientAttribute is not { } method) return;
        var location = AttributeArguments.Named(learner.InnerAttribute, "Proximal", context.CancellationToken)?.GetLocation()
            ?? AttributeArguments.First(method, context.CancellationToken);
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ImplicitWithoutProximal, location));
    }
}
