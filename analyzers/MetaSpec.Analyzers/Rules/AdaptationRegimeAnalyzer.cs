using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using MetaSpec.Specification;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers;

/// <summary>
/// MSPEC003/MSPEC004: the two regimes of Ji, Lee, Liang and Poor (NeurIPS 2020) for adapting a subset of the
/// parameters (ANIL). When the subset is exactly the linear last layer, the inner problem is convex in it
/// (strongly so with regularisation): convergence improves with N and then saturates, so N = 1 wastes the
/// cheap inner steps. When the subset reaches into the body (or the head is nonlinear), the inner problem is
/// nonconvex: rate and complexity both worsen with N (O(N²ε⁻²)), so N should stay small. Specs without [Adapt]
/// (full MAML) are outside this analysis; MSPEC001 covers them.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AdaptationRegimeAnalyzer : LearnerAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.NonconvexAdaptationTooManySteps, DiagnosticDescriptors.ConvexHeadSingleStep);

    private protected override bool NeedsModel => true;

    private protected override void Analyze(SymbolAnalysisContext context, LearnerDeclaration learner, SpecTypes types)
    {
        if (learner.Model is not { } model || learner.Inner.Steps < 1) return;
        var adapted = new List<PlacedLayer>();
        bool anyMarked = false;
        int lastWithParameters = -1;
        for (int l = 0; l < model.Layers.Count; l++)
        {
            var placed = model.Layers[l];
            anyMarked |= placed.Layer.Adapted;
            if (placed.ParameterCount > 0) lastWithParameters = l;
            if (placed.Layer.Adapted && placed.ParameterCount > 0) adapted.Add(placed);
        }
        if (!anyMarked || adapted.Count == 0) return; // full MAML, or an empty subset (MSPEC006)

        var head = adapted[0];
        bool convexHead = adapted.Count == 1 && ReferenceEquals(head, model.Layers[lastWithParameters])
            && head.Layer.Kind == LayerKind.Dense && head.Layer.Activation == ActivationKind.None;
        var cancellation = context.CancellationToken;
        var location = AttributeArguments.Location(learner.InnerAttribute, "Steps", cancellation);
        if (convexHead)
        {
            if (learner.Inner.Steps == 1)
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ConvexHeadSingleStep, location, head.Layer.Name));
            return;
        }
        int maxSteps = AnalyzerSettings.For(context.Options, location.SourceTree).NonconvexAnilMaxSteps;
        if (learner.Inner.Steps <= maxSteps) return;
        var names = new List<string>();
        foreach (var layer in adapted) names.Add(layer.Layer.Name);
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.NonconvexAdaptationTooManySteps, location,
            string.Join(", ", names), maxSteps.ToString(CultureInfo.InvariantCulture)));
    }
}
