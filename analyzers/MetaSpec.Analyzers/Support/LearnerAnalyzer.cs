using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers;

/// <summary>
/// The registration every learner rule shares: resolve the DSL's attributes once per compilation, then look at
/// each named type that carries [MetaLearner] and [InnerProblem]. Generated code is skipped (a spec is the user's).
/// </summary>
public abstract class LearnerAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Whether the rule needs the laid-out model (read with the generator's shape inference).</summary>
    private protected virtual bool NeedsModel => false;

    /// <inheritdoc/>
    public sealed override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (SpecTypes.Resolve(start.Compilation) is not { } types) return;
            start.RegisterSymbolAction(symbol =>
            {
                if (symbol.Symbol is INamedTypeSymbol type
                    && LearnerDeclaration.Read(type, types, NeedsModel, symbol.CancellationToken) is { } learner)
                    Analyze(symbol, learner, types);
            }, SymbolKind.NamedType);
        });
    }

    private protected abstract void Analyze(SymbolAnalysisContext context, LearnerDeclaration learner, SpecTypes types);
}
