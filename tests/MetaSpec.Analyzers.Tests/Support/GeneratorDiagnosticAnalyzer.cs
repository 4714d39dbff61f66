using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers.Tests.Support;

/// <summary>
/// Reports the MetaSpec generator's MSPEC101 as an analyzer would, for the code-fix framework: it applies fixes to
/// analyzer diagnostics only, while the make-partial fix answers the generator's. The diagnostic is the generator's
/// own (same descriptor, message and location), taken from a run of the generator on the compilation.
/// </summary>
// Test-only: the framework loads it in process; no compiler ever does, so the packaging rules do not apply.
#pragma warning disable RS1036, RS1038, RS1041
[DiagnosticAnalyzer(LanguageNames.CSharp)]
internal sealed class GeneratorDiagnosticAnalyzer : DiagnosticAnalyzer
{
    private static readonly Lazy<DiagnosticDescriptor> NotPartial = new(() =>
        AnalyzerHarness.RunGenerator(AnalyzerHarness.Compile(AnalyzerHarness.Usings + "[MetaModel(1)] public class Net { Dense d = new(1); }"))
            .Diagnostics.Single(d => d.Id == RuleIdentifiers.GeneratorNotPartial).Descriptor);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [NotPartial.Value];

    /// <summary>The message arguments of a generator diagnostic (Roslyn keeps them on the diagnostic, not public API).</summary>
    private static object?[] DiagnosticArguments(Diagnostic diagnostic) =>
        (object?[]?)diagnostic.GetType().GetProperty("Arguments", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)?.GetValue(diagnostic) ?? [];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        // Per document (a semantic-model action), so the diagnostics are local, as fixes require.
        context.RegisterSemanticModelAction(c =>
        {
            var tree = c.SemanticModel.SyntaxTree;
            foreach (var diagnostic in AnalyzerHarness.RunGenerator(c.SemanticModel.Compilation).Diagnostics)
            {
                // The generator's locations are path + span (no syntax tree may live in its pipeline); the framework
                // finds a diagnostic's document by its tree, so the location is mapped back to the tree of that path.
                if (diagnostic.Id != RuleIdentifiers.GeneratorNotPartial || diagnostic.Location.GetLineSpan().Path != tree.FilePath) continue;
                c.ReportDiagnostic(Diagnostic.Create(diagnostic.Descriptor, Location.Create(tree, diagnostic.Location.SourceSpan),
                    diagnostic.Properties, [.. DiagnosticArguments(diagnostic)]));
            }
        });
    }
}
#pragma warning restore RS1036, RS1038, RS1041
