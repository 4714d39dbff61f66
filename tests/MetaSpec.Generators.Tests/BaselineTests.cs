using MetaSpec.Generators.Tests.Support;
using Microsoft.CodeAnalysis;

namespace MetaSpec.Generators.Tests;

/// <summary>
/// The generated source of every spec in Specs/ equals its baseline in Baselines/{Spec}/{Hint}.txt, file by
/// file, and compiles with zero diagnostics against the runtime. Set METASPEC_UPDATE_BASELINES=1 to rewrite
/// the baselines from the current generator (then review the diff).
/// </summary>
public sealed class BaselineTests
{
    public static TheoryData<string> Specs() =>
        [.. Directory.GetFiles(Path.Combine(GeneratorHarness.ProjectDirectory(), "Specs"), "*.cs").Select(p => Path.GetFileNameWithoutExtension(p)).Order()];

    private static bool Updating => Environment.GetEnvironmentVariable("METASPEC_UPDATE_BASELINES") == "1";

    [Theory]
    [MemberData(nameof(Specs))]
    public void Generated_source_matches_baseline(string spec)
    {
        var (_, output, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compile(ReadSpec(spec)));
        Assert.Empty(diagnostics);
        var generated = output.SyntaxTrees.Skip(1).ToDictionary(t => Path.GetFileName(t.FilePath), t => t.GetText().ToString());
        Assert.NotEmpty(generated);

        string directory = Path.Combine(GeneratorHarness.ProjectDirectory(), "Baselines", spec);
        if (Updating)
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            Directory.CreateDirectory(directory);
            foreach (var (hint, text) in generated) File.WriteAllText(Path.Combine(directory, hint + ".txt"), text);
            return;
        }
        var expected = Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.txt").ToDictionary(p => Path.GetFileNameWithoutExtension(p), File.ReadAllText)
            : [];
        Assert.Equal(expected.Keys.Order(), generated.Keys.Order());
        foreach (var (hint, text) in generated)
            Assert.True(expected[hint] == text, $"{spec}/{hint} differs from its baseline; rerun with METASPEC_UPDATE_BASELINES=1 and review the diff.\n{text}");
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Generated_source_compiles_without_diagnostics(string spec)
    {
        var (_, output, generatorDiagnostics) = GeneratorHarness.Run(GeneratorHarness.Compile(ReadSpec(spec)));
        Assert.Empty(generatorDiagnostics);
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static string ReadSpec(string spec) => File.ReadAllText(Path.Combine(GeneratorHarness.ProjectDirectory(), "Specs", spec + ".cs"));
}
