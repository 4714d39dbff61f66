using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers;

/// <summary>
/// MSPEC007: a number the runtime would reject. The checks mirror InnerLoop.Validate, Hypergradient.Validate
/// (settings of the chosen method only, as there), MetaTrainer's options and the optimisers' constructors, so a
/// spec that passes here does not throw when the trainer is built.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SettingRangeAnalyzer : LearnerAnalyzer
{
    private const string Positive = "positive and finite";
    private const string NonNegative = "non-negative and finite (0 for none)";
    private const string AtLeastOne = "at least 1";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.SettingOutOfRange);

    private protected override void Analyze(SymbolAnalysisContext context, LearnerDeclaration learner)
    {
        var inner = learner.Inner;
        var innerAttribute = learner.InnerAttribute;
        CheckCount(context, innerAttribute, "Steps", inner.Steps);
        CheckPositive(context, innerAttribute, "StepSize", inner.StepSize);
        CheckNonNegative(context, innerAttribute, "Smoothness", inner.Smoothness, "non-negative and finite (0 lets the trainer estimate it)");
        CheckNonNegative(context, innerAttribute, "Proximal", inner.Proximal, NonNegative);

        if (learner.Outer is { } outer && learner.OuterAttribute is { } outerAttribute)
        {
            CheckPositive(context, outerAttribute, "LearningRate", outer.LearningRate);
            CheckCount(context, outerAttribute, "TaskBatch", outer.TaskBatch);
            CheckNonNegative(context, outerAttribute, "ClipGradientNorm", outer.ClipGradientNorm, NonNegative);
            // Only SGD reads the momentum (Adam has its own moments), as the runtime's Sgd constructor checks it.
            if (outer.Optimizer.Name == "Sgd" && !(outer.Momentum >= 0 && outer.Momentum < 1))
                Report(context, outerAttribute, "Momentum", Numbers.Format(outer.Momentum), "in [0, 1)");
        }

        if (learner.HypergradientAttribute is not { } methodAttribute) return;
        var method = learner.Method;
        switch (learner.MethodName)
        {
            case "Implicit":
                CheckCount(context, methodAttribute, "Iterations", method.Iterations);
                CheckNonNegative(context, methodAttribute, "NeumannStep", method.NeumannStep, "non-negative and finite (0 means 1/λ)");
                break;
            case "HessianFree":
                CheckPositive(context, methodAttribute, "FiniteDifferenceStep", method.FiniteDifferenceStep);
                break;
            case "EvolutionStrategies":
                CheckCount(context, methodAttribute, "Directions", method.Directions);
                CheckPositive(context, methodAttribute, "Smoothing", method.Smoothing);
                break;
        }
    }

    private static void CheckCount(SymbolAnalysisContext context, AttributeData attribute, string name, int value)
    {
        if (value < 1) Report(context, attribute, name, value.ToString(CultureInfo.InvariantCulture), AtLeastOne);
    }

    private static void CheckPositive(SymbolAnalysisContext context, AttributeData attribute, string name, double value)
    {
        if (!(value > 0) || double.IsInfinity(value)) Report(context, attribute, name, Numbers.Format(value), Positive);
    }

    private static void CheckNonNegative(SymbolAnalysisContext context, AttributeData attribute, string name, double value, string requirement)
    {
        if (!(value >= 0) || double.IsInfinity(value)) Report(context, attribute, name, Numbers.Format(value), requirement);
    }

    private static void Report(SymbolAnalysisContext context, AttributeData attribute, string name, string value, string requirement) =>
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SettingOutOfRange,
            AttributeArguments.Location(attribute, name, context.CancellationToken), name, value, requirement));
}
