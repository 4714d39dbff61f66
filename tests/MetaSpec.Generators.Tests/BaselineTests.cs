using MetaSpec.Generators.Tests.Support;
using Microsoft.CodeAnalysis;

namespace MetaSpec.Generators.Tests;

/// <summary>
/// The generated source of every spec in Specs/ equals its baseline in Baselines/{Spec}/{Hint}.txt, file by
/// file (checked by the Roslyn source-generator test framework), and compiles with zero diagnostics against the runtime. Set METASPEC_UPDATE_BASELINES=1 to rewrite
/// the baselines from the current generator (then review the diff).
/// </summary>
public sealed class BaselineTests
{
    public static TheoryData<string> Specs() =>
        [.. Directory.GetFiles(Path.Combine(GeneratorHarness.ProjectDirectory(), "Specs"), "*.cs").Select(p => Path.GetFileNameWithoutExtension(p)).Order()];

    private static bool Updating => Environment.GetEnvironmentVariable("METASPEC_UPDATE_BASELINES") == "1";

    [Theory]
    [MemberData(nameof(Specs))]
    public async Task Generated_source_matches_baseline(string spec)
    {
        string directory = Path.Combine(GeneratorHarness.ProjectDirectory(), "Baselines", spec);
        if (!Updating)
        {
            await Verify(spec, directory);
            return;
        }

        var (_, output, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compile(ReadSpec(spec)));
        Assert.Empty(diagnostics);
        var generated = output.SyntaxTrees.Skip(1).ToDictionary(t => Path.GetFileName(t.FilePath), t => t.GetText().ToString());
        Assert.NotEmpty(generated);

        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        foreach (var (hint, text) in generated) File.WriteAllText(Path.Combine(directory, hint + ".txt"), text);
    }

    private static async Task Verify(string spec, string directory)
    {
        // Verified by the Roslyn generator test framework: exactly these files, with these texts, and a compilation without errors.
        var test = new SpecGeneratorTest(ReadSpec(spec));
        Assert.True(Directory.Exists(directory), $"{spec} has no baselines; rerun with METASPEC_UPDATE_BASELINES=1 and review them.");
        foreach (string path in Directory.GetFiles(directory, "*.txt").Order())
            test.Generates(Path.GetFileNameWithoutExtension(path), File.ReadAllText(path));
        await test.RunAsync();
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
