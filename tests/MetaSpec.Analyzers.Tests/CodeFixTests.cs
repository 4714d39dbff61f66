using MetaSpec.Analyzers.Tests.Support;
using MetaSpec.CodeFixes;
using Microsoft.CodeAnalysis;
using static MetaSpec.Analyzers.Tests.Support.Specs;

namespace MetaSpec.Analyzers.Tests;

/// <summary>Each fix, applied through the workspace, gives the expected text, which compiles (generator included) without the diagnostic.</summary>
public sealed class CodeFixTests
{
    private static string Fix(string source, Diagnostic diagnostic, Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider fixer) =>
        AnalyzerHarness.ApplyFix(source, diagnostic, fixer);

    /// <summary>The fixed spec compiles with the generator's output and neither the analyzer nor the generator reports anything.</summary>
    private static void AssertCleanAndCompiles(string source, Microsoft.CodeAnalysis.Diagnostics.DiagnosticAnalyzer analyzer, params string[] goneIds)
    {
        var (output, generatorDiagnostics) = AnalyzerHarness.RunGenerator(AnalyzerHarness.Compile(source));
        Assert.Empty(generatorDiagnostics);
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        var remaining = AnalyzerHarness.Analyze(output, analyzer).Where(d => goneIds.Contains(d.Id)).ToList();
        Assert.True(remaining.Count == 0, string.Join("\n", remaining));
    }

    [Theory]
    [InlineData("Steps = 5, StepSize = 0.1, Smoothness = 4", "Steps = 5, StepSize = 0.05, Smoothness = 4")]
    [InlineData("Steps = 3, StepSize = 0.5, Smoothness = 7", "Steps = 3, StepSize = 0.0476, Smoothness = 7")]
    [InlineData("Steps = 5, Smoothness = 4000", "Steps = 5, Smoothness = 4000, StepSize = 5E-05")]
    [InlineData("StepSize = 2, Smoothness = 1", "StepSize = 1, Smoothness = 1")]
    public void Step_size_fix_sets_c_over_NL_floored_to_three_digits(string before, string after)
    {
        string source = AnalyzerHarness.Usings + MamlNet + Learner($"InnerProblem(LossKind.MeanSquaredError, {before})");
        var diagnostic = Assert.Single(AnalyzerHarness.Analyze(source, new StepSizeAnalyzer()));
        string fixedSource = Fix(source, diagnostic, new StepSizeCodeFixProvider());
        Assert.Equal(AnalyzerHarness.Usings + MamlNet + Learner($"InnerProblem(LossKind.MeanSquaredError, {after})"), fixedSource);
        AssertCleanAndCompiles(fixedSource, new StepSizeAnalyzer(), "MSPEC001");
    }

    [Fact]
    public void Step_size_fix_uses_the_configured_constant()
    {
        string source = AnalyzerHarness.Usings + MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Steps = 5, StepSize = 0.1, Smoothness = 4)");
        var options = TestConfigOptionsProvider.Options(new Dictionary<string, string> { ["metaspec.step_size_constant"] = "0.5" });
        var diagnostic = Assert.Single(AnalyzerHarness.Analyze(source, new StepSizeAnalyzer(), options));
        string fixedSource = Fix(source, diagnostic, new StepSizeCodeFixProvider());
        Assert.Contains("StepSize = 0.025,", fixedSource);
        Assert.Empty(AnalyzerHarness.Analyze(fixedSource, new StepSizeAnalyzer(), options).Where(d => d.Id == "MSPEC001"));
    }

    [Theory]
    [InlineData("[MetaModel(1)] public class Net { Dense d = new(1); }", "[MetaModel(1)] public partial class Net { Dense d = new(1); }")]
    [InlineData("[MetaModel(1)] class Net { Dense d = new(1); }", "[MetaModel(1)] partial class Net { Dense d = new(1); }")]
    [InlineData(MamlNet + "[MetaLearner(typeof(Net))] [InnerProblem(LossKind.MeanSquaredError)] [OuterProblem(OptimizerKind.Adam)] public sealed class Learner;",
                MamlNet + "[MetaLearner(typeof(Net))] [InnerProblem(LossKind.MeanSquaredError)] [OuterProblem(OptimizerKind.Adam)] public sealed partial class Learner;")]
    [InlineData("public static class Outer { [MetaModel(1)] public partial class Net { Dense d = new(1); } }",
                "public static partial class Outer { [MetaModel(1)] public partial class Net { Dense d = new(1); } }")]
    public void Partial_fix_clears_the_generator_s_MSPEC101(string before, string after)
    {
        string source = AnalyzerHarness.Usings + before;
        var (_, diagnostics) = AnalyzerHarness.RunGenerator(AnalyzerHarness.Compile(source));
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("MSPEC101", diagnostic.Id);
        string fixedSource = Fix(source, diagnostic, new MakePartialCodeFixProvider());
        Assert.Equal(AnalyzerHarness.Usings + after, fixedSource);
        AssertCleanAndCompiles(fixedSource, new AdaptAttributeAnalyzer());
    }

    [Fact]
    public async Task Partial_fix_is_not_offered_for_a_generic_spec_class()
    {
        string source = AnalyzerHarness.Usings + "[MetaModel(1)] public partial class Net<T> { Dense d = new(1); }";
        var diagnostic = Assert.Single(AnalyzerHarness.RunGenerator(AnalyzerHarness.Compile(source)).Diagnostics);
        using var workspace = new AdhocWorkspace();
        var document = workspace.AddProject("Specs", LanguageNames.CSharp).AddDocument("Spec.cs", source);
        int offered = 0;
        await new MakePartialCodeFixProvider().RegisterCodeFixesAsync(
            new Microsoft.CodeAnalysis.CodeFixes.CodeFixContext(document, diagnostic, (_, _) => offered++, CancellationToken.None));
        Assert.Equal(0, offered);
    }

    [Theory]
    [InlineData("[MetaModel(1)] public partial class Net { Dense hidden = new(8); [Adapt] Flatten flat = new(); [Adapt] Dense head = new(1); }",
                "[MetaModel(1)] public partial class Net { Dense hidden = new(8); Flatten flat = new(); [Adapt] Dense head = new(1); }")]
    [InlineData("[MetaModel(1)] public partial class Net { Dense hidden = new(8); [System.NonSerialized, Adapt] Flatten flat = new(); Dense head = new(1); }",
                "[MetaModel(1)] public partial class Net { Dense hidden = new(8); [System.NonSerialized] Flatten flat = new(); Dense head = new(1); }")]
    [InlineData("[MetaModel(1)] public partial class Net { Dense head = new(1); [Adapt] static Dense shared = new(1); }",
                "[MetaModel(1)] public partial class Net { Dense head = new(1); static Dense shared = new(1); }")]
    public void Remove_adapt_fix_removes_the_attribute(string before, string after)
    {
        string source = AnalyzerHarness.Usings + before;
        var diagnostic = Assert.Single(AnalyzerHarness.Analyze(source, new AdaptAttributeAnalyzer()));
        string fixedSource = Fix(source, diagnostic, new RemoveAdaptCodeFixProvider());
        Assert.Equal(AnalyzerHarness.Usings + after, fixedSource);
        AssertCleanAndCompiles(fixedSource, new AdaptAttributeAnalyzer(), "MSPEC005", "MSPEC006");
    }
}
