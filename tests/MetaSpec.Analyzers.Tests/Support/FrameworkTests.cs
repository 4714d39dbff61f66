using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using MetaSpec.Generators;

namespace MetaSpec.Analyzers.Tests.Support;

/// <summary>
/// How the Roslyn test frameworks (Microsoft.CodeAnalysis.*.Testing) see a MetaSpec test project: the references of
/// the running runtime plus MetaSpec, never a reference-assembly package. <see cref="ReferenceAssemblies"/> with a
/// package (Net.Net80 and the like) resolves it through NuGet when the test runs, which would download on a fresh
/// machine; a target framework without a package resolves to nothing, offline, and the references come from
/// <see cref="MetaSpec.Tests.Shared.RuntimeReferences"/> instead.
/// </summary>
internal static class FrameworkReferences
{
    public static readonly ReferenceAssemblies None = new("net10.0");

    public static void Apply(SolutionState state)
    {
        foreach (var reference in MetaSpec.Tests.Shared.RuntimeReferences.All.Value) state.AdditionalReferences.Add(reference);
    }

    /// <summary>The framework's markup for an expected diagnostic of <paramref name="id"/>: our <c>[|…|]</c> becomes <c>{|ID:…|}</c>.</summary>
    public static string Markup(string marked, string? id) => id is null ? marked : marked.Replace("[|", "{|" + id + ":").Replace("|]", "|}");
}

/// <summary>An analyzer test on a MetaSpec spec: <c>[|…|]</c> markup for <c>defaultId</c>, <c>{|ID:…|}</c> for others.</summary>
internal sealed class SpecAnalyzerTest<TAnalyzer> : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> where TAnalyzer : DiagnosticAnalyzer, new()
{
    public SpecAnalyzerTest(string marked, string? defaultId = null, string? editorConfig = null)
    {
        ReferenceAssemblies = FrameworkReferences.None;
        FrameworkReferences.Apply(TestState);
        TestCode = AnalyzerHarness.Usings + FrameworkReferences.Markup(marked, defaultId);
        if (editorConfig is not null) TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*]\n" + editorConfig));
    }

    protected override ParseOptions CreateParseOptions() => ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Latest);
}

/// <summary>
/// A code-fix test on a MetaSpec spec. With <c>withGenerator</c> the MetaSpec generator runs in every state, as in a
/// user's build: its diagnostics (MSPEC101 for the make-partial fix) are expected like the analyzer's, and the fixed
/// code must compile with the generated sources.
/// </summary>
internal sealed class SpecCodeFixTest<TAnalyzer, TCodeFix> : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    private readonly bool _withGenerator;

    public SpecCodeFixTest(string before, string after, bool withGenerator = false, string? editorConfig = null)
    {
        _withGenerator = withGenerator;
        ReferenceAssemblies = FrameworkReferences.None;
        FrameworkReferences.Apply(TestState);
        FrameworkReferences.Apply(FixedState);
        TestCode = AnalyzerHarness.Usings + before;
        FixedCode = AnalyzerHarness.Usings + after;
        // The generated files are the generator tests' concern (baselines); here they only have to compile.
        TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        if (editorConfig is not null)
        {
            TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*]\n" + editorConfig));
            FixedState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*]\n" + editorConfig));
        }
    }

    protected override IEnumerable<Type> GetSourceGenerators() => _withGenerator ? [typeof(MetaSpecGenerator)] : [];

    protected override ParseOptions CreateParseOptions() => ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Latest);
}
