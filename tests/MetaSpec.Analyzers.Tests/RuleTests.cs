using MetaSpec.Analyzers.Tests.Support;
using Microsoft.CodeAnalysis.Diagnostics;
using static MetaSpec.Analyzers.Tests.Support.Specs;

namespace MetaSpec.Analyzers.Tests;

/// <summary>Each rule fires at the marked span on the specs that break it and stays silent on those that do not.</summary>
public sealed class RuleTests
{
    private static void Verify<TAnalyzer>(string marked, string? id = null) where TAnalyzer : DiagnosticAnalyzer, new() =>
        AnalyzerHarness.Verify(marked, new TAnalyzer(), id);

    // MSPEC001 / MSPEC002 ---------------------------------------------------------------------------------------

    [Fact]
    public void Step_size_above_c_over_NL_warns_at_the_step_size_with_the_bound_in_the_message()
    {
        var diagnostics = AnalyzerHarness.Verify(MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Steps = 5, [|StepSize = 0.1|], Smoothness = 4)"),
            new StepSizeAnalyzer(), "MSPEC001");
        Assert.Equal("α·N·L = 0.1·5·4 = 2 exceeds 1: N-step MAML converges for α ≤ c/(N·L) (Ji, Yang, Liang 2021); set StepSize to at most 0.05",
            diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, diagnostics[0].Severity);
    }

    [Fact]
    public void Default_step_size_that_is_too_large_warns_at_the_attribute() =>
        Verify<StepSizeAnalyzer>(MamlNet + Learner("[|InnerProblem(LossKind.MeanSquaredError, Steps = 5, Smoothness = 40)|]"), "MSPEC001");

    [Theory]
    [InlineData("Steps = 5, StepSize = 0.05, Smoothness = 4")] // exactly on the bound
    [InlineData("Steps = 1, StepSize = 0.5, Smoothness = 2")]
    [InlineData("Steps = 3, StepSize = 0.047619, Smoothness = 7")]
    public void Step_size_within_the_bound_is_silent(string settings) =>
        Verify<StepSizeAnalyzer>(MamlNet + Learner($"InnerProblem(LossKind.MeanSquaredError, {settings})"));

    [Fact]
    public void Undeclared_smoothness_is_a_warning_that_says_which_L_the_step_size_allows()
    {
        var diagnostics = AnalyzerHarness.Verify(MamlNet + Learner("[|InnerProblem(LossKind.MeanSquaredError, Steps = 5, StepSize = 0.01)|]"),
            new StepSizeAnalyzer(), "MSPEC002");
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, diagnostics[0].Severity);
        Assert.Equal("'Learner' declares no Smoothness L, so α·N·L ≤ 1 cannot be checked here: StepSize = 0.01 with Steps = 5 is within the bound for L ≤ 20; "
            + "set Smoothness to your task loss's L (the trainer estimates L at the start of training and reports it), or lower StepSize",
            diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    // MSPEC003 / MSPEC004 ---------------------------------------------------------------------------------------

    [Fact]
    public void Many_steps_on_an_adapted_subset_reaching_into_the_body_warn_at_steps() =>
        Verify<AdaptationRegimeAnalyzer>(DeepAdaptNet + Learner("InnerProblem(LossKind.MeanSquaredError, [|Steps = 5|])"), "MSPEC003");

    [Fact]
    public void A_nonlinear_head_alone_is_nonconvex_too() =>
        Verify<AdaptationRegimeAnalyzer>(
            "[MetaModel(1)] public partial class Net { Dense hidden = new(8, Activation.ReLU); [Adapt] Dense head = new(1, Activation.Tanh); }\n"
            + Learner("InnerProblem(LossKind.MeanSquaredError, [|Steps = 4|])"), "MSPEC003");

    [Theory]
    [InlineData(DeepAdaptNet, 3)]  // at the default bound
    [InlineData(MamlNet, 10)]      // full MAML is outside the ANIL analysis
    [InlineData(AnilNet, 10)]      // a convex head may take many steps
    public void Few_steps_or_a_convex_head_or_full_maml_are_silent(string model, int steps) =>
        Verify<AdaptationRegimeAnalyzer>(model + Learner($"InnerProblem(LossKind.MeanSquaredError, Steps = {steps})"));

    [Fact]
    public void One_step_on_a_convex_head_suggests_more()
    {
        var diagnostics = AnalyzerHarness.Verify(AnilNet + Learner("InnerProblem(LossKind.MeanSquaredError, [|Steps = 1|])"), new AdaptationRegimeAnalyzer(), "MSPEC004");
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, diagnostics[0].Severity);
        Verify<AdaptationRegimeAnalyzer>(AnilNet + Learner("[|InnerProblem(LossKind.MeanSquaredError)|]"), "MSPEC004");
    }

    [Fact]
    public void One_step_on_a_nonconvex_subset_is_silent() =>
        Verify<AdaptationRegimeAnalyzer>(DeepAdaptNet + Learner("InnerProblem(LossKind.MeanSquaredError, Steps = 1)"));

    // MSPEC005 / MSPEC006 ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("public partial class Plain { [[|Adapt|]] Dense head = new(1); }")]
    [InlineData("[MetaModel(1)] public partial class Net { Dense head = new(1); [[|Adapt|]] static Dense shared = new(1); }")]
    [InlineData("[MetaModel(1)] public partial class Net { Dense head = new(1); [[|Adapt|]] const int Width = 3; }")]
    public void Adapt_on_a_field_that_is_not_a_model_layer_is_an_error(string source) =>
        Verify<AdaptAttributeAnalyzer>(source, "MSPEC005");

    [Theory]
    [InlineData("[MetaModel(1)] public partial class Net { Dense hidden = new(8); [[|Adapt|]] Flatten flat = new(); Dense head = new(1); }")]
    [InlineData("[MetaModel(1, 4, 4)] public partial class Net { Conv2d conv = new(2, 3); [System.NonSerialized, [|Adapt|]] MaxPool2d pool = new(2); Flatten flat = new(); Dense head = new(1); }")]
    public void Adapt_on_a_layer_without_parameters_is_an_error(string source) =>
        Verify<AdaptAttributeAnalyzer>(source, "MSPEC006");

    [Theory]
    [InlineData(AnilNet)]
    [InlineData("[MetaModel(1, 4, 4)] public partial class Net { [Adapt] Conv2d conv = new(2, 3); [Adapt] BatchNorm2d norm = new(); Flatten flat = new(); Dense head = new(1); }")]
    public void Adapt_on_layers_with_parameters_is_silent(string source) => Verify<AdaptAttributeAnalyzer>(source);

    // MSPEC007 --------------------------------------------------------------------------------------------------

    public static TheoryData<string> OutOfRange() => new()
    {
        Learner("InnerProblem(LossKind.MeanSquaredError, [|Steps = 0|])"),
        Learner("InnerProblem(LossKind.MeanSquaredError, [|StepSize = -0.1|])"),
        Learner("InnerProblem(LossKind.MeanSquaredError, [|StepSize = 0|])"),
        Learner("InnerProblem(LossKind.MeanSquaredError, [|StepSize = double.NaN|])"),
        Learner("InnerProblem(LossKind.MeanSquaredError, [|Smoothness = double.PositiveInfinity|])"),
        Learner("InnerProblem(LossKind.MeanSquaredError, [|Smoothness = -2|])"),
        Learner("InnerProblem(LossKind.MeanSquaredError, [|Proximal = -1|])"),
        Learner(outer: "OptimizerKind.Adam, [|LearningRate = 0|]"),
        Learner(outer: "OptimizerKind.Sgd, [|LearningRate = double.PositiveInfinity|]"),
        Learner(outer: "OptimizerKind.Adam, [|TaskBatch = 0|]"),
        Learner(outer: "OptimizerKind.Adam, [|ClipGradientNorm = -1|]"),
        Learner(outer: "OptimizerKind.Sgd, [|Momentum = 1|]"),
        Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = 1)", method: "Hypergradient(HypergradientKind.Implicit, [|Iterations = 0|])"),
        Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = 1)", method: "Hypergradient(HypergradientKind.Implicit, Solver = ImplicitSolver.Neumann, [|NeumannStep = -0.5|])"),
        Learner(method: "Hypergradient(HypergradientKind.HessianFree, [|FiniteDifferenceStep = 0|])"),
        Learner(method: "Hypergradient(HypergradientKind.EvolutionStrategies, [|Directions = 0|])"),
        Learner(method: "Hypergradient(HypergradientKind.EvolutionStrategies, [|Smoothing = double.NaN|])"),
        Learner("InnerProblem(LossKind.MeanSquaredError, [|Steps = -1|], [|StepSize = -1|])", "OptimizerKind.Adam, [|TaskBatch = -4|]"),
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Settings_the_runtime_rejects_are_errors_at_the_setting(string learner) =>
        Verify<SettingRangeAnalyzer>(MamlNet + learner, "MSPEC007");

    [Theory]
    [InlineData("HypergradientKind.Unrolled, Directions = 0, Smoothing = 0, Iterations = 0, FiniteDifferenceStep = -1")] // settings of other methods
    [InlineData("HypergradientKind.EvolutionStrategies, Directions = 1, Smoothing = 1e-3")]
    public void Settings_of_methods_not_chosen_are_not_checked_as_the_runtime_does_not(string method) =>
        Verify<SettingRangeAnalyzer>(MamlNet + Learner(method: $"Hypergradient({method})"));

    [Fact]
    public void Momentum_is_checked_only_for_sgd() =>
        Verify<SettingRangeAnalyzer>(MamlNet + Learner(outer: "OptimizerKind.Adam, Momentum = 5"));

    [Fact]
    public void Message_names_the_setting_its_value_and_the_range()
    {
        var diagnostics = AnalyzerHarness.Verify(MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, [|StepSize = double.NaN|])"), new SettingRangeAnalyzer(), "MSPEC007");
        Assert.Equal("StepSize is NaN: it must be positive and finite", diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    // MSPEC008 … MSPEC011 ---------------------------------------------------------------------------------------

    [Fact]
    public void Implicit_without_proximal_is_an_error_at_the_method_or_the_zero_proximal()
    {
        Verify<ImplicitWithoutProximalAnalyzer>(MamlNet + Learner(method: "Hypergradient([|HypergradientKind.Implicit|])"), "MSPEC008");
        Verify<ImplicitWithoutProximalAnalyzer>(MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, [|Proximal = 0|])", method: "Hypergradient(HypergradientKind.Implicit)"), "MSPEC008");
        Verify<ImplicitWithoutProximalAnalyzer>(MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = 0.5)", method: "Hypergradient(HypergradientKind.Implicit)"));
        Verify<ImplicitWithoutProximalAnalyzer>(MamlNet + Learner());
    }

    [Theory]
    [InlineData("HypergradientKind.Reptile")]
    [InlineData("HypergradientKind.Implicit")]
    [InlineData("HypergradientKind.EvolutionStrategies")]
    public void Learned_step_sizes_without_unrolling_are_an_error(string method) =>
        Verify<LearnedStepSizesAnalyzer>(MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = 1, [|LearnStepSizes = true|])", method: $"Hypergradient({method})"), "MSPEC009");

    [Theory]
    [InlineData("HypergradientKind.Unrolled")]
    [InlineData("HypergradientKind.HessianFree")]
    [InlineData("HypergradientKind.FirstOrder")] // the derivative with the inner gradients held fixed
    public void Learned_step_sizes_with_unrolling_are_silent(string method) =>
        Verify<LearnedStepSizesAnalyzer>(MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, LearnStepSizes = true)", method: $"Hypergradient({method})"));

    [Fact]
    public void Learned_step_sizes_with_a_reset_head_are_an_error()
    {
        Verify<LearnedStepSizesAnalyzer>(AnilNet + Learner("InnerProblem(LossKind.MeanSquaredError, LearnStepSizes = true, [|ResetAdaptedToZero = true|])"), "MSPEC010");
        Verify<LearnedStepSizesAnalyzer>(AnilNet + Learner("InnerProblem(LossKind.MeanSquaredError, LearnStepSizes = false, ResetAdaptedToZero = true)"));
    }

    [Fact]
    public void Resampled_support_with_the_implicit_method_warns_when_there_are_several_draws()
    {
        const string method = "Hypergradient(HypergradientKind.Implicit)";
        Verify<ResampledSupportWithImplicitAnalyzer>(MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Steps = 5, Proximal = 1, [|ResampleSupport = true|])", method: method), "MSPEC011");
        Verify<ResampledSupportWithImplicitAnalyzer>(MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Steps = 1, Proximal = 1, ResampleSupport = true)", method: method));
        Verify<ResampledSupportWithImplicitAnalyzer>(MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Steps = 5, ResampleSupport = true)"));
    }

    // MSPEC014 – MSPEC017 --------------------------------------------------------------------------------------

    [Theory]
    [InlineData("GeometryKind.Diagonal", "HypergradientKind.Reptile")]
    [InlineData("GeometryKind.BlockDiagonal", "HypergradientKind.EvolutionStrategies")]
    [InlineData("GeometryKind.Kronecker", "HypergradientKind.Implicit")]
    [InlineData("GeometryKind.MirrorMap, Hidden = 16", "HypergradientKind.Implicit")]
    public void A_learned_geometry_without_a_method_that_differentiates_the_steps_is_an_error(string geometry, string method)
    {
        string proximal = geometry.StartsWith("GeometryKind.MirrorMap", StringComparison.Ordinal) ? "" : ", Proximal = 1";
        Verify<GeometryAnalyzer>(MamlNet + Learner($"InnerProblem(LossKind.MeanSquaredError{proximal})", method: $"Hypergradient({method})",
            geometry: $"Geometry([|{geometry.Split(',')[0]}|]{(geometry.Contains(',') ? "," + geometry.Split(',', 2)[1] : "")})"), "MSPEC014");
    }

    [Fact]
    public void Geometry_message_says_which_method_and_why()
    {
        var diagnostics = AnalyzerHarness.Verify(MamlNet + Learner(method: "Hypergradient(HypergradientKind.Reptile)", geometry: "Geometry([|GeometryKind.Kronecker|])"),
            new GeometryAnalyzer(), "MSPEC014");
        Assert.Equal("The learned Kronecker geometry needs a method that differentiates through the inner steps (Unrolled, HessianFree or FirstOrder), "
            + "not Reptile: its direction θ − θ_N has no derivative with respect to the geometry's parameters",
            diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("HypergradientKind.Unrolled", "GeometryKind.MirrorMap")]
    [InlineData("HypergradientKind.FirstOrder", "GeometryKind.Kronecker")]
    [InlineData("HypergradientKind.HessianFree", "GeometryKind.BlockDiagonal")]
    [InlineData("HypergradientKind.Reptile", "GeometryKind.Identity")] // no learned parameters: nothing to differentiate
    public void Learned_geometries_with_a_method_that_differentiates_the_steps_are_silent(string method, string geometry) =>
        Verify<GeometryAnalyzer>(MamlNet + Learner(method: $"Hypergradient({method})", geometry: $"Geometry({geometry})"));

    [Fact]
    public void A_mirror_map_with_a_proximal_term_is_an_error_at_the_proximal_weight()
    {
        var diagnostics = AnalyzerHarness.Verify(MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, [|Proximal = 0.5|])", geometry: "Geometry(GeometryKind.MirrorMap)"),
            new GeometryAnalyzer(), "MSPEC015");
        Assert.StartsWith("The MirrorMap geometry cannot be combined with Proximal = 0.5: the proximal term", diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Verify<GeometryAnalyzer>(MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = 0.5)", geometry: "Geometry(GeometryKind.Kronecker)"));
    }

    [Theory]
    [InlineData("GeometryKind.MirrorMap")]
    [InlineData("GeometryKind.BlockDiagonal")]
    public void A_learned_geometry_with_a_reset_head_is_an_error(string geometry)
    {
        Verify<GeometryAnalyzer>(AnilNet + Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = 0, [|ResetAdaptedToZero = true|])", geometry: $"Geometry({geometry})"), "MSPEC016");
        Verify<GeometryAnalyzer>(AnilNet + Learner("InnerProblem(LossKind.MeanSquaredError, ResetAdaptedToZero = true)", geometry: "Geometry(GeometryKind.Identity)"));
    }

    [Fact]
    public void Learn_step_sizes_with_another_geometry_is_an_error_and_with_the_diagonal_silent()
    {
        Verify<GeometryAnalyzer>(MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, [|LearnStepSizes = true|])", geometry: "Geometry(GeometryKind.Kronecker)"), "MSPEC017");
        Verify<GeometryAnalyzer>(MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, LearnStepSizes = true)", geometry: "Geometry(GeometryKind.Diagonal)"));
    }

    [Fact]
    public void Geometry_settings_are_range_checked_and_ignored_ones_are_errors()
    {
        Verify<SettingRangeAnalyzer>(MamlNet + Learner(geometry: "Geometry(GeometryKind.MirrorMap, [|Embedding = 0|], [|Hidden = -1|])"), "MSPEC007");
        Verify<SettingRangeAnalyzer>(MamlNet + Learner(geometry: "Geometry(GeometryKind.Kronecker, Hidden = -1)")); // ignored, MSPEC012's
        Verify<IgnoredSettingAnalyzer>(MamlNet + Learner(geometry: "Geometry(GeometryKind.Kronecker, [|Hidden = 16|], [|DenseOutput = true|])"), "MSPEC012");
        Verify<IgnoredSettingAnalyzer>(MamlNet + Learner(geometry: "Geometry(GeometryKind.MirrorMap, Embedding = 4, Hidden = 16, DenseOutput = true)"));
        var diagnostics = AnalyzerHarness.Verify(MamlNet + Learner(geometry: "Geometry(GeometryKind.BlockDiagonal, [|Embedding = 8|])"), new IgnoredSettingAnalyzer(), "MSPEC012");
        Assert.Equal("Embedding is set, but BlockDiagonal does not use it (only MirrorMap does): remove it, or choose MirrorMap if that is what you meant",
            diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    // MSPEC012 / MSPEC013 ---------------------------------------------------------------------------------------

    public static TheoryData<string> IgnoredSettings() => new()
    {
        Learner(method: "Hypergradient(HypergradientKind.Reptile, [|FiniteDifferenceStep = -1|], [|Directions = 0|])"),
        Learner(outer: "OptimizerKind.Adam, [|Momentum = 0.9|]"),
        Learner(method: "Hypergradient(HypergradientKind.Unrolled, [|Solver = ImplicitSolver.Neumann|], [|Iterations = 3|], [|Smoothing = 1|])"),
        Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = 1)", method: "Hypergradient(HypergradientKind.Implicit, [|NeumannStep = 0.5|])"),
        Learner(method: "Hypergradient(HypergradientKind.HessianFree, [|Directions = 16|])"), // written, even at its default
    };

    [Theory]
    [MemberData(nameof(IgnoredSettings))]
    public void Settings_the_chosen_method_ignores_are_errors_at_the_setting(string learner) =>
        Verify<IgnoredSettingAnalyzer>(MamlNet + learner, "MSPEC012");

    [Theory]
    [InlineData("HypergradientKind.Implicit, Solver = ImplicitSolver.Neumann, NeumannStep = 0.5, Iterations = 3")]
    [InlineData("HypergradientKind.EvolutionStrategies, Directions = 4, Smoothing = 0.1")]
    [InlineData("HypergradientKind.HessianFree, FiniteDifferenceStep = 1e-4")]
    public void Settings_the_chosen_method_reads_are_silent(string method) =>
        Verify<IgnoredSettingAnalyzer>(MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = 1)", "OptimizerKind.Sgd, Momentum = 0.9", $"Hypergradient({method})"));

    [Fact]
    public void Ignored_setting_message_names_the_setting_the_method_and_who_reads_it()
    {
        var diagnostics = AnalyzerHarness.Verify(MamlNet + Learner(method: "Hypergradient(HypergradientKind.Reptile, [|Directions = 0|])"), new IgnoredSettingAnalyzer(), "MSPEC012");
        Assert.Equal("Directions is set, but Reptile does not use it (only EvolutionStrategies does): remove it, or choose EvolutionStrategies if that is what you meant",
            diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Reset_adapted_to_zero_without_an_adapted_layer_is_an_error()
    {
        Verify<ResetWithoutAdaptedLayersAnalyzer>(MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = 1, [|ResetAdaptedToZero = true|])"), "MSPEC013");
        Verify<ResetWithoutAdaptedLayersAnalyzer>(AnilNet + Learner("InnerProblem(LossKind.MeanSquaredError, Proximal = 1, ResetAdaptedToZero = true)"));
        Verify<ResetWithoutAdaptedLayersAnalyzer>(MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, ResetAdaptedToZero = false)"));
    }
}
