using MetaSpec.Analyzers.Tests.Support;
using MetaSpec.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using static MetaSpec.Analyzers.Tests.Support.Specs;

namespace MetaSpec.Analyzers.Tests;

/// <summary>
/// Each fix, through the Roslyn code-fix test framework: the diagnostic where the markup says, the fixed text (also by
/// Fix All), and a fixed state without it that compiles; the generated code compiles with it where the generator runs.
/// </summary>
public sealed class CodeFixTests
{
    /// <summary>The fixed spec compiles with the generator's output and the generator reports nothing.</summary>
    private static void AssertGeneratesAndCompiles(string fixedSpec)
    {
        var (output, generatorDiagnostics) = AnalyzerHarness.RunGenerator(AnalyzerHarness.Compile(AnalyzerHarness.Usings + fixedSpec));
        Assert.Empty(generatorDiagnostics);
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Theory]
    [InlineData("Steps = 5, {|MSPEC001:StepSize = 0.1|}, Smoothness = 4", "Steps = 5, StepSize = 0.05, Smoothness = 4")]
    [InlineData("Steps = 3, {|MSPEC001:StepSize = 0.5|}, Smoothness = 7", "Steps = 3, StepSize = 0.0476, Smoothness = 7")]
    [InlineData("{|MSPEC001:InnerProblem(LossKind.MeanSquaredError, Steps = 5, Smoothness = 4000)|}", "InnerProblem(LossKind.MeanSquaredError, Steps = 5, Smoothness = 4000, StepSize = 5E-05)")]
    [InlineData("{|MSPEC001:StepSize = 2|}, Smoothness = 1", "StepSize = 1, Smoothness = 1")]
    public async Task Step_size_fix_sets_c_over_NL_floored_to_three_digits(string before, string after)
    {
        static string Spec(string settings) =>
            MamlNet + Learner(settings.Contains("InnerProblem", StringComparison.Ordinal) ? settings : $"InnerProblem(LossKind.MeanSquaredError, {settings})");
        await new SpecCodeFixTest<StepSizeAnalyzer, StepSizeCodeFixProvider>(Spec(before), Spec(after)).RunAsync();
        AssertGeneratesAndCompiles(Spec(after));
    }

    [Fact]
    public async Task Step_size_fix_uses_the_configured_constant() =>
        await new SpecCodeFixTest<StepSizeAnalyzer, StepSizeCodeFixProvider>(
            MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Steps = 5, {|MSPEC001:StepSize = 0.1|}, Smoothness = 4)"),
            MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Steps = 5, StepSize = 0.025, Smoothness = 4)"),
            editorConfig: "metaspec.step_size_constant = 0.5").RunAsync();

    [Theory]
    [InlineData("[MetaModel(1)] public class {|MSPEC101:Net|} { Dense d = new(1); }", "[MetaModel(1)] public partial class Net { Dense d = new(1); }")]
    [InlineData("[MetaModel(1)] class {|MSPEC101:Net|} { Dense d = new(1); }", "[MetaModel(1)] partial class Net { Dense d = new(1); }")]
    [InlineData(MamlNet + "[MetaLearner(typeof(Net))] [InnerProblem(LossKind.MeanSquaredError, Smoothness = 1)] [OuterProblem(OptimizerKind.Adam)] public sealed class {|MSPEC101:Learner|};",
                MamlNet + "[MetaLearner(typeof(Net))] [InnerProblem(LossKind.MeanSquaredError, Smoothness = 1)] [OuterProblem(OptimizerKind.Adam)] public sealed partial class Learner;")]
    [InlineData("public static class {|MSPEC101:Outer|} { [MetaModel(1)] public partial class Net { Dense d = new(1); } }",
                "public static partial class Outer { [MetaModel(1)] public partial class Net { Dense d = new(1); } }")]
    public async Task Partial_fix_clears_the_generator_s_MSPEC101(string before, string after)
    {
        // The diagnostic is the generator's, reported for the framework by a test analyzer that runs the generator.
        await GeneratorFix(before, after).RunAsync();
        AssertGeneratesAndCompiles(after);
    }

    /// <summary>
    /// The generator reports MSPEC101 whatever pragmas or generated-code markers say (it cannot generate either way), so
    /// the framework's checks that analyzers honour them do not apply to it.
    /// </summary>
    private static SpecCodeFixTest<GeneratorDiagnosticAnalyzer, MakePartialCodeFixProvider> GeneratorFix(string before, string after)
    {
        var test = new SpecCodeFixTest<GeneratorDiagnosticAnalyzer, MakePartialCodeFixProvider>(before, after);
        test.TestBehaviors |= TestBehaviors.SkipSuppressionCheck | TestBehaviors.SkipGeneratedCodeCheck;
        return test;
    }

    [Fact]
    public async Task Partial_fix_is_not_offered_for_a_generic_spec_class()
    {
        const string generic = "[MetaModel(1)] public partial class {|MSPEC101:Net|}<T> { Dense d = new(1); }";
        await GeneratorFix(generic, generic).RunAsync();
        // The same spec with the generator running in the framework: MSPEC101 is what the build reports.
        await new SpecCodeFixTest<EmptyDiagnosticAnalyzer, MakePartialCodeFixProvider>(generic, generic, withGenerator: true).RunAsync();
    }

    [Theory]
    [InlineData("[MetaModel(1)] public partial class Net { Dense hidden = new(8); [{|MSPEC006:Adapt|}] Flatten flat = new(); [Adapt] Dense head = new(1); }",
                "[MetaModel(1)] public partial class Net { Dense hidden = new(8); Flatten flat = new(); [Adapt] Dense head = new(1); }")]
    [InlineData("[MetaModel(1)] public partial class Net { Dense hidden = new(8); [System.NonSerialized, {|MSPEC006:Adapt|}] Flatten flat = new(); Dense head = new(1); }",
                "[MetaModel(1)] public partial class Net { Dense hidden = new(8); [System.NonSerialized] Flatten flat = new(); Dense head = new(1); }")]
    [InlineData("[MetaModel(1)] public partial class Net { Dense head = new(1); [{|MSPEC005:Adapt|}] static Dense shared = new(1); }",
                "[MetaModel(1)] public partial class Net { Dense head = new(1); static Dense shared = new(1); }")]
    public async Task Remove_adapt_fix_removes_the_attribute(string before, string after)
    {
        await new SpecCodeFixTest<AdaptAttributeAnalyzer, RemoveAdaptCodeFixProvider>(before, after).RunAsync();
        AssertGeneratesAndCompiles(after);
    }
}
