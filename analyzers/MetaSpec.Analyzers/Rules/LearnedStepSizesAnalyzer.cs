using MetaSpec.Specification;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers;

/// <summary>
/// MSPEC009/MSPEC010: Meta-SGD learns α by differentiating the adapted parameters with respect to it, which only
/// the methods that unroll the inner steps do; and it needs a meta-learned starting point, which a head
/// re-solved from zero is not. Mirrors Hypergradient.Validate and InnerLoop.Validate.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LearnedStepSizesAnalyzer : LearnerAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.LearnedStepSizesWithoutUnrolling, DiagnosticDescriptors.LearnedStepSizesWithReset);

    private protected override void Analyze(SymbolAnalysisContext context, LearnerDeclaration learner, SpecTypes types)
    {
        if (!learner.Inner.LearnStepSizes) return;
        var cancellation = context.CancellationToken;
        var location = AttributeArguments.Location(learner.InnerAttribute, "LearnStepSizes", cancellation);
        // A cast to no method is left alone: the generated code throws for it, and no rule knows what it means.
        if (learner.Kind is { } method && MethodCapabilities.WhyNoLearnedGeometry(method) is { } reason)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LearnedStepSizesWithoutUnrolling, location, method.ToString(), reason));
        if (learner.Inner.ResetAdaptedToZero)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LearnedStepSizesWithReset,
                AttributeArguments.Location(learner.InnerAttribute, "ResetAdaptedToZero", cancellation)));
    }
}
