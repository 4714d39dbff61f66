using System.Reflection;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Torch.Tests.Specs;
using Xunit.Abstractions;
using static MetaSpec.Torch.Tests.Fixtures;

namespace MetaSpec.Torch.Tests;

/// <summary>
/// The generator's torch half (Specs/TorchSpecs.cs compiled with the generator in this project): CreateTorchLearner runs
/// and agrees with the managed engine, the emitted settings are ManagedBridge's mapping of the generated managed problem,
/// and the specs the backend refuses get no torch half.
/// </summary>
public class GeneratedLearnerTests(ITestOutputHelper output)
{
    [Fact]
    public void Generated_torch_learner_meta_gradient_equals_the_managed_engine_in_float64()
    {
        const int seed = 7;
        using var torch = SineMaml2.CreateTorchLearner<double>(seed, Cpu);
        Assert.Equal(TorchSharp.torch.ScalarType.Float64, torch.DType);
        Assert.Equal(SineMaml2.MetaParameterCount, torch.MetaParameterCount);

        // The managed reference is built by hand (not through the bridge) from the spec's declared inner loop and method.
        var network = SineMlp<double>();
        var problem = MetaProblem<double>.ForNetwork(network, MeanSquaredError<double>.Instance, SineMaml2.InnerLoop, SineMaml2.Hypergradient);
        var start = network.CreateParameters(seed);
        Assert.Equal(start, torch.MetaParameters); // the same PyTorch-style initialisation for the seed

        var tasks = SineTasks(3, 21);
        var (expected, expectedLoss) = ManagedMetaGradient(problem, start, tasks);
        var actual = new double[torch.MetaParameterCount];
        double loss = torch.MetaGradient(tasks, actual);
        double relative = RelativeDifference(expected, actual);
        output.WriteLine($"generated SineMaml2 (second order, N = 2), float64: max relative difference {relative:E2}");
        Assert.Equal(expectedLoss, loss, 1e-12);
        Assert.True(relative <= 1e-10, $"relative difference {relative:E3} > 1e-10");
    }

    /// <summary>The other generated learners in float64, against the managed engine built from the same generated declarations.</summary>
    [Theory]
    [MemberData(nameof(Supported))]
    public void Every_generated_torch_learner_agrees_with_the_managed_engine_in_float64(string spec)
    {
        var type = typeof(SineMaml2).Assembly.GetType($"MetaSpec.Torch.Tests.Specs.{spec}")!;
        var create = type.GetMethod("CreateTorchLearner")!.MakeGenericMethod(typeof(double));
        using var torch = (TorchLearner<double>)create.Invoke(null, [11, Cpu])!;
        var model = (TorchModel)Invoke(type, "CreateTorchModel");
        var problem = MetaProblem<double>.ForNetwork(ManagedBridge.ToSequential<double>(model), MeanSquaredError<double>.Instance,
            (InnerLoop)Static(type, "InnerLoop"), (Hypergradient)Static(type, "Hypergradient"), [.. (IReadOnlyList<string>)Static(type, "AdaptedLayers")]);
        var meta = torch.MetaParameters;
        Assert.Equal(problem.MetaParameterCount, meta.Length);
        var tasks = SineTasks(3, 22);
        var (expected, expectedLoss) = ManagedMetaGradient(problem, meta, tasks);
        var actual = new double[meta.Length];
        double loss = torch.MetaGradient(tasks, actual);
        double relative = RelativeDifference(expected, actual);
        output.WriteLine($"generated {spec}, float64: max relative difference {relative:E2}");
        Assert.Equal(expectedLoss, loss, 1e-12);
        Assert.True(relative <= 1e-10, $"{spec}: relative difference {relative:E3} > 1e-10");
    }

    [Fact]
    public void Generated_float32_learner_starts_where_the_generated_managed_learner_does()
    {
        using var torch = SineMetaSgd.CreateTorchLearner<float>(seed: 3, Cpu);
        var managed = new SineMetaSgd(seed: 3);
        Assert.Equal(TorchSharp.torch.ScalarType.Float32, torch.DType);
        Assert.Equal(managed.MetaParameters, torch.MetaParameters); // θ, then the step sizes at α
    }

    public static TheoryData<string> Supported => ["SineMaml2", "SineMetaSgd", "SineAnil", "SineImaml", "SineReptile"];

    [Theory]
    [MemberData(nameof(Supported))]
    public void Emitted_settings_are_the_bridge_mapping_of_the_generated_problem(string spec)
    {
        var type = typeof(SineMaml2).Assembly.GetType($"MetaSpec.Torch.Tests.Specs.{spec}")!;
        var emitted = (TorchMetaSettings)Static(type, "TorchSettings");
        var outer = (TorchOuterSettings)Static(type, "TorchOuterSettings");
        var problem = (MetaProblem<float>)Invoke(type, "CreateProblem", ManagedNetwork(type));
        var mapped = ManagedBridge.ToTorchSettings(problem);
        string[] none = [];
        Assert.Equal(mapped with { AdaptedLayers = none }, emitted with { AdaptedLayers = none }); // every other value
        Assert.Equal(mapped.AdaptedLayers, emitted.AdaptedLayers);
        Assert.Equal(ManagedBridge.ToTorchModel(problem.Network!).Tensors.Select(t => t.Name), ((TorchModel)Invoke(type, "CreateTorchModel")).Tensors.Select(t => t.Name));
        Assert.Equal((int)Static(type, "TaskBatch"), outer.TaskBatch);
        Assert.Equal((double)Static(type, "OuterLearningRate"), outer.LearningRate);
    }

    [Theory]
    [InlineData("SineHessianFree")]
    [InlineData("SineResampled")]
    public void Specs_the_backend_refuses_get_no_torch_half(string spec)
    {
        var type = typeof(SineMaml2).Assembly.GetType($"MetaSpec.Torch.Tests.Specs.{spec}")!;
        Assert.Null(type.GetMethod("CreateTorchLearner"));
        Assert.Null(type.GetProperty("TorchSettings"));
        // …and the runtime refuses them too: the generator's rule and the bridge agree.
        var problem = (MetaProblem<float>)Invoke(type, "CreateProblem", ManagedNetwork(type));
        var error = Assert.Throws<NotSupportedException>(() => ManagedBridge.ToTorchSettings(problem));
        output.WriteLine($"{spec}: {error.Message}");
    }

    private static object ManagedNetwork(Type learner)
    {
        var model = learner.GetCustomAttribute<MetaLearnerAttribute>()!.Model;
        return model.GetMethod("CreateNetwork")!.Invoke(null, null)!;
    }

    private static object Static(Type type, string name) =>
        type.GetProperty(name, BindingFlags.Public | BindingFlags.Static)?.GetValue(null)
        ?? type.GetField(name, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    private static object Invoke(Type type, string name, params object[] arguments) =>
        type.GetMethod(name, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, arguments)!;
}
