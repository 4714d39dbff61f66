using System.Globalization;
using MetaSpec.Analyzers.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using static MetaSpec.Analyzers.Tests.Support.Specs;

namespace MetaSpec.Analyzers.Tests;

/// <summary>
/// MSPEC018 warns, in a project that references MetaSpec.Torch, at the setting that keeps a learner from getting a torch
/// half, and the generator's choice agrees with it spec for spec.
/// </summary>
public sealed class TorchSupportAnalyzerTests
{
    /// <summary>
    /// A reference to an assembly named MetaSpec.Torch: the rule and the generator look for the name only (the real
    /// assembly's generated code is compiled in the generator and torch tests).
    /// </summary>
    private static readonly MetadataReference TorchAssembly = CSharpCompilation.Create("MetaSpec.Torch",
        [CSharpSyntaxTree.ParseText("namespace MetaSpec.Torch { public static class Marker { } }")],
        MetaSpec.Tests.Shared.RuntimeReferences.All.Value, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)).ToMetadataReference();

    private static Compilation Spec(string learner, bool torch = true)
    {
        var compilation = AnalyzerHarness.Compile(AnalyzerHarness.Usings + MamlNet + learner);
        return torch ? compilation.AddReferences(TorchAssembly) : compilation;
    }

    /// <summary>The MSPEC018 diagnostics with the source text they point at.</summary>
    private static List<(string At, string Message)> Warnings(Compilation compilation) =>
    [
        .. AnalyzerHarness.Analyze(compilation, new TorchSupportAnalyzer())
            .Select(d => (d.Location.SourceTree!.ToString().Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length), d.GetMessage(CultureInfo.InvariantCulture))),
    ];

    private static bool TorchHalfGenerated(Compilation compilation)
    {
        var (output, _) = AnalyzerHarness.RunGenerator(compilation);
        return output.SyntaxTrees.Any(t => t.FilePath.EndsWith("Learner.Torch.g.cs", StringComparison.Ordinal));
    }

    /// <summary>(learner, where the warning points, the reason in its message).</summary>
    public static TheoryData<string, string, string> Refused => new()
    {
        { Learner(method: "Hypergradient(HypergradientKind.HessianFree)"), "HypergradientKind.HessianFree", "not HessianFree" },
        { Learner(method: "Hypergradient(HypergradientKind.EvolutionStrategies)"), "HypergradientKind.EvolutionStrategies", "not EvolutionStrategies" },
        { Learner(geometry: "Geometry(GeometryKind.Kronecker)"), "GeometryKind.Kronecker", "no Kronecker geometry" },
        { Learner(geometry: "Geometry(GeometryKind.MirrorMap)"), "GeometryKind.MirrorMap", "no MirrorMap geometry" },
        { Learner("InnerProblem(LossKind.MeanSquaredError, Smoothness = 1, LearnStepSizes = true)", method: "Hypergradient(HypergradientKind.FirstOrder)"),
            "LearnStepSizes = true", "only with Unrolled, not FirstOrder" },
        { Learner("InnerProblem(LossKind.MeanSquaredError, Smoothness = 1, Steps = 3, ResampleSupport = true)"), "ResampleSupport = true", "(ResampleSupport)" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_spec_the_torch_backend_refuses_warns_at_the_setting_and_gets_no_torch_half(string learner, string at, string reason)
    {
        var compilation = Spec(learner);
        var (where, message) = Assert.Single(Warnings(compilation));
        Assert.Equal(at, where);
        Assert.StartsWith("No torch learner is generated for 'Learner': ", message, StringComparison.Ordinal);
        Assert.Contains(reason, message, StringComparison.Ordinal);
        Assert.EndsWith("train it with the managed engine, or change the spec to what the torch backend computes", message, StringComparison.Ordinal);
        Assert.False(TorchHalfGenerated(compilation));
        Assert.Equal(DiagnosticSeverity.Warning, DiagnosticDescriptors.TorchLearnerNotGenerated.DefaultSeverity);
    }

    public static TheoryData<string> Accepted => new()
    {
        Learner(),
        Learner(method: "Hypergradient(HypergradientKind.FirstOrder)"),
        Learner(method: "Hypergradient(HypergradientKind.Reptile)"),
        Learner("InnerProblem(LossKind.MeanSquaredError, Smoothness = 1, Proximal = 1)", method: "Hypergradient(HypergradientKind.Implicit, Iterations = 4)"),
        Learner("InnerProblem(LossKind.MeanSquaredError, Smoothness = 1, LearnStepSizes = true)"),
        Learner(geometry: "Geometry(GeometryKind.Diagonal)"),
        Learner("InnerProblem(LossKind.CrossEntropy, Smoothness = 1)", outer: "OptimizerKind.Sgd, Momentum = 0.9"),
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void A_spec_the_torch_backend_computes_is_silent_and_gets_a_torch_half(string learner)
    {
        var compilation = Spec(learner);
        Assert.Empty(Warnings(compilation));
        Assert.True(TorchHalfGenerated(compilation));
    }

    [Fact]
    public void Without_a_MetaSpec_Torch_reference_nothing_is_said_and_nothing_generated()
    {
        var compilation = Spec(Learner(method: "Hypergradient(HypergradientKind.HessianFree)"), torch: false);
        Assert.Empty(Warnings(compilation));
        Assert.False(TorchHalfGenerated(compilation));
        Assert.False(TorchHalfGenerated(Spec(Learner(), torch: false)));
    }
}
