using System.Collections.Immutable;
using MetaSpec.Specification;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers;

/// <summary>
/// MSPEC005/MSPEC006: [Adapt] must mark a layer with parameters, or the adapted subset is not what it looks like.
/// On a static field, a constant or a field of a class without [MetaModel] the attribute is silently ignored;
/// on Flatten or MaxPool2d there is nothing to adapt and the runtime's MetaProblem.ForNetwork throws. An
/// instance field of a non-layer type in a [MetaModel] class is the generator's MSPEC103, not reported twice.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AdaptAttributeAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.AdaptOnNonLayer, DiagnosticDescriptors.AdaptedLayerWithoutParameters);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (SpecTypes.Resolve(start.Compilation) is not { Adapt: not null } types) return;
            start.RegisterSymbolAction(symbol => Analyze(symbol, types), SymbolKind.Field);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, SpecTypes types)
    {
        var field = (IFieldSymbol)context.Symbol;
        if (types.Find(field, types.Adapt) is not { } adapt) return;
        var location = AttributeArguments.Syntax(adapt, context.CancellationToken)?.GetLocation() ?? field.Locations[0];
        string? misuse = field.IsConst ? "it is a constant"
            : field.IsStatic ? "it is static, and layers are instance fields"
            : types.Find(field.ContainingType, types.MetaModel) is null ? $"'{field.ContainingType.Name}' is not a [MetaModel] class"
            : null;
        if (misuse is not null)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.AdaptOnNonLayer, location, field.Name, misuse));
            return;
        }
        if (field.Type is INamedTypeSymbol type && SymbolReading.FullName(type) is var name
            && (name == SpecNames.Namespace + "." + nameof(LayerKind.Flatten) || name == SpecNames.Namespace + "." + nameof(LayerKind.MaxPool2d)))
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.AdaptedLayerWithoutParameters, location, field.Name, type.Name));
    }
}
