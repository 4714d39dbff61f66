using System.Collections.Immutable;
using MetaSpec.Specification;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers;

/// <summary>
/// MSPEC007: a number the runtime would reject. The rules are the shared <see cref="SettingRules"/>, which
/// InnerLoop.Validate, Hypergradient.Validate, the trainer options and the optimisers check too (settings of the
/// chosen method, optimiser and geometry only, as there; settings they ignore are MSPEC012's), so a spec that passes here
/// does not throw when the trainer is built.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SettingRangeAnalyzer : LearnerAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.SettingOutOfRange);

    private protected override void Analyze(SymbolAnalysisContext context, LearnerDeclaration learner, SpecTypes types)
    {
        var inner = learner.Inner;
        var innerAttribute = learner.InnerAttribute;
        Check(context, innerAttribute, SettingRules.Steps, inner.Steps);
        Check(context, innerAttribute, SettingRules.StepSize, inner.StepSize);
        Check(context, innerAttribute, SettingRules.Smoothness, inner.Smoothness);
        Check(context, innerAttribute, SettingRules.Proximal, inner.Proximal);

        if (learner.Outer is { } outer && learner.OuterAttribute is { } outerAttribute)
        {
            Check(context, outerAttribute, SettingRules.LearningRate, outer.LearningRate);
            Check(context, outerAttribute, SettingRules.TaskBatch, outer.TaskBatch);
            Check(context, outerAttribute, SettingRules.ClipGradientNorm, outer.ClipGradientNorm);
            if (outer.Kind is { } optimizer && MethodCapabilities.UsesMomentum(optimizer))
                Check(context, outerAttribute, SettingRules.Momentum, outer.Momentum);
        }

        if (learner.GeometryAttribute is { } geometryAttribute && learner.Geometry.Geometry is { } geometry)
            foreach (GeometrySetting setting in System.Enum.GetValues(typeof(GeometrySetting)))
                if (SettingRules.For(setting) is { } rule && GeometryRules.Uses(geometry, setting))
                    Check(context, geometryAttribute, rule, learner.Geometry.Value(setting));

        if (learner.HypergradientAttribute is not { } methodAttribute || learner.Kind is not { } kind) return;
        var method = learner.Method;
        foreach (MethodSetting setting in System.Enum.GetValues(typeof(MethodSetting)))
            if (SettingRules.For(setting) is { } rule && MethodCapabilities.Uses(kind, method.SolverKind, setting))
                Check(context, methodAttribute, rule, method.Value(setting));
    }

    private static void Check(SymbolAnalysisContext context, AttributeData attribute, SettingRule rule, double value)
    {
        if (!rule.Accepts(value))
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SettingOutOfRange,
                AttributeArguments.Location(attribute, rule.Name, context.CancellationToken), rule.Name, SettingRule.Format(value), rule.Requirement));
    }
}
