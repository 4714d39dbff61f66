using System.Reflection;
using MetaSpec.Specification;
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
        { "MSPEC101", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class [|Learner|]<T>;", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner;" },
        { "MSPEC101", Net + $"public partial class [|Outer|]<T> {{ [MetaLearner(typeof(Net))] {Problems} public partial class Learner; }}", Net + $"public partial class Outer {{ [MetaLearner(typeof(Net))] {Problems} public partial class Learner; }}" },
        { "MSPEC102", "[MetaModel(1)] public partial class Net { static int width = 4; Dense d = new([|width|]); }", "[MetaModel(1)] public partial class Net { const int Width = 4; Dense d = new(Width); }" },
        { "MSPEC102", "[MetaModel(1)] public partial class Net { static Activation act = Activation.ReLU; Dense d = new(4, [|act|]); }", "[MetaModel(1)] public partial class Net { Dense d = new(4, Activation.ReLU); }" },
        { "MSPEC103", "[MetaModel(1)] public partial class Net { Dense d = new(1); [|int|] count = 3; }", "[MetaModel(1)] public partial class Net { Dense d = new(1); const int count = 3; }" },
        { "MSPEC104", "[MetaModel(1)] public partial class Net { Dense [|d|]; }", "[MetaModel(1)] public partial class Net { Dense d = new(1); }" },
        { "MSPEC104", "[MetaModel(1)] public partial class Net { Dense [|d|] = Make(); static Dense Make() => new(1); }", "[MetaModel(1)] public partial class Net { Dense d = new(1); }" },
        { "MSPEC105", "[MetaModel(1)] public partial class Net { Dense h = new(4); Conv2d [|c|] = new(2, 3); }", "[MetaModel(1, 5, 5)] public partial class Net { Conv2d c = new(2, 3); Flatten f = new(); Dense h = new(4); }" },
        { "MSPEC105", "[[|MetaModel(1, 2)|]] public partial class Net { Dense d = new(1); }", "[MetaModel(2)] public partial class Net { Dense d = new(1); }" },
        { "MSPEC105", "[MetaModel(1)] public partial class [|Net|] { }", "[MetaModel(1)] public partial class Net { Dense d = new(1); }" },
        { "MSPEC105", "[MetaModel(1, 4, 4)] public partial class Net { MaxPool2d [|p|] = new(5); }", "[MetaModel(1, 4, 4)] public partial class Net { MaxPool2d p = new(4); Flatten f = new(); Dense d = new(1); }" },
        { "MSPEC106", $"public class Plain {{ }} [[|MetaLearner(typeof(Plain))|]] {Problems} public partial class Learner;", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner;" },
        { "MSPEC107", Net + "[MetaLearner(typeof(Net))] [OuterProblem(OptimizerKind.Adam)] public partial class [|Learner|];", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner;" },
        { "MSPEC108", Net + "[MetaLearner(typeof(Net))] [InnerProblem(LossKind.MeanSquaredError)] public partial class [|Learner|];", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner;" },
        { "MSPEC109", "[MetaModel(1, 4, 4)] public partial class [|Net|] { Flatten flat = new(); }", "[MetaModel(1, 4, 4)] public partial class Net { Flatten flat = new(); Dense head = new(1); }" },
        { "MSPEC109", "[MetaModel(1, 4, 4)] public partial class [|Net|] { MaxPool2d pool = new(2); Flatten flat = new(); }", "[MetaModel(1, 4, 4)] public partial class Net { MaxPool2d pool = new(2); Flatten flat = new(); Dense head = new(2); }" },
        { "MSPEC110", "[MetaModel(1)] public partial class Net { Dense h1 = new(4, Activation.ReLU); Dense [|h1_relu|] = new(4); }", "[MetaModel(1)] public partial class Net { Dense h1 = new(4, Activation.ReLU); Dense h2 = new(4); }" },
        { "MSPEC110", "[MetaModel(1)] public partial class Net { Dense [|h1_tanh|] = new(4); Dense h1 = new(4, Activation.Tanh); }", "[MetaModel(1)] public partial class Net { Dense h0 = new(4); Dense h1 = new(4, Activation.Tanh); }" },
        { "MSPEC111", "[MetaModel(1)] public partial class Net { Dense head = new(1); Dense [|_head|] = new(1); }", "[MetaModel(1)] public partial class Net { Dense head = new(1); Dense head2 = new(1); }" },
        { "MSPEC112", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner {{ public static int [|Loss|] => 3; }}", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner {{ public static int TaskLoss => 3; }}" },
        { "MSPEC112", "[MetaModel(1)] public partial class Net { Dense d = new(1); public void [|CreateNetwork|]() { } }", "[MetaModel(1)] public partial class Net { Dense d = new(1); public void Build() { } }" },
        { "MSPEC112", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner {{ public void [|Train|]() {{ }} }}", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner {{ public void TrainTwice() {{ }} }}" },
        { "MSPEC112", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner {{ public static int [|Engine|] => 3; }}", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner {{ public static int Engines => 3; }}" },
        { "MSPEC113", $"[MetaModel(1)] [MetaLearner(typeof(Both))] {Problems} public partial class [|Both|] {{ Dense d = new(1); }}", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner;" },
        { "MSPEC114", Net + $"[MetaLearner(typeof(Net))] {Problems} public static partial class [|Learner|];", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner;" },
        { "MSPEC114", Net + $"[MetaLearner(typeof(Net))] {Problems} public abstract partial class [|Learner|];", Net + $"[MetaLearner(typeof(Net))] {Problems} public sealed partial class Learner;" },
        { "MSPEC114", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial record [|Learner|];", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner;" },
        { "MSPEC114", Net + $"public class Base {{ }} [MetaLearner(typeof(Net))] {Problems} public partial class Learner : [|Base|];", Net + $"public class Base {{ }} [MetaLearner(typeof(Net))] {Problems} public partial class Learner : SpecLearner<float>;" },
        { "MSPEC114", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner : [|System.Exception|];", Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner : System.IDisposable {{ public void Dispose() {{ }} }}" },
        { "MSPEC114", Net + $"public partial class Learner {{ }} public class Base {{ }} [MetaLearner(typeof(Net))] {Problems} public partial class Learner : [|Base|];", Net + $"public partial class Learner {{ }} [MetaLearner(typeof(Net))] {Problems} public partial class Learner;" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Diagnostic_fires_at_the_marked_span(string id, string marked, string _)
    {
        // The Roslyn generator test framework checks the ID and span; the output (a stub where the class can take one)
        // must compile, and no other diagnostic may appear.
        var test = new SpecGeneratorTest(Usings + marked.Replace("[|", "{|" + id + ":").Replace("|]", "|}"));
        test.TestBehaviors |= Microsoft.CodeAnalysis.Testing.TestBehaviors.SkipGeneratedSourcesCheck;
        await test.RunAsync();

        var diagnostic = Assert.Single(GeneratorHarness.Run(GeneratorHarness.Compile(Usings + marked.Replace("[|", "").Replace("|]", ""))).Diagnostics);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal($"https://github.com/metaspec/metaspec/blob/main/docs/diagnostics/{id}.md", diagnostic.Descriptor.HelpLinkUri);
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
        // A model may be a record; a learner derives from the runtime's SpecLearner, so it is a class (MSPEC114), nested in a record here.
        string source = Usings + "public partial record Outer { [MetaModel(1)] public partial record Net { Dense d = new(2); } }\n" +
            $"public partial record struct Holder {{ [MetaLearner(typeof(Outer.Net))] {Problems} public sealed partial class Learner; }}";
        var (_, output, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        Assert.Empty(diagnostics);
        Assert.Equal(3, output.SyntaxTrees.Count());
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void A_learner_of_an_invalid_model_reports_only_the_model_s_problem_and_both_get_compiling_stubs()
    {
        string source = Usings + "[MetaModel(1)] public partial class Net { static int w = 2; Dense d = new(w); }\n" +
            $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner;\n" +
            // The user's calls to the generated API compile against the stubs: the build shows MSPEC102 alone.
            "public static class Use { public static long Run() { var learner = new Learner(seed: 7); learner.Train(null!, 10); return learner.Iterations + Net.ParameterCount; } }";
        var (_, output, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        Assert.Equal("MSPEC102", Assert.Single(diagnostics).Id);
        Assert.Equal(3, output.SyntaxTrees.Count());
        Assert.All(output.SyntaxTrees.Skip(1), t => Assert.Contains("spec has errors", t.GetText().ToString()));
        var errors = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void A_stub_leaves_out_the_members_the_user_declared()
    {
        string source = Usings + Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner {{ public static int Loss => 3; public void Train() {{ }} }}";
        var (_, output, diagnostics) = GeneratorHarness.Run(GeneratorHarness.Compile(source));
        Assert.Equal(["MSPEC112", "MSPEC112"], diagnostics.Select(d => d.Id));
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.DoesNotContain(" Loss ", output.SyntaxTrees.Last().GetText().ToString());
    }

    [Fact]
    public void Stubs_declare_every_member_a_real_spec_gets()
    {
        string good = Usings + Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner;";
        string bad = Usings + "[MetaModel(1)] public partial class Net { static int w = 2; Dense d = new(w); }\n" + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner;";
        static string[] Members(string source, string type)
        {
            var output = GeneratorHarness.Run(GeneratorHarness.Compile(source)).Output;
            return [.. output.GetTypeByMetadataName(type)!.GetMembers().Where(m => !m.IsImplicitlyDeclared && m.DeclaredAccessibility == Accessibility.Public)
                .Select(m => m.ToDisplayString()).Order()];
        }
        Assert.Equal(Members(good, "Learner"), Members(bad, "Learner"));
        Assert.Equal(Members(good, "Net"), Members(bad, "Net"));
    }

    [Fact]
    public void The_generated_member_lists_name_every_generated_member()
    {
        string source = Usings + Net + $"[MetaLearner(typeof(Net))] {Problems} public partial class Learner;";
        var output = GeneratorHarness.Run(GeneratorHarness.Compile(source)).Output;
        static string[] Names(INamedTypeSymbol type) =>
            [.. type.GetMembers().Where(m => !m.IsImplicitlyDeclared && m.Name != ".ctor" && m is not IMethodSymbol { AssociatedSymbol: not null } && m.Locations.Any(l => l.SourceTree!.FilePath.EndsWith(".g.cs", StringComparison.Ordinal)))
                .Select(m => m.Name).Where(n => !n.StartsWith("<", StringComparison.Ordinal)).Distinct().Order()];
        // The model's layer fields are the user's; everything else in the type is generated.
        Assert.Equal(GeneratedMembers.Model.Order(), Names(output.GetTypeByMetadataName("Net")!));
        Assert.Equal(GeneratedMembers.LearnerDeclared.Order(), Names(output.GetTypeByMetadataName("Learner")!));
    }

    [Fact]
    public void The_inherited_member_list_names_every_member_a_learner_gets_from_the_runtime_base()
    {
        // Public and protected members of SpecLearner<T> (a user member of one of these names would hide it): the list the readers check.
        var declared = typeof(SpecLearner<float>).GetMembers(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => m is not ConstructorInfo && m is not MethodInfo { IsSpecialName: true })
            .Where(m => m switch
            {
                MethodInfo method => method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly,
                PropertyInfo property => property.GetMethod is { } get && (get.IsPublic || get.IsFamily || get.IsFamilyOrAssembly),
                FieldInfo field => field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly,
                _ => true,
            })
            .Select(m => m.Name).Distinct().Order();
        Assert.Equal(GeneratedMembers.LearnerInherited.Order(), declared);
        Assert.Equal(SpecNames.LearnerBaseClassMetadata, typeof(SpecLearner<>).FullName);
        // The readers check the union, so an inherited name is reported like a generated one.
        Assert.Equal(GeneratedMembers.LearnerDeclared.Union(GeneratedMembers.LearnerInherited).Order(), GeneratedMembers.Learner.Order());
    }

    [Fact]
    public void Every_descriptor_has_a_doc_page_and_a_release_entry()
    {
        string root = Path.GetFullPath(Path.Combine(GeneratorHarness.ProjectDirectory(), "..", ".."));
        string releases = File.ReadAllText(Path.Combine(root, "generators", "MetaSpec.Generators", "AnalyzerReleases.Unshipped.md"));
        var descriptors = typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!).ToList();
        Assert.Equal(Enum.GetValues<SpecProblemKind>().Length, descriptors.Count);
        Assert.Equal(descriptors.Count, descriptors.Select(d => d.Id).Distinct().Count());
        Assert.All(Enum.GetValues<SpecProblemKind>(), k => Assert.Contains(DiagnosticDescriptors.For(k), descriptors));
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
        var model = (ModelSpec)result.TrackedSteps[GeneratorStepNames.Models].Single().Outputs.Single().Value;
        var layer = new Dense(1);
        Assert.Equal(layer.Bias, model.Layers[1].Layer.Bias);
        Assert.Equal(SpecDefaults.BatchNormEpsilon, new BatchNorm2d().Epsilon); // the reader's fallback in ModelReader
    }
}
