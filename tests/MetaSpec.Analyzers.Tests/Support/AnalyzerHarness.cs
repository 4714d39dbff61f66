using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using MetaSpec.Generators;

namespace MetaSpec.Analyzers.Tests.Support;

/// <summary>
/// An in-house harness on Roslyn's Workspaces package alone (no Microsoft.CodeAnalysis.Testing): compile a spec
/// against the MetaSpec runtime, run analyzers with .editorconfig options through <see cref="CompilationWithAnalyzers"/>,
/// compare with the marked spans, apply a code fix in an <see cref="AdhocWorkspace"/>, and compile the result.
/// </summary>
internal static class AnalyzerHarness
{
    public const string Usings = "using MetaSpec;\n";

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly CSharpCompilationOptions CompilationOptions =
        new(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable);

    public static CSharpCompilation Compile(params string[] sources) => CSharpCompilation.Create(
        "Specs",
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: i == 0 ? "Spec.cs" : $"Spec{i}.cs")),
        MetaSpec.Tests.Shared.RuntimeReferences.All.Value,
        CompilationOptions);

    /// <summary>The analyzer's diagnostics on <paramref name="source"/>, sorted by position; the source must compile.</summary>
    public static ImmutableArray<Diagnostic> Analyze(string source, DiagnosticAnalyzer analyzer, AnalyzerOptions? options = null) =>
        Analyze(Compile(source), analyzer, options);

    public static ImmutableArray<Diagnostic> Analyze(Compilation compilation, DiagnosticAnalyzer analyzer, AnalyzerOptions? options = null)
    {
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "The test source does not compile:\n" + string.Join("\n", errors));
        var withAnalyzers = compilation.WithAnalyzers([analyzer], options ?? TestConfigOptionsProvider.Options());
        var diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        return [.. diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Asserts that <paramref name="analyzer"/> reports exactly the marked diagnostics on <paramref name="marked"/>
    /// (after <see cref="Usings"/>): <c>[|…|]</c> spans carry <paramref name="defaultId"/>. Returns them for message checks.
    /// </summary>
    public static ImmutableArray<Diagnostic> Verify(string marked, DiagnosticAnalyzer analyzer, string? defaultId = null, AnalyzerOptions? options = null)
    {
        var (source, expected) = Markup.Parse(Usings + marked);
        var actual = Analyze(source, analyzer, options);
        var want = expected.Select(e => $"{e.Id ?? defaultId} at {Show(source, e.Span)}").OrderBy(s => s, StringComparer.Ordinal).ToList();
        var got = actual.Select(d => $"{d.Id} at {Show(source, d.Location.SourceSpan)}").OrderBy(s => s, StringComparer.Ordinal).ToList();
        Assert.True(want.SequenceEqual(got), $"Expected:\n  {string.Join("\n  ", want)}\nActual:\n  {string.Join("\n  ", got.Zip(actual, (g, d) => g + ": " + d.GetMessage()))}");
        return actual;
    }

    private static string Show(string source, TextSpan span) => $"{span} '{source.Substring(span.Start, span.Length)}'";

    /// <summary>Runs the MetaSpec generator as the compiler would: its diagnostics and the compilation with its sources.</summary>
    public static (Compilation Output, ImmutableArray<Diagnostic> Diagnostics) RunGenerator(Compilation compilation)
    {
        CSharpGeneratorDriver.Create([new MetaSpecGenerator().AsSourceGenerator()], parseOptions: ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return (output, diagnostics);
    }

    /// <summary>
    /// Applies the first fix <paramref name="fixer"/> offers for <paramref name="diagnostic"/> to <paramref name="source"/>
    /// in an <see cref="AdhocWorkspace"/> and returns the fixed text.
    /// </summary>
    public static string ApplyFix(string source, Diagnostic diagnostic, CodeFixProvider fixer)
    {
        Assert.Contains(diagnostic.Id, fixer.FixableDiagnosticIds);
        using var workspace = new AdhocWorkspace();
        var project = workspace.AddProject(ProjectInfo.Create(ProjectId.CreateNewId(), VersionStamp.Default, "Specs", "Specs", LanguageNames.CSharp,
            compilationOptions: CompilationOptions, parseOptions: ParseOptions, metadataReferences: MetaSpec.Tests.Shared.RuntimeReferences.All.Value));
        var document = workspace.AddDocument(project.Id, "Spec.cs", SourceText.From(source));
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        fixer.RegisterCodeFixesAsync(context).GetAwaiter().GetResult();
        var action = Assert.Single(actions);
        var operations = action.GetOperationsAsync(CancellationToken.None).GetAwaiter().GetResult();
        var changed = Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution;
        return changed.GetDocument(document.Id)!.GetTextAsync().GetAwaiter().GetResult().ToString();
    }

    /// <summary>The directory of this test project's sources.</summary>
    public static string ProjectDirectory() => Path.GetDirectoryName(Path.GetDirectoryName(ThisFile())!)!;

    /// <summary>The repository root.</summary>
    public static string RepositoryRoot() => Path.GetFullPath(Path.Combine(ProjectDirectory(), "..", ".."));

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
