using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers;

/// <summary>
/// MSPEC013: ResetAdaptedToZero restarts the adapted subset from zero for every task and leaves it out of the
/// meta-parameters (a head on a shared, meta-learned embedding). With no [Adapt] the subset is every layer: each task
/// starts from all zeros and the meta-gradient is zero everywhere, so training runs and learns nothing.
/// MetaProblem rejects the same spec at run time.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ResetWithoutAdaptedLayersAnalyzer : LearnerAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ResetWithoutAdaptedLayers);

    private protected override void Analyze(SymbolAnalysisContext context, LearnerDeclaration learner, SpecTypes types)
    {
        if (!learner.Inner.ResetAdaptedToZero || learner.ModelType is not { } model || types.HasAdaptedField(model)) return;
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ResetWithoutAdaptedLayers,
            AttributeArguments.Location(learner.InnerAttribute, "ResetAdaptedToZero", context.CancellationToken), model.Name));
    }
}
