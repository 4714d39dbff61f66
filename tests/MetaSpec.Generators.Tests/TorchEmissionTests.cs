using MetaSpec.Generators.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace MetaSpec.Generators.Tests;

/// <summary>
/// The torch half (X.Torch.g.cs): emitted only when the compilation references MetaSpec.Torch, only for the learners the
/// torch backend computes, compiling against the real MetaSpec.Torch, and cached like the rest of the pipeline.
/// </summary>
public sealed class TorchEmissionTests
{
    private static string[] AllSpecs() =>
        [.. Directory.GetFiles(Path.Combine(GeneratorHarness.ProjectDirectory(), "Specs"), "*.cs").Order().Select(File.ReadAllText)];

    /// <summary>What a project that references MetaSpec.Torch compiles against: the runtime, MetaSpec.Torch and TorchSharp.</summary>
    private static readonly MetadataReference[] TorchReferences =
    [
        MetadataReference.CreateFromFile(typeof(MetaSpec.Torch.TorchLearner<>).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
    ];

    private static CSharpCompilation WithTorch(CSharpCompilation compilation) => compilation.AddReferences(TorchReferences);

    private static string[] TorchHints(GeneratorDriver driver) =>
        [.. driver.GetRunResult().Results.Single().GeneratedSources.Select(s => s.HintName).Where(h => h.EndsWith(".Torch.g.cs", StringComparison.Ordinal)).Order()];

    /// <summary>The test specs the torch backend computes (not HessianFree, EvolutionStrategies, ResampleSupport or a learned geometry).</summary>
    private static readonly string[] Supported =
    [
        "MetaSpec.Generators.Tests.Specs.Classifiers.PointFomaml.Torch.g.cs",
        "MetaSpec.Generators.Tests.Specs.OmniglotMaml.Torch.g.cs",
        "MetaSpec.Generators.Tests.Specs.SineAnil.Torch.g.cs",
        "MetaSpec.Generators.Tests.Specs.SineImaml.Torch.g.cs",
        "MetaSpec.Generators.Tests.Specs.SineMaml.Torch.g.cs",
        "MetaSpec.Generators.Tests.Specs.SineMetaSgd.Torch.g.cs",
        "MetaSpec.Generators.Tests.Specs.TinyConvAnil.Torch.g.cs",
    ];

    [Fact]
    public void Without_the_reference_nothing_torch_is_emitted()
    {
        var (driver, output, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compile(AllSpecs()));
        Assert.Empty(diagnostics);
        Assert.Empty(TorchHints(driver));
        Assert.DoesNotContain(output.SyntaxTrees, t => t.ToString().Contains("MetaSpec.Torch", StringComparison.Ordinal));
        // The driver records a step only when it produced values: the torch learners step produced none.
        var steps = driver.GetRunResult().Results.Single().TrackedSteps;
        Assert.Empty(steps.GetValueOrDefault(GeneratorStepNames.TorchLearners, []).SelectMany(s => s.Outputs));
    }

    [Fact]
    public void With_the_reference_each_supported_learner_gets_a_torch_half_that_compiles()
    {
        var (driver, output, diagnostics) = GeneratorHarness.Run(WithTorch(GeneratorHarness.Compile(AllSpecs())));
        Assert.Empty(diagnostics);
        Assert.Equal(Supported, TorchHints(driver));
        // No error anywhere, and no warning in a torch half (the specs' own unused-field warnings are not the generator's).
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error
            || (d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".Torch.g.cs", StringComparison.Ordinal) == true)).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        // The managed halves are the same text as without the reference: the torch half is a file of its own.
        var (plain, _, _) = GeneratorHarness.Run(GeneratorHarness.Compile(AllSpecs()));
        static Dictionary<string, string> Managed(GeneratorDriver d) => d.GetRunResult().Results.Single().GeneratedSources
            .Where(s => !s.HintName.EndsWith(".Torch.g.cs", StringComparison.Ordinal)).ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        Assert.Equal(Managed(plain), Managed(driver));
    }

    [Fact]
    public void Torch_half_writes_the_declared_settings()
    {
        var (driver, _, _) = GeneratorHarness.Run(WithTorch(GeneratorHarness.Compile(AllSpecs())));
        string Source(string hint) => driver.GetRunResult().Results.Single().GeneratedSources.Single(s => s.HintName.EndsWith(hint, StringComparison.Ordinal)).SourceText.ToString();
        string imaml = Source(".SineImaml.Torch.g.cs");
        Assert.Contains("Method = global::MetaSpec.HypergradientKind.Implicit,", imaml);
        Assert.Contains("Proximal = 2.0,", imaml);
        Assert.Contains("Steps = 10,", imaml);
        Assert.Contains("Loss = global::MetaSpec.Torch.TorchLoss.MeanSquaredError,", imaml);
        Assert.Contains("global::MetaSpec.Generators.Tests.Specs.SigmoidNet.CreateNetwork()", imaml);
        Assert.Contains("LearnStepSizes = true,", Source(".SineMetaSgd.Torch.g.cs"));
        Assert.Contains("AdaptedLayers = new string[] { \"head\" },", Source(".SineAnil.Torch.g.cs"));
        Assert.Contains("Loss = global::MetaSpec.Torch.TorchLoss.CrossEntropy,", Source(".OmniglotMaml.Torch.g.cs"));
        Assert.Contains("partial class Classifiers\n{\n    partial class PointFomaml", Source(".Classifiers.PointFomaml.Torch.g.cs"));
    }

    [Fact]
    public void Adding_the_reference_later_emits_the_torch_halves()
    {
        var compilation = GeneratorHarness.Compile(AllSpecs());
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        Assert.Empty(TorchHints(driver));
        Assert.Equal(Supported, TorchHints(driver.RunGenerators(WithTorch(compilation))));
    }

    public static TheoryData<string> Reruns => ["a clone", "an unrelated file"];

    [Theory]
    [MemberData(nameof(Reruns))]
    public void Rerun_with_the_reference_regenerates_nothing(string rerun)
    {
        var compilation = WithTorch(GeneratorHarness.Compile(AllSpecs()));
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var next = rerun == "a clone" ? compilation.Clone() : compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Elsewhere; public class Unrelated { public int Value => 42; }", GeneratorHarness.ParseOptions, path: "Unrelated.cs"));
        var result = driver.RunGenerators(next).GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        foreach (string step in GeneratorStepNames.Torch)
        {
            var outputs = result.TrackedSteps[step].SelectMany(s => s.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }
        var sources = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToList();
        Assert.Equal(Supported.Length, result.GeneratedSources.Count(s => s.HintName.EndsWith(".Torch.g.cs", StringComparison.Ordinal)));
        Assert.All(sources, o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void Editing_one_learner_re_emits_only_its_torch_half()
    {
        var compilation = WithTorch(GeneratorHarness.Compile(AllSpecs()));
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single(t => t.ToString().Contains("public partial class SineMaml;", StringComparison.Ordinal));
        string text = tree.ToString();
        Assert.Contains("Steps = 5, StepSize = 0.01", text);
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(text.Replace("Steps = 5, StepSize = 0.01", "Steps = 6, StepSize = 0.01"),
            GeneratorHarness.ParseOptions, path: tree.FilePath));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        var torchOutputs = result.TrackedSteps[GeneratorStepNames.TorchLearners].SelectMany(s => s.Outputs).ToList();
        var changed = torchOutputs.Where(o => o.Reason is IncrementalStepRunReason.Modified or IncrementalStepRunReason.New).ToList();
        Assert.Equal("SineMaml", ((MetaSpec.Specification.LearnerSpec)Assert.Single(changed).Value).Type.Name);
        Assert.Contains("Steps = 6,", result.GeneratedSources.Single(s => s.HintName.EndsWith(".SineMaml.Torch.g.cs", StringComparison.Ordinal)).SourceText.ToString());
    }
}
