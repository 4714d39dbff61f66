extern alias LossGeometryProgram;
extern alias OmniglotProgram;

using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace MetaSpec.Specs.Tests;

/// <summary>
/// Runs every spec's entry point with a tiny budget (2 meta-iterations, 20 evaluation tasks, one thread; 5 tasks
/// and two threads for the convolutional ones) and checks the exit code and the lines a reader is told to expect.
/// The figures themselves are not checked: two iterations train nothing; these tests keep the programs runnable
/// and their output in shape. The image specs read small data sets written here in the real files' formats
/// (<see cref="SampleData"/>); <see cref="RealDataSpecTests"/> runs them on the real data where it exists.
/// The specs run one after another (one test class), so their timings do not compete.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SpecProgramTests : IDisposable
{
    public static readonly string[] Tiny = ["--iterations", "2", "--eval-tasks", "20", "--threads", "1"];

    /// <summary>
    /// The convolutional specs cost far more per task: fewer evaluation episodes. Their first iteration is mostly
    /// the runtime's smoothness estimate (power iteration over the first batch), which two threads halve.
    /// </summary>
    public static readonly string[] TinyConvolutional = ["--iterations", "2", "--eval-tasks", "5", "--threads", "2"];

    public const string Interval = @"\d+\.\d+ ± \d+\.\d+";

    private readonly ScratchFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Sinusoid_trains_evaluates_and_writes_the_checkpoint_and_the_figure_with_plain_output()
    {
        string target = Path.Combine(folder.Path, "new", "nested"); // created by the spec
        string output = SpecRunner.RunToSuccess(SinusoidSpec.Program.Run, [.. Tiny, "--out", target]);
        Assert.Matches(new Regex(@"Sinusoid MAML: 1761 parameters, 2 meta-iterations of 25 tasks, 1 threads"), output);
        // Redirected output: the progress is plain lines, a table without escape codes.
        Assert.Contains("meta-training  50%", output);
        Assert.Contains("meta-training 100%", output);
        Assert.DoesNotContain('\u001b', output);
        Assert.Matches(new Regex($@"│ 10 │ \S+ ± \S+ +│ \S+ ± \S+ +│ \S+ ± \S+ +│"), output);
        // Exactly the two results: no temporary file, no leftover of the writability probe.
        Assert.Equal(["sine-maml.safetensors", "sinusoid.svg"], Directory.GetFiles(target).Select(Path.GetFileName).Order());
        XDocument svg = XDocument.Load(Path.Combine(target, "sinusoid.svg"));
        Assert.Equal(2, svg.Descendants().Count(e => (string?)e.Attribute("class") == "panel"));
    }

    [Fact]
    public void SinusoidAnil_prints_the_loss_after_0_1_and_10_steps()
    {
        string output = SpecRunner.RunToSuccess(SinusoidAnilSpec.Program.Run, Tiny);
        Assert.Matches(new Regex($@"after  0 steps: {Interval}"), output);
        Assert.Matches(new Regex($@"after  1 step : {Interval}"), output);
        Assert.Matches(new Regex($@"after 10 steps: {Interval}"), output);
    }

    [Fact]
    public void Omniglot_meta_trains_and_tests_on_archives_in_the_real_format()
    {
        // 20 background characters: every 10th (2, with their rotations 8 classes) is held out for validation.
        SampleData.WriteOmniglot(folder.Path, backgroundCharacters: 20, evaluationCharacters: 8);
        string[] omniglot = [.. TinyConvolutional, "--task-batch", "4", "--val-tasks", "5", "--data", folder.Path];
        string output = SpecRunner.RunToSuccess(OmniglotProgram::MetaSpec.Specs.OmniglotSpec.Program.Run, [.. omniglot, "--out", Path.Combine(folder.Path, "second")]);
        Assert.Contains("72 meta-train classes (18 background characters), 8 validation classes (every 10th background character), 32 meta-test classes (evaluation)", output);
        Assert.Contains("second-order MAML", output);
        Assert.Contains("strided Conv-4", output);
        Assert.Matches(new Regex($@"after 0 steps: accuracy {Interval} %"), output);
        Assert.Matches(new Regex($@"after 3 steps: accuracy {Interval} %"), output);
        ExplainsTheStepSizeWarningBeforeTraining(output);

        SampleData.WriteOmniglot(folder.Path, backgroundCharacters: 50, evaluationCharacters: 8);
        string firstOrder = SpecRunner.RunToSuccess(OmniglotProgram::MetaSpec.Specs.OmniglotSpec.Program.Run, [.. omniglot, "--first-order", "--no-rotations", "--out", Path.Combine(folder.Path, "first")]);
        Assert.Contains("first-order MAML", firstOrder);
        Assert.Contains("45 meta-train classes (45 background characters), 5 validation classes (every 10th background character), 8 meta-test classes (evaluation)", firstOrder);
    }

    [Fact]
    public void FashionMnist_prints_held_out_accuracy_on_files_in_the_real_format()
    {
        SampleData.WriteFashionMnist(folder.Path);
        string output = SpecRunner.RunToSuccess(FashionMnistSpec.Program.Run, [.. TinyConvolutional, "--data", folder.Path]);
        Assert.Contains("meta-test classes Shirt, Sneaker, Bag, Ankle boot", output);
        Assert.Matches(new Regex($@"after 5 steps: accuracy {Interval} %"), output);
        ExplainsTheStepSizeWarningBeforeTraining(output);
    }

    [Fact]
    public void LinearRegression_prints_the_step_size_grid_and_the_closed_form()
    {
        string output = SpecRunner.RunToSuccess(LinearRegressionSpec.Program.Run, Tiny);
        Assert.Matches(new Regex(@"Recommended step size α\* = \d+\.\d{4}"), output);
        Assert.Matches(new Regex(@"← α\*"), output);
        Assert.Matches(new Regex(@"Grid optimum on the support points: α = \d+\.\d{4}"), output);
        Assert.Contains("closed form w_MAML", output);
        Assert.Matches(new Regex(@"‖w − w_MAML‖/‖w_MAML‖ = "), output);
    }

    [Fact]
    public void Quadratic_training_reaches_the_closed_form_fixed_point()
    {
        // Small enough to converge in a test: the check here is numerical, not only the shape of the output.
        string output = SpecRunner.RunToSuccess(QuadraticSpec.Program.Run, ["--iterations", "3000", "--threads", "1"]);
        Assert.Contains("closed-form θ*", output);
        Assert.Contains("plain average of θᵢ", output);
        var error = Regex.Match(output, @"‖trained − θ\*‖ = (\S+)");
        Assert.True(error.Success, output);
        Assert.True(double.Parse(error.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) < 1e-8, output);
    }

    [Fact]
    public void SharedEmbedding_compares_AID_ITD_and_ESJ()
    {
        string output = SpecRunner.RunToSuccess(SharedEmbeddingSpec.Program.Run, Tiny);
        Assert.Matches(new Regex($@"ITD \(Unrolled\)\s+{Interval}\s+\d+\.\d+ ms/iteration"), output);
        Assert.Matches(new Regex($@"AID \(Implicit, CG 5\)\s+{Interval}\s+\d+\.\d+ ms/iteration"), output);
        Assert.Matches(new Regex($@"ESJ \(ES, 8 directions\)\s+{Interval}\s+\d+\.\d+ ms/iteration"), output);
        ExplainsTheStepSizeWarningBeforeTraining(output);
    }

    [Fact]
    public void LossGeometry_compares_the_five_geometries_on_both_data_sets_and_draws_their_curves()
    {
        SampleData.WriteOmniglot(folder.Path, backgroundCharacters: 10, evaluationCharacters: 8);
        SampleData.WriteFashionMnist(folder.Path);
        string target = Path.Combine(folder.Path, "figures");
        string output = SpecRunner.RunToSuccess(LossGeometryProgram::MetaSpec.Specs.LossGeometrySpec.Program.Run,
            ["--iterations", "2", "--eval-tasks", "5", "--eval-steps", "3", "--threads", "1", "--omniglot", folder.Path, "--fashion", folder.Path, "--out", target]);
        Assert.Contains("Every method: seed 7, 2 meta-iterations, 1 thread; test: 5 held-out episodes, 3 steps", output);
        foreach (string title in new[] { "Omniglot 20-way 1-shot", "Fashion-MNIST held-out classes 5-way 1-shot" })
        {
            int table = output.IndexOf($"{title}: query accuracy on 5 held-out episodes", StringComparison.Ordinal);
            Assert.True(table >= 0, output);
            // One row per method, in the seed's order of increasing structure, each with its accuracy intervals.
            int at = table;
            foreach (string method in new[] { "identity (MAML)", "diagonal (Meta-SGD)", "block-diagonal", "Kronecker", "mirror map" })
            {
                var row = new Regex($@"\| {Regex.Escape(method)} \| \d+ \| \d+ \(\d+\.\d\d\) \| \d+ \| {Interval} % \| {Interval} % \| 0 \|").Match(output, at);
                Assert.True(row.Success, $"{method} after {at}:\n{output}");
                at = row.Index;
            }
        }
        Assert.Contains("Overlapping 95% intervals after 1 step: ", output);
        foreach (string key in new[] { "omniglot", "fashion" })
        {
            XDocument svg = XDocument.Load(Path.Combine(target, $"loss-geometry-{key}.svg"));
            Assert.Equal(2, svg.Descendants().Count(e => (string?)e.Attribute("class") == "panel"));
            Assert.Equal(10, svg.Descendants().Count(e => e.Name.LocalName == "polyline")); // 5 methods × 2 panels
        }
    }

    [Fact]
    public void LossGeometry_refuses_to_skip_both_data_sets_and_names_a_missing_one()
    {
        var (exit, output, error) = SpecRunner.Run(LossGeometryProgram::MetaSpec.Specs.LossGeometrySpec.Program.Run, "--no-omniglot", "--no-fashion");
        Assert.Equal((2, ""), (exit, output));
        Assert.Contains("--no-omniglot and --no-fashion together leave nothing to compare", error);

        (exit, output, error) = SpecRunner.Run(LossGeometryProgram::MetaSpec.Specs.LossGeometrySpec.Program.Run, "--no-fashion", "--omniglot", Path.Combine(folder.Path, "missing"));
        Assert.Equal((2, ""), (exit, output));
        Assert.StartsWith("LossGeometry: Omniglot data not found in ", error);

        (exit, output, error) = SpecRunner.Run(LossGeometryProgram::MetaSpec.Specs.LossGeometrySpec.Program.Run, "--no-omniglot", "--fashion", Path.Combine(folder.Path, "missing"));
        Assert.Equal((2, ""), (exit, output));
        Assert.StartsWith("LossGeometry: cannot read the Fashion-MNIST data: ", error);
    }

    /// <summary>
    /// The three specs whose step size the runtime's α·N·L check flags say so, and why they keep it, before the
    /// first training line (the warning itself comes at the first iteration, on whichever channel the runtime uses).
    /// </summary>
    private static void ExplainsTheStepSizeWarningBeforeTraining(string output)
    {
        int explanation = output.IndexOf("Expected: the runtime's step-size check warns at the first iteration (α·N·L > 1)", StringComparison.Ordinal);
        Assert.True(explanation >= 0, output);
        Assert.Contains(" is kept", output[explanation..]);
        var training = Regex.Match(output, @"iteration +\d+ |trained ");
        Assert.True(training.Success && training.Index > explanation, output);
    }
}
