using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers;

/// <summary>
/// MSPEC001: α·N·L &gt; c. Ji, Yang and Liang (JMLR 2021) show N-step MAML converges for α ≤ Θ(1/(N·L)): the
/// N inner steps multiply the meta-gradient by ∏(I − α∇²L_S), whose norm can grow like (1 + αL)^N, so the
/// step must shrink with N. MSPEC002: without a declared L the check moves to the runtime's estimate.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StepSizeAnalyzer : LearnerAnalyzer
{
    /// <summary>Diagnostic property carrying the fixed step size's literal text for the code fix.</summary>
    public const string SuggestedStepSizeProperty = "SuggestedStepSize";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.StepSizeTooLarge, DiagnosticDescriptors.SmoothnessNotDeclared);

    private protected override void Analyze(SymbolAnalysisContext context, LearnerDeclaration learner, SpecTypes types)
    {
        var inner = learner.Inner;
        // Out-of-range values are MSPEC007's; the bound means nothing for them.
        if (inner.Steps < 1 || !(inner.StepSize > 0) || double.IsInfinity(inner.StepSize)) return;
        var cancellation = context.CancellationToken;
        if (inner.Smoothness == 0)
        {
            // Actionable without L: the largest L for which the declared α and N pass, so the user can compare.
            var attribute = AttributeArguments.Syntax(learner.InnerAttribute, cancellation)?.GetLocation();
            double constant = AnalyzerSettings.For(context.Options, attribute?.SourceTree).StepSizeConstant;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SmoothnessNotDeclared, attribute,
                learner.Type.Name, Numbers.Format(inner.StepSize), inner.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Numbers.Short(constant / (inner.StepSize * inner.Steps)), Numbers.Format(constant)));
            return;
        }
        if (!(inner.Smoothness > 0) || double.IsInfinity(inner.Smoothness)) return;

        var location = AttributeArguments.Location(learner.InnerAttribute, "StepSize", cancellation);
        var settings = AnalyzerSettings.For(context.Options, location.SourceTree);
        double c = settings.StepSizeConstant;
        double product = inner.StepSize * inner.Steps * inner.Smoothness;
        if (!Numbers.Exceeds(product, c)) return;
        double bound = c / (inner.Steps * inner.Smoothness);
        string suggested = Numbers.Format(Numbers.FloorToThreeDigits(bound));
        var properties = ImmutableDictionary<string, string?>.Empty.Add(SuggestedStepSizeProperty, suggested);
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.StepSizeTooLarge, location, properties,
            Numbers.Format(inner.StepSize), inner.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Numbers.Format(inner.Smoothness), Numbers.Short(product), Numbers.Format(c), suggested));
    }
}
