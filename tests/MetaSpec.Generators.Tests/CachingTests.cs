using System.Collections;
using System.Reflection;
using MetaSpec.Generators.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace MetaSpec.Generators.Tests;

/// <summary>
/// The pipeline is incremental: a rerun on an equal compilation, or after an unrelated edit, regenerates
/// nothing, and no step's output holds a symbol, syntax node or compilation (which would pin old
/// compilations in memory and defeat caching).
/// </summary>
public sealed class CachingTests
{
    private static string[] AllSpecs() =>
        [.. Directory.GetFiles(Path.Combine(GeneratorHarness.ProjectDirectory(), "Specs"), "*.cs").Order().Select(File.ReadAllText)];

    /// <summary>A spec with an error, so the problem and stub steps have outputs to compare too.</summary>
    private const string Broken = "using MetaSpec;\n[MetaModel(1)] public partial class Broken { static int w = 2; Dense d = new(w); }\n"
        + "[MetaLearner(typeof(Broken))] [InnerProblem(LossKind.MeanSquaredError)] [OuterProblem(OptimizerKind.Adam)] public partial class BrokenLearner;";

    private static string SineSpec() => File.ReadAllText(Path.Combine(GeneratorHarness.ProjectDirectory(), "Specs", "SinusoidMaml.cs"));

    /// <summary>
    /// Reruns <paramref name="driver"/> on <paramref name="next"/> and asserts what makes the pipeline incremental:
    /// every named step reports Cached or Unchanged (its output equals the last run's), every source output is
    /// Cached (nothing re-emitted), and no step output holds a compilation, symbol, syntax node or location.
    /// </summary>
    private static void AssertNothingRegenerated(GeneratorDriver driver, Compilation next)
    {
        var rerun = driver.RunGenerators(next).GetRunResult().Results.Single();
        Assert.Null(rerun.Exception);
        foreach (string step in GeneratorStepNames.All)
        {
            Assert.True(rerun.TrackedSteps.ContainsKey(step), $"step {step} was not tracked");
            var outputs = rerun.TrackedSteps[step].SelectMany(s => s.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
            int visited = 0;
            foreach (var (value, _) in outputs) Walk(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance), ref visited);
        }
        var sources = rerun.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToList();
        Assert.NotEmpty(sources);
        Assert.All(sources, o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun(params string[] sources)
    {
        var compilation = GeneratorHarness.Compile(sources);
        return (GeneratorHarness.CreateDriver().RunGenerators(compilation), compilation);
    }

    [Fact]
    public void Rerun_on_a_clone_is_cached_at_every_named_step()
    {
        var (driver, compilation) = FirstRun([.. AllSpecs(), Broken]);
        AssertNothingRegenerated(driver, compilation.Clone());
    }

    [Fact]
    public void Unrelated_edit_regenerates_nothing()
    {
        var (driver, compilation) = FirstRun([.. AllSpecs(), Broken]);
        AssertNothingRegenerated(driver, compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Elsewhere; public class Unrelated { public int Value => 42; }", GeneratorHarness.ParseOptions, path: "Unrelated.cs")));
    }

    /// <summary>(what the edit is, the text to find in SinusoidMaml.cs plus an unrelated class, its replacement).</summary>
    public static TheoryData<string, string, string> InFileEdits() => new()
    {
        { "a comment above [MetaModel]", "[MetaModel(1)]", "// The model.\n\n[MetaModel(1)]" },
        { "blank lines above [MetaLearner]", "[MetaLearner(typeof(SineNet))]", "\n\n[MetaLearner(typeof(SineNet))]" },
        { "a comment between two layers", "    Dense hidden2", "    // wider than the paper's? no: 40.\n    Dense hidden2" },
        { "a method added to the model class", "    Dense head = new(1);", "    Dense head = new(1);\n    public override string ToString() => \"sine\";" },
        { "an unrelated member of the same file changed", "public static int Value() => 1;", "public static int Value() => 2 + 2;" },
        { "the learner's doc comment", "/// <summary>Second-order MAML on every layer.</summary>", "/// <summary>Exact MAML.</summary>" },
    };

    [Theory]
    [MemberData(nameof(InFileEdits))]
    public void An_edit_inside_the_spec_file_that_changes_no_setting_regenerates_nothing(string edit, string find, string replace)
    {
        string spec = SineSpec() + "\ninternal static class Helpers { public static int Value() => 1; }\n";
        var (driver, compilation) = FirstRun(spec, Broken);
        var tree = compilation.SyntaxTrees.First();
        int at = spec.IndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, edit);
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().Replace(at, find.Length, replace)));
        AssertNothingRegenerated(driver, edited);
    }

    [Fact]
    public void Editing_a_model_regenerates_it_and_its_learners()
    {
        string spec = File.ReadAllText(Path.Combine(GeneratorHarness.ProjectDirectory(), "Specs", "SinusoidMaml.cs"));
        var compilation = GeneratorHarness.Compile(spec);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single();
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(tree.GetText().Replace(
            spec.IndexOf("new(40, Activation.ReLU)", StringComparison.Ordinal), "new(40, Activation.ReLU)".Length, "new(64, Activation.ReLU)")));
        var rerun = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(rerun.TrackedSteps[GeneratorStepNames.Models].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(rerun.TrackedSteps[GeneratorStepNames.Learners].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("public const int ParameterCount = 2769;", rerun.GeneratedSources.Single(s => s.HintName.EndsWith("SineMaml.g.cs", StringComparison.Ordinal)).SourceText.ToString());
    }

    [Fact]
    public void No_step_output_holds_symbols_syntax_or_compilations()
    {
        var compilation = GeneratorHarness.Compile([.. AllSpecs(), Broken, "using MetaSpec; [MetaModel(1)] public class NotPartial { Dense d = new(1); }"]);
        var result = GeneratorHarness.CreateDriver().RunGenerators(compilation).GetRunResult().Results.Single();
        int visited = 0;
        foreach (string step in GeneratorStepNames.All)
            foreach (var run in result.TrackedSteps[step])
                foreach (var (value, _) in run.Outputs)
                    Walk(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance), ref visited);
        Assert.True(visited > 100, $"the walk saw only {visited} objects");
    }

    private static void Walk(object? value, string path, HashSet<object> seen, ref int visited)
    {
        if (value is null) return;
        var type = value.GetType();
        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or SyntaxTree or Location,
            $"{path} holds a {type.Name}");
        if (type.IsPrimitive || type.IsEnum || value is string or decimal) return;
        if (!type.IsValueType && !seen.Add(value)) return;
        visited++;
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (var item in items) Walk(item, $"{path}[{i++}]", seen, ref visited);
            if (type.Namespace?.StartsWith("MetaSpec", StringComparison.Ordinal) != true) return;
        }
        // Roslyn's own value types (TextSpan, LinePositionSpan) hold only numbers.
        if (type.Namespace?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true && type.IsValueType) return;
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                Walk(field.GetValue(value), $"{path}.{field.Name}", seen, ref visited);
    }
}
