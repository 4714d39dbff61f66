using System.Collections.Immutable;
using MetaSpec.Specification;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers;

/// <summary>
/// MSPEC018: in a project that references MetaSpec.Torch, the generator gives each learner a torch half
/// (CreateTorchLearner, …) only when the torch backend computes its spec (<see cref="TorchSupport"/>, the rule the
/// generator applies). A learner left without one gets this warning, at the setting that rules it out, with the reason:
/// otherwise the missing member would surface only as a compile error where the user calls it.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TorchSupportAnalyzer : LearnerAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.TorchLearnerNotGenerated);

    private protected override void Analyze(SymbolAnalysisContext context, LearnerDeclaration learner, SpecTypes types)
    {
        if (!types.TargetsTorch || learner.Outer is not { } outer) return; // without [OuterProblem] the generator emits no learner at all (MSPEC108)
        var inner = learner.Inner;
        var geometry = inner.LearnStepSizes ? StepGeometryKind.Diagonal : learner.Geometry.Geometry;
        if (TorchSupport.WhyNot(learner.Kind, geometry, inner.ResampleSupport, inner.Loss.As<TaskLoss>(), outer.Kind) is not { } reason) return;
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.TorchLearnerNotGenerated,
            Where(learner, geometry, context.CancellationToken), learner.Type.Name, reason));
    }

    /// <summary>The setting that rules the torch backend out, in <see cref="TorchSupport.WhyNot"/>'s order.</summary>
    private static Location Where(LearnerDeclaration learner, StepGeometryKind? geometry, System.Threading.CancellationToken cancellation)
    {
        var method = learner.Kind;
        if (method is null or HypergradientMethod.HessianFree or HypergradientMethod.EvolutionStrategies && learner.HypergradientAttribute is { } h)
            return AttributeArguments.First(h, cancellation);
        if (geometry is not (StepGeometryKind.Identity or StepGeometryKind.Diagonal) || (geometry == StepGeometryKind.Diagonal && method != HypergradientMethod.Unrolled))
            return learner.Inner.LearnStepSizes || learner.GeometryAttribute is null
                ? AttributeArguments.Location(learner.InnerAttribute, "LearnStepSizes", cancellation)
                : AttributeArguments.First(learner.GeometryAttribute, cancellation);
        if (learner.Inner.ResampleSupport) return AttributeArguments.Location(learner.InnerAttribute, "ResampleSupport", cancellation);
        return learner.Type.Locations.Length > 0 ? learner.Type.Locations[0] : Location.None;
    }
}
