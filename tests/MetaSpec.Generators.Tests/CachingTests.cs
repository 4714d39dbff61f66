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

    [Fact]
    public void Rerun_on_a_clone_is_cached_at_every_named_step()
    {
        var compilation = GeneratorHarness.Compile(AllSpecs());
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        var rerun = driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();

        foreach (string step in GeneratorStepNames.All)
        {
            Assert.True(first.TrackedSteps.ContainsKey(step), $"step {step} was not tracked");
            var reasons = rerun.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        }
        Assert.All(rerun.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void Unrelated_edit_regenerates_nothing()
    {
        var compilation = GeneratorHarness.Compile(AllSpecs());
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Elsewhere; public class Unrelated { public int Value => 42; }",
            GeneratorHarness.ParseOptions, path: "Unrelated.cs"));
        var rerun = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (string step in new[] { GeneratorStepNames.Models, GeneratorStepNames.Learners })
            Assert.All(rerun.TrackedSteps[step].SelectMany(s => s.Outputs),
                o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        Assert.All(rerun.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
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
        var compilation = GeneratorHarness.Compile([.. AllSpecs(), "using MetaSpec; [MetaModel(1)] public class NotPartial { Dense d = new(1); }"]);
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
