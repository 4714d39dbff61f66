using System.Reflection;
using MetaSpec.Generators.Spec;
using MetaSpec.Generators.Tests.Support;
using MetaSpec.Meta;
using Microsoft.CodeAnalysis;

namespace MetaSpec.Generators.Tests;

/// <summary>
/// Each generator diagnostic fires on a spec that cannot be generated, at the span marked [|…|], and not
/// on the fixed spec, which then compiles. Descriptors are documented and tracked for release.
/// </summary>
public sealed class DiagnosticTests
{
    private const string Usings = "using MetaSpec; using MetaSpec.Meta;\n";
    private const string Net = "[MetaModel(1)] public partial class Net { Dense hidden = new(8, Activation.ReLU); Dense head = new(1); }\n";
    private const string Problems = "[InnerProblem(LossKind.MeanSquaredError)] [OuterProblem(OptimizerKind.Adam)]";

    /// <summary>(ID, spec with the marked problem, the same spec fixed).</summary>
    public static TheoryData<string, string, string> Cases() => new()
    {
        { "MSPEC101", "[MetaModel(1)] public class [|Net|] { Dense d = new(1); }", "[MetaModel(1)] public partial class Net { Dense d = new(1); }" },
        { "MSPEC101", Net + $"[MetaLearner(typeof(Net))] {Problems} public class [|Learner|];", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner;" },
        { "MSPEC101", "public class [|Outer|] { [MetaModel(1)] public partial class Net { Dense d = new(1); } }", "public partial class Outer { [MetaModel(1)] public partial class Net { Dense d = new(1); } }" },
        { "MSPEC101", "[MetaModel(1)] public partial class [|Net|]<T> { Dense d = new(1); }", "[MetaModel(1)] public partial class Net { Dense d = new(1); }" },
        { "MSPEC102", "[MetaModel(1)] public partial class Net { static int width = 4; Dense d = new([|width|]); }", "[MetaModel(1)] public partial class Net { const int Width = 4; Dense d = new(Width); }" },
        { "MSPEC102", "[MetaModel(1)] public partial class Net { static Activation act = Activation.ReLU; Dense d = new(4, [|act|]); }", "[MetaModel(1)] public partial class Net { Dense d = new(4, Activation.ReLU); }" },
        { "MSPEC103", "[MetaModel(1)] public partial class Net { Dense d = new(1); [|int|] count = 3; }", "[MetaModel(1)] public partial class Net { Dense d = new(1); const int count = 3; }" },
        { "MSPEC104", "[MetaModel(1)] public partial class Net { Dense [|d|]; }", "[MetaModel(1)] public partial class Net { Dense d = new(1); }" },
        { "MSPEC104", "[MetaModel(1)] public partial class Net { Dense [|d|] = Make(); static Dense Make() => new(1); }", "[MetaModel(1)] public partial class Net { Dense d = new(1); }" },
        { "MSPEC105", "[MetaModel(1)] public partial class Net { Dense h = new(4); Conv2d [|c|] = new(2, 3); }", "[MetaModel(1, 5, 5)] public partial class Net { Conv2d c = new(2, 3); Flatten f = new(); Dense h = new(4); }" },
        { "MSPEC105", "[[|MetaModel(1, 2)|]] public partial class Net { Dense d = new(1); }", "[MetaModel(2)] public partial class Net { Dense d = new(1); }" },
        { "MSPEC105", "[MetaModel(1)] public partial class [|Net|] { }", "[MetaModel(1)] public partial class Net { Dense d = new(1); }" },
        { "MSPEC105", "[MetaModel(1, 4, 4)] public partial class Net { MaxPool2d [|p|] = new(5); }", "[MetaModel(1, 4, 4)] public partial class Net { MaxPool2d p = new(4); }" },
        { "MSPEC106", $"public class Plain {{ }} [[|MetaLearner(typeof(Plain))|]] {Problems} public partial class Learner;", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner;" },
        { "MSPEC107", Net + "[MetaLearner(typeof(Net))] [OuterProblem(OptimizerKind.Adam)] public partial class [|Learner|];", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner;" },
        { "MSPEC108", Net + "[MetaLearner(typeof(Net))] [InnerProblem(LossKind.MeanSquaredError)] public partial class [|Learner|];", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner;" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Diagnostic_fires_at_the_marked_span(string id, string marked, string _)
    {
        string source = Usings + marked;
        int start = source.IndexOf("[|", StringComparison.Ordinal);
        int end = source.IndexOf("|]", StringComparison.Ordinal) - 2;
        source = source.Replace("[|", "").Replace("|]", "");
        var (_, _, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compile(source));

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(source[start..end], source[diagnostic.Location.SourceSpan.Start..diagnostic.Location.SourceSpan.End]);
        Assert.Equal($"docs/diagnostics/{id}.md", diagnostic.Descriptor.HelpLinkUri);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fixed_spec_has_no_diagnostic_and_compiles(string id, string _, string fixedSpec)
    {
        var (_, output, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compile(Usings + fixedSpec));
        Assert.Empty(diagnostics);
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, $"{id} fixed: " + string.Join("\n", errors));
    }

    [Fact]
    public void Records_and_types_nested_in_records_are_extended()
    {
        string source = Usings + "public partial record Outer { [MetaModel(1)] public partial record Net { Dense d = new(2); } }\n" +
            $"[MetaLearner(typeof(Outer.Net))] {Problems} public partial record Learner;";
        var (_, output, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        Assert.Empty(diagnostics);
        Assert.Equal(3, output.SyntaxTrees.Count());
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void A_learner_of_an_invalid_model_reports_only_the_model_s_problem()
    {
        string source = Usings + "[MetaModel(1)] public partial class Net { static int w = 2; Dense d = new(w); }\n" +
            $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner;";
        var (_, output, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        Assert.Equal("MSPEC102", Assert.Single(diagnostics).Id);
        Assert.Single(output.SyntaxTrees); // nothing generated
    }

    [Fact]
    public void Every_descriptor_has_a_doc_page_and_a_release_entry()
    {
        string root = Path.GetFullPath(Path.Combine(GeneratorHarness.ProjectDirectory(), "..", ".."));
        string releases = File.ReadAllText(Path.Combine(root, "generators", "MetaSpec.Generators", "AnalyzerReleases.Unshipped.md"));
        var descriptors = typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!).ToList();
        Assert.Equal(Enum.GetValues<SpecProblemKind>().Length, descriptors.Count);
        foreach (var d in descriptors)
        {
            string page = Path.Combine(root, "docs", "diagnostics", d.Id + ".md");
            Assert.True(File.Exists(page), $"{d.Id} has no page {page}");
            Assert.Contains(d.Id, File.ReadAllText(page));
            Assert.Contains($"{d.Id} | MetaSpec.Generator | Error |", releases);
        }
    }

    [Fact]
    public void Reader_defaults_equal_the_attributes_own()
    {
        string source = Usings + Net + $"[MetaLearner(typeof(Net))] {Problems} [Hypergradient(HypergradientKind.Unrolled)] public partial class Learner;";
        var result = GeneratorHarness.CreateDriver().RunGenerators(GeneratorHarness.Compile(source)).GetRunResult().Results.Single();
        var spec = (LearnerSpec)result.TrackedSteps[GeneratorStepNames.Learners].Single().Outputs.Single().Value;

        var inner = new InnerProblemAttribute(LossKind.MeanSquaredError);
        Assert.Equal((inner.Steps, inner.StepSize, inner.Smoothness, inner.Proximal, inner.ResampleSupport, inner.LearnStepSizes, inner.ResetAdaptedToZero),
            (spec.Inner.Steps, spec.Inner.StepSize, spec.Inner.Smoothness, spec.Inner.Proximal, spec.Inner.ResampleSupport, spec.Inner.LearnStepSizes, spec.Inner.ResetAdaptedToZero));
        var outer = new OuterProblemAttribute(OptimizerKind.Adam);
        Assert.Equal((outer.LearningRate, outer.TaskBatch, outer.Momentum, outer.ClipGradientNorm),
            (spec.Outer.LearningRate, spec.Outer.TaskBatch, spec.Outer.Momentum, spec.Outer.ClipGradientNorm));
        var method = new HypergradientAttribute(HypergradientKind.Unrolled);
        Assert.Equal((method.Solver.ToString(), method.Iterations, method.NeumannStep, method.FiniteDifferenceStep, method.Directions, method.Smoothing),
            (spec.Hypergradient.Solver.Name, spec.Hypergradient.Iterations, spec.Hypergradient.NeumannStep, spec.Hypergradient.FiniteDifferenceStep, spec.Hypergradient.Directions, spec.Hypergradient.Smoothing));
        // The defaults used when [Hypergradient] is absent are the same.
        Assert.Equal(HypergradientSpec.Default, spec.Hypergradient);
        var layer = new Dense(1);
        Assert.Equal(layer.Bias, spec.Model.Layers[1].Layer.Bias);
        Assert.Equal(1e-5, new BatchNorm2d().Epsilon); // the reader's fallback in ModelReader
    }
}
