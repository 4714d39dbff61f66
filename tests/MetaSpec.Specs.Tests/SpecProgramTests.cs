using System.Text.RegularExpressions;

namespace MetaSpec.Specs.Tests;

/// <summary>
/// Runs every spec's entry point with a tiny budget (2 meta-iterations, 20 evaluation tasks, one thread; 5 tasks
/// and two threads for the convolutional ones) and
/// checks the exit code and the lines a reader is told to expect. The figures themselves are not checked:
/// two iterations train nothing; these tests keep the programs runnable and their output in shape.
/// The specs run one after another (one test class), so their timings do not compete.
/// </summary>
public sealed class SpecProgramTests
{
    private static readonly string[] Tiny = ["--iterations", "2", "--eval-tasks", "20", "--threads", "1"];

    /// <summary>
    /// The convolutional specs cost far more per task: fewer evaluation episodes. Their first iteration is mostly
    /// the runtime's smoothness estimate (power iteration over the first batch), which two threads halve.
    /// </summary>
    private static readonly string[] TinyConvolutional = ["--iterations", "2", "--eval-tasks", "5", "--threads", "2"];

    private const string Interval = @"\d+\.\d+ ± \d+\.\d+";

    [Fact]
    public void SinusoidAnil_prints_the_loss_after_0_1_and_10_steps()
    {
        string output = RunSpec(SinusoidAnilSpec.Program.Run, Tiny);
        Assert.Matches(new Regex($@"after  0 steps: {Interval}"), output);
        Assert.Matches(new Regex($@"after  1 step : {Interval}"), output);
        Assert.Matches(new Regex($@"after 10 steps: {Interval}"), output);
    }

    [Fact]
    public void Omniglot_meta_trains_and_tests_on_the_real_data()
    {
        string? root = RepositoryRoot();
        Assert.True(root is not null, "MetaSpec.sln not found above the test's folder.");
        string data = Path.GetFullPath(Path.Combine(root, "..", "shared", "data", "omniglot"));
        Assert.True(File.Exists(Path.Combine(data, "images_background.npz")) && File.Exists(Path.Combine(data, "images_evaluation.npz")),
            $"The Omniglot spec test needs the real data: images_background.npz and images_evaluation.npz in {data} " +
            "(../shared/data/omniglot beside the repository root; see the README there). It is not skipped without them.");

        // No --data: the spec must find ../shared/data/omniglot from the repository root by itself.
        string output = RunSpec(OmniglotSpec.Program.Run, TinyConvolutional);
        Assert.Contains("3856 meta-train classes (background), 2636 meta-test classes (evaluation)", output);
        Assert.Matches(new Regex($@"after 0 steps: accuracy {Interval} %"), output);
        Assert.Matches(new Regex($@"after 3 steps: accuracy {Interval} %"), output);
        Assert.Contains("second-order MAML", output);

        string firstOrder = RunSpec(OmniglotSpec.Program.Run, [.. TinyConvolutional, "--first-order", "--no-rotations", "--data", data]);
        Assert.Contains("first-order MAML", firstOrder);
        Assert.Contains("964 meta-train classes (background), 659 meta-test classes (evaluation)", firstOrder);
    }

    [Fact]
    public void Omniglot_without_data_says_where_to_get_it_and_exits_with_2()
    {
        string missing = Path.Combine(Path.GetTempPath(), "metaspec-no-omniglot-" + Guid.NewGuid().ToString("N"));
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = OmniglotSpec.Program.Run(["--data", missing], output, error);
        Assert.Equal(2, exit);
        Assert.Contains("Omniglot data not found", error.ToString());
        Assert.Contains("images_background.npz", error.ToString());
        Assert.Contains("github.com/brendenlake/omniglot", error.ToString());
    }

    [Fact]
    public void FashionMnist_prints_held_out_accuracy()
    {
        string output = RunSpec(FashionMnistSpec.Program.Run, TinyConvolutional);
        Assert.Contains("meta-test classes Shirt, Sneaker, Bag, Ankle boot", output);
        Assert.Matches(new Regex($@"after 5 steps: accuracy {Interval} %"), output);
    }

    [Fact]
    public void LinearRegression_prints_the_step_size_grid_and_the_closed_form()
    {
        string output = RunSpec(LinearRegressionSpec.Program.Run, Tiny);
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
        string output = RunSpec(QuadraticSpec.Program.Run, ["--iterations", "3000", "--threads", "1"]);
        Assert.Contains("closed-form θ*", output);
        Assert.Contains("plain average of θᵢ", output);
        var error = Regex.Match(output, @"‖trained − θ\*‖ = (\S+)");
        Assert.True(error.Success, output);
        Assert.True(double.Parse(error.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) < 1e-8, output);
    }

    [Fact]
    public void SharedEmbedding_compares_AID_ITD_and_ESJ()
    {
        string output = RunSpec(SharedEmbeddingSpec.Program.Run, Tiny);
        Assert.Matches(new Regex($@"ITD \(Unrolled\)\s+{Interval}\s+\d+\.\d+ ms/iteration"), output);
        Assert.Matches(new Regex($@"AID \(Implicit, CG 5\)\s+{Interval}\s+\d+\.\d+ ms/iteration"), output);
        Assert.Matches(new Regex($@"ESJ \(ES, 8 directions\)\s+{Interval}\s+\d+\.\d+ ms/iteration"), output);
    }

    [Fact]
    public void Every_spec_has_help_and_rejects_unknown_options()
    {
        foreach (var run in new Func<string[], TextWriter, TextWriter, int>[]
                 {
                     SinusoidAnilSpec.Program.Run, OmniglotSpec.Program.Run, FashionMnistSpec.Program.Run,
                     LinearRegressionSpec.Program.Run, QuadraticSpec.Program.Run, SharedEmbeddingSpec.Program.Run,
                 })
        {
            var help = new StringWriter();
            Assert.Equal(0, run(["--help"], help, new StringWriter()));
            foreach (string option in new[] { "--iterations", "--seed", "--threads", "--help" })
                Assert.Contains(option, help.ToString());

            var error = new StringWriter();
            Assert.Equal(2, run(["--no-such-option"], new StringWriter(), error));
            Assert.Contains("unknown option '--no-such-option'", error.ToString());

            error = new StringWriter();
            Assert.Equal(2, run(["--iterations", "many"], new StringWriter(), error));
            Assert.Contains("--iterations needs a whole-number value", error.ToString());
        }
    }

    private static string RunSpec(Func<string[], TextWriter, TextWriter, int> run, string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = run(args, output, error);
        Assert.True(exit == 0, $"exit code {exit}\n--- output ---\n{output}\n--- error ---\n{error}");
        return output.ToString();
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MetaSpec.sln"))) return dir.FullName;
        return null;
    }
}
