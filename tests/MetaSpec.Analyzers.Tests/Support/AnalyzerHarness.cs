using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using MetaSpec.Generators;

namespace MetaSpec.Analyzers.Tests.Support;

/// <summary>
/// Compiles specs against the MetaSpec runtime and runs analyzers (<see cref="CompilationWithAnalyzers"/>, with
/// .editorconfig options as data) or the generator on them: for tests that count diagnostics across analyzers or
/// run the generated code. Marked-span verification and code fixes go through the Roslyn test frameworks
/// (<see cref="SpecAnalyzerTest{TAnalyzer}"/>, <see cref="SpecCodeFixTest{TAnalyzer, TCodeFix}"/>).
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
    /// Asserts through the Roslyn analyzer test framework that <paramref name="analyzer"/> reports exactly the marked
    /// diagnostics on <paramref name="marked"/> (after <see cref="Usings"/>): <c>[|…|]</c> spans carry
    /// <paramref name="defaultId"/>, <c>{|ID:…|}</c> spans their ID. Returns the diagnostics for message checks.
    /// </summary>
    public static ImmutableArray<Diagnostic> Verify(string marked, DiagnosticAnalyzer analyzer, string? defaultId = null)
    {
        var test = (Microsoft.CodeAnalysis.Testing.AnalyzerTest<Microsoft.CodeAnalysis.Testing.DefaultVerifier>)Activator.CreateInstance(
            typeof(SpecAnalyzerTest<>).MakeGenericType(analyzer.GetType()), marked, defaultId, null)!;
        test.RunAsync().GetAwaiter().GetResult();
        var (source, _) = Markup.Parse(Usings + marked);
        return Analyze(source, analyzer);
    }


    /// <summary>Runs the MetaSpec generator as the compiler would: its diagnostics and the compilation with its sources.</summary>
    public static (Compilation Output, ImmutableArray<Diagnostic> Diagnostics) RunGenerator(Compilation compilation)
    {
        CSharpGeneratorDriver.Create([new MetaSpecGenerator().AsSourceGenerator()], parseOptions: ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return (output, diagnostics);
    }

    /// <summary>The directory of this test project's sources.</summary>
    public static string ProjectDirectory() => Path.GetDirectoryName(Path.GetDirectoryName(ThisFile())!)!;

    /// <summary>The repository root.</summary>
    public static string RepositoryRoot() => Path.GetFullPath(Path.Combine(ProjectDirectory(), "..", ".."));

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
