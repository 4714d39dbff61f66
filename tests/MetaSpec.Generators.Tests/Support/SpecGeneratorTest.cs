using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Microsoft.CodeAnalysis.Text;

namespace MetaSpec.Generators.Tests.Support;

/// <summary>
/// The Roslyn source-generator test framework on MetaSpec specs: the running runtime's assemblies and MetaSpec as
/// references (a target framework without a reference package, so nothing is resolved through NuGet when tests run),
/// the latest language version and nullable enabled, as the generated code declares.
/// </summary>
internal sealed class SpecGeneratorTest : CSharpSourceGeneratorTest<MetaSpecGenerator, DefaultVerifier>
{
    public SpecGeneratorTest(string source)
    {
        ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        foreach (var reference in MetaSpec.Tests.Shared.RuntimeReferences.All.Value) TestState.AdditionalReferences.Add(reference);
        TestState.Sources.Add(source);
    }

    /// <summary>Expects <paramref name="text"/> as the generated file <paramref name="hintName"/>, as the generator adds it (UTF-8).</summary>
    public SpecGeneratorTest Generates(string hintName, string text)
    {
        TestState.GeneratedSources.Add((typeof(MetaSpecGenerator), hintName, SourceText.From(text, Encoding.UTF8)));
        return this;
    }

    protected override ParseOptions CreateParseOptions() => ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Latest);

    protected override CompilationOptions CreateCompilationOptions() =>
        ((CSharpCompilationOptions)base.CreateCompilationOptions()).WithNullableContextOptions(NullableContextOptions.Enable);
}
