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

    private protected override void Analyze(SymbolAnalysisContext context, LearnerDeclaration learner)
    {
        if (!learner.Inner.LearnStepSizes) return;
        var cancellation = context.CancellationToken;
        var location = AttributeArguments.Location(learner.InnerAttribute, "LearnStepSizes", cancellation);
        string? reason = learner.MethodName switch
        {
            "Unrolled" or "HessianFree" => null,
            "FirstOrder" => "it drops the derivative through the inner steps, so the step sizes get no gradient",
            "Reptile" => "its direction θ − θ_N has no derivative with respect to the step sizes",
            "Implicit" => "its hypergradient depends only on the adapted point, not on the path that reached it",
            "EvolutionStrategies" => "its Jacobian estimate perturbs θ only, not the step sizes",
            _ => "the method is not one MetaSpec knows",
        };
        if (reason is not null)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LearnedStepSizesWithoutUnrolling, location,
                learner.MethodName ?? learner.Method.Method.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), reason));
        if (learner.Inner.ResetAdaptedToZero)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.LearnedStepSizesWithReset,
                AttributeArguments.Location(learner.InnerAttribute, "ResetAdaptedToZero", cancellation)));
    }
}
