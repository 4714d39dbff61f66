using MetaSpec.Meta;
using MetaSpec.Specification;

namespace MetaSpec.Generators.Tests;

/// <summary>
/// src/MetaSpec.Specification mirrors the runtime's enums by name and value and is the one source of defaults, ranges,
/// method capabilities and shape formulas; these tests hold the mirrors to the runtime and the runtime to the rules.
/// </summary>
public sealed class SpecificationTests
{
    private static void SameMembers<TRuntime, TSpec>() where TRuntime : struct, Enum where TSpec : struct, Enum =>
        Assert.Equal(Enum.GetValues<TRuntime>().Select(v => (v.ToString(), Convert.ToInt32(v))),
            Enum.GetValues<TSpec>().Select(v => (v.ToString(), Convert.ToInt32(v))));

    [Fact]
    public void Mirrored_enums_have_the_runtime_s_names_and_values()
    {
        SameMembers<HypergradientKind, HypergradientMethod>();
        SameMembers<ImplicitSolver, LinearSolver>();
        SameMembers<OptimizerKind, OuterOptimizer>();
        SameMembers<LossKind, TaskLoss>();
        SameMembers<Activation, ActivationKind>();
        SameMembers<GeometryKind, StepGeometryKind>();
        Assert.All(Enum.GetNames<LayerKind>(), name => Assert.NotNull(typeof(Dense).Assembly.GetType("MetaSpec." + name)));
    }

    [Fact]
    public void Runtime_records_and_attributes_take_the_shared_defaults()
    {
        var inner = new InnerLoop();
        Assert.Equal((SpecDefaults.Steps, SpecDefaults.StepSize, SpecDefaults.Proximal, SpecDefaults.ResampleSupport, SpecDefaults.LearnStepSizes, SpecDefaults.ResetAdaptedToZero),
            (inner.Steps, inner.StepSize, inner.Proximal, inner.ResampleSupport, inner.LearnStepSizes, inner.ResetAdaptedToZero));
        var method = new Hypergradient();
        Assert.Equal(((int)SpecDefaults.Method, (int)SpecDefaults.Solver, SpecDefaults.Iterations, SpecDefaults.NeumannStep, SpecDefaults.FiniteDifferenceStep, SpecDefaults.Directions, SpecDefaults.Smoothing),
            ((int)method.Kind, (int)method.Solver, method.Iterations, method.NeumannStep, method.FiniteDifferenceStep, method.Directions, method.Smoothing));
        var options = new TrainerOptions();
        Assert.Equal((SpecDefaults.TaskBatch, SpecDefaults.ClipGradientNorm, SpecDefaults.Smoothness, SpecDefaults.SmoothnessIterations, SpecDefaults.StepSizeConstant),
            (options.TaskBatch, options.ClipGradientNorm, options.Smoothness, options.SmoothnessIterations, options.StepSizeConstant));
        var attribute = new HypergradientAttribute(HypergradientKind.Reptile);
        Assert.Equal((SpecDefaults.Iterations, SpecDefaults.Directions), (attribute.Iterations, attribute.Directions));
        var geometry = new StepGeometry();
        var declared = new GeometryAttribute(GeometryKind.MirrorMap);
        Assert.Equal(((int)SpecDefaults.Geometry, SpecDefaults.Embedding, SpecDefaults.Hidden, SpecDefaults.DenseOutput),
            ((int)geometry.Kind, geometry.Embedding, geometry.Hidden, geometry.DenseOutput));
        Assert.Equal((SpecDefaults.Embedding, SpecDefaults.Hidden, SpecDefaults.DenseOutput), (declared.Embedding, declared.Hidden, declared.DenseOutput));
        Assert.Equal(StepGeometry.Identity, inner.Geometry);
    }

    [Fact]
    public void Every_method_has_a_capability_row_that_agrees_with_the_runtime()
    {
        foreach (var kind in Enum.GetValues<HypergradientKind>())
        {
            var method = (HypergradientMethod)kind;
            Assert.Equal(MethodCapabilities.SupportsLearnedGeometry(method), MethodCapabilities.WhyNoLearnedGeometry(method) is null);
            // What the method reads it accepts at run time; what it does not read it rejects when set.
            var inner = new InnerLoop { Proximal = 1, LearnStepSizes = MethodCapabilities.SupportsLearnedGeometry(method) };
            new Hypergradient { Kind = kind }.Validate(inner);
            // Every learned geometry takes the methods that learn step sizes, and no other.
            foreach (var geometry in Enum.GetValues<GeometryKind>())
            {
                var declared = new InnerLoop { Geometry = new StepGeometry { Kind = geometry } };
                if (geometry == GeometryKind.Identity || MethodCapabilities.SupportsLearnedGeometry(method)) new Hypergradient { Kind = kind }.Validate(declared with { Proximal = geometry == GeometryKind.MirrorMap ? 0 : 1 });
                else Assert.Contains($"The learned {geometry} geometry needs", Assert.Throws<ArgumentException>(() => new Hypergradient { Kind = kind }.Validate(declared with { Proximal = geometry == GeometryKind.MirrorMap ? 0 : 1 })).Message);
            }
            foreach (var setting in Enum.GetValues<MethodSetting>())
            {
                var changed = With(new Hypergradient { Kind = kind }, setting);
                if (MethodCapabilities.Uses(method, LinearSolver.ConjugateGradient, setting)) changed.Validate(inner);
                else Assert.Contains($"{setting} is set, but", Assert.Throws<ArgumentException>(() => changed.Validate(inner)).Message);
            }
        }
        // NeumannStep is read by the Neumann solver only.
        var neumann = new Hypergradient { Kind = HypergradientKind.Implicit, Solver = ImplicitSolver.Neumann, NeumannStep = 0.5 };
        neumann.Validate(new InnerLoop { Proximal = 1 });
        Assert.Contains("Implicit with ConjugateGradient does not use it", Assert.Throws<ArgumentException>(() =>
            (neumann with { Solver = ImplicitSolver.ConjugateGradient }).Validate(new InnerLoop { Proximal = 1 })).Message);
    }

    private static Hypergradient With(Hypergradient method, MethodSetting setting) => setting switch
    {
        MethodSetting.Solver => method with { Solver = ImplicitSolver.Neumann },
        MethodSetting.Iterations => method with { Iterations = 7 },
        MethodSetting.NeumannStep => method with { NeumannStep = 0.5 },
        MethodSetting.FiniteDifferenceStep => method with { FiniteDifferenceStep = 1e-4 },
        MethodSetting.Directions => method with { Directions = 3 },
        _ => method with { Smoothing = 0.5 },
    };

    [Fact]
    public void Out_of_range_settings_throw_with_the_analyzer_s_message()
    {
        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => new InnerLoop { StepSize = double.NaN }.Validate());
        Assert.Equal("StepSize", exception.ParamName);
        Assert.StartsWith("StepSize is NaN: it must be positive and finite.", exception.Message);
        Assert.StartsWith("Directions is 0: it must be at least 1.", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Hypergradient { Kind = HypergradientKind.EvolutionStrategies, Directions = 0 }.Validate(new InnerLoop())).Message);
    }

    [Theory]
    [InlineData(28, 3, 1, 0, 26)]
    [InlineData(28, 3, 2, 1, 14)]
    [InlineData(5, 2, 2, 0, 2)]
    [InlineData(7, 7, 1, 0, 1)]
    public void Window_positions_follow_pytorch_s_floor_mode(int size, int kernel, int stride, int padding, int expected)
    {
        Assert.Equal(expected, ShapeFormulas.WindowPositions(size, kernel, stride, padding));
        var layer = new MetaSpec.Layers.Conv2dLayer<float>(Shape.Image(1, size, size), 1, kernel, stride, padding);
        Assert.Equal(expected, layer.OutputShape.Height);
    }

    [Fact]
    public void Help_links_are_absolute_and_the_package_names_the_same_repository()
    {
        Assert.StartsWith("https://", HelpLinks.For("MSPEC001"));
        string project = File.ReadAllText(Path.Combine(Support.GeneratorHarness.ProjectDirectory(), "..", "..", "src", "Directory.Build.props"));
        Assert.Contains($"<RepositoryUrl>{HelpLinks.RepositoryUrl}</RepositoryUrl>", project);
    }
}
