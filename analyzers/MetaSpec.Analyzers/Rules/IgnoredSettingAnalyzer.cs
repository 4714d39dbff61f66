using System.Collections.Immutable;
using MetaSpec.Specification;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers;

/// <summary>
/// MSPEC012: a setting written for a method, optimiser or geometry the spec did not choose (<c>Directions</c> under Reptile,
/// <c>NeumannStep</c> with conjugate gradients, <c>Momentum</c> with Adam, <c>Hidden</c> with Kronecker) would be ignored without a word, so the
/// spec would not train the way it reads. Which settings each method reads is <see cref="MethodCapabilities"/>'s;
/// Hypergradient.Validate rejects the same method settings at run time (when they differ from their defaults).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class IgnoredSettingAnalyzer : LearnerAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.IgnoredSetting);

    private protected override void Analyze(SymbolAnalysisContext context, LearnerDeclaration learner, SpecTypes types)
    {
        var cancellation = context.CancellationToken;
        if (learner.OuterAttribute is { } outerAttribute && learner.Outer?.Kind is { } optimizer && !MethodCapabilities.UsesMomentum(optimizer)
            && AttributeArguments.Named(outerAttribute, "Momentum", cancellation) is { } momentum)
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.IgnoredSetting, momentum.GetLocation(),
                "Momentum", optimizer.ToString(), nameof(OuterOptimizer.Sgd)));

        if (learner.GeometryAttribute is { } geometryAttribute && learner.Geometry.Geometry is { } geometry)
            foreach (GeometrySetting setting in System.Enum.GetValues(typeof(GeometrySetting)))
                if (!GeometryRules.Uses(geometry, setting) && AttributeArguments.Named(geometryAttribute, setting.ToString(), cancellation) is { } written)
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.IgnoredSetting, written.GetLocation(),
                        setting.ToString(), geometry.ToString(), nameof(StepGeometryKind.MirrorMap)));

        // A cast to no method is left alone: nothing is known about what it reads.
        if (learner.HypergradientAttribute is not { } attribute || learner.Kind is not { } method) return;
        var solver = learner.Method.SolverKind;
        foreach (MethodSetting setting in System.Enum.GetValues(typeof(MethodSetting)))
            if (!MethodCapabilities.Uses(method, solver, setting) && AttributeArguments.Named(attribute, setting.ToString(), cancellation) is { } written)
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.IgnoredSetting, written.GetLocation(),
                    setting.ToString(), MethodCapabilities.Describe(method, solver, setting), MethodCapabilities.UsedBy(setting)));
    }
}
