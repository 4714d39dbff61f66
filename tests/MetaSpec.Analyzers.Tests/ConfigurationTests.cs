using MetaSpec.Analyzers.Tests.Support;
using static MetaSpec.Analyzers.Tests.Support.Specs;

namespace MetaSpec.Analyzers.Tests;

/// <summary>The .editorconfig keys change the theory rules' thresholds; the defaults are the documented ones; bad values fall back.</summary>
public sealed class ConfigurationTests
{
    private const string StepSizeConstant = "metaspec.step_size_constant";
    private const string MaxSteps = "metaspec.nonconvex_anil_max_steps";

    /// <summary>α·N·L = 0.1·5·4 = 2.</summary>
    private static readonly string ProductTwo = MamlNet + Learner("InnerProblem(LossKind.MeanSquaredError, Steps = 5, StepSize = 0.1, Smoothness = 4)");

    private static int StepSizeWarnings(string source, Dictionary<string, string>? file = null, Dictionary<string, string>? global = null) =>
        AnalyzerHarness.Analyze(AnalyzerHarness.Usings + source, new StepSizeAnalyzer(), TestConfigOptionsProvider.Options(file, global))
            .Count(d => d.Id == "MSPEC001");

    private static int NonconvexWarnings(int steps, Dictionary<string, string>? file = null) =>
        AnalyzerHarness.Analyze(AnalyzerHarness.Usings + DeepAdaptNet + Learner($"InnerProblem(LossKind.MeanSquaredError, Steps = {steps})"),
            new AdaptationRegimeAnalyzer(), TestConfigOptionsProvider.Options(file)).Count(d => d.Id == "MSPEC003");

    [Fact]
    public void Defaults_are_c_1_and_three_nonconvex_steps()
    {
        Assert.Equal(1.0, AnalyzerSettings.DefaultStepSizeConstant);
        Assert.Equal(3, AnalyzerSettings.DefaultNonconvexAnilMaxSteps);
        Assert.Equal(1, StepSizeWarnings(ProductTwo));
        Assert.Equal(0, NonconvexWarnings(3));
        Assert.Equal(1, NonconvexWarnings(4));
    }

    [Fact]
    public void Step_size_constant_moves_the_bound()
    {
        Assert.Equal(0, StepSizeWarnings(ProductTwo, new() { [StepSizeConstant] = "2" }));
        Assert.Equal(1, StepSizeWarnings(ProductTwo, new() { [StepSizeConstant] = "1.999" }));
        Assert.Equal(0, StepSizeWarnings(ProductTwo, global: new() { [StepSizeConstant] = "2.5" }));
        // The file's section wins over the global config.
        Assert.Equal(1, StepSizeWarnings(ProductTwo, new() { [StepSizeConstant] = "1" }, new() { [StepSizeConstant] = "3" }));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("Infinity")]
    [InlineData("2,5")] // a decimal comma is not read under any culture: values are invariant
    public void Unreadable_step_size_constant_falls_back_to_the_default(string value) =>
        Assert.Equal(1, StepSizeWarnings(ProductTwo, new() { [StepSizeConstant] = value }));

    [Fact]
    public void Nonconvex_step_bound_is_configurable_and_falls_back_when_unreadable()
    {
        Assert.Equal(0, NonconvexWarnings(6, new() { [MaxSteps] = "6" }));
        Assert.Equal(1, NonconvexWarnings(2, new() { [MaxSteps] = "1" }));
        Assert.Equal(1, NonconvexWarnings(4, new() { [MaxSteps] = "0" }));
        Assert.Equal(0, NonconvexWarnings(3, new() { [MaxSteps] = "many" }));
    }

    [Fact]
    public void The_message_reports_the_configured_constant()
    {
        var diagnostic = AnalyzerHarness.Analyze(AnalyzerHarness.Usings + ProductTwo, new StepSizeAnalyzer(),
            TestConfigOptionsProvider.Options(new Dictionary<string, string> { [StepSizeConstant] = "0.5" })).Single();
        Assert.Contains("exceeds 0.5", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("at most 0.025", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task An_editorconfig_file_sets_the_constant_end_to_end()
    {
        // Through the test framework's .editorconfig handling, as the compiler reads the file.
        await new SpecAnalyzerTest<StepSizeAnalyzer>(ProductTwo, editorConfig: "metaspec.step_size_constant = 2").RunAsync();
        await new SpecAnalyzerTest<StepSizeAnalyzer>(ProductTwo.Replace("StepSize = 0.1", "{|MSPEC001:StepSize = 0.1|}"), editorConfig: "metaspec.step_size_constant = 1.5").RunAsync();
    }

    [Fact]
    public async Task The_framework_tests_resolve_no_reference_package_so_nothing_is_downloaded_when_they_run()
    {
        Assert.Null(FrameworkReferences.None.ReferenceAssemblyPackage);
        Assert.Empty(FrameworkReferences.None.Packages);
        Assert.Empty(await FrameworkReferences.None.ResolveAsync(Microsoft.CodeAnalysis.LanguageNames.CSharp, CancellationToken.None));
    }
}
