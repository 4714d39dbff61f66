extern alias OmniglotProgram;

using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using System.Text.Json;
using OmniglotProgram::MetaSpec.Specs.OmniglotSpec;

namespace MetaSpec.Specs.Tests;

/// <summary>
/// The Omniglot spec's options for the long run: what it refuses before any work (fast), and on sample data in the real
/// format (Integration): the wall-time budget stops training, the best validation checkpoint is the one kept and tested,
/// the learning curve is written as TSV and SVG, and a run interrupted and resumed from its checkpoint ends with the same
/// checkpoint, byte for byte, as one uninterrupted run.
/// </summary>
public sealed class OmniglotSpecTests : IDisposable
{
    private readonly ScratchFolder folder = new();

    public void Dispose() => folder.Dispose();

    /// <summary>A few cheap iterations: 4 tasks, 2 threads, few validation and test episodes.</summary>
    private static readonly string[] Small = ["--task-batch", "4", "--threads", "2", "--val-tasks", "6", "--eval-tasks", "5"];

    private static (int Exit, string Output, string Error) Run(params string[] args) => SpecRunner.Run(Program.Run, args);

    private string Data(int backgroundCharacters = 20)
    {
        string data = Path.Combine(folder.Path, "data");
        if (!File.Exists(Path.Combine(data, "images_background.npz")))
            SampleData.WriteOmniglot(data, backgroundCharacters, evaluationCharacters: 8);
        return data;
    }

    public static TheoryData<string[], string> RefusedOptions => new()
    {
        { ["--budget", "0"], "--budget must be above 0, got 0.\nTry --help." },
        { ["--budget", "an hour"], "--budget needs a number, got 'an hour'.\nTry --help." },
        { ["--way", "7"], "--way must be 5 or 20 (the ways of the declared models), got 7." },
        { ["--shot", "0"], "--shot must be at least 1, got 0.\nTry --help." },
        { ["--task-batch", "0"], "--task-batch must be at least 1, got 0.\nTry --help." },
        { ["--meta-lr", "0"], "--meta-lr must be above 0, got 0.\nTry --help." },
        { ["--decay-at", "1.5"], "--decay-at is a fraction of the run in (0, 1] (1: no drop), got 1.5." },
        { ["--decay-at", "0"], "--decay-at must be above 0, got 0.\nTry --help." },
        { ["--validate-every", "0"], "--validate-every must be at least 1, got 0.\nTry --help." },
        { ["--first-order", "--second-order"], "choose one of --first-order and --second-order." },
        { ["--strided", "--max-pool"], "choose one of --strided and --max-pool." },
    };

    [Theory]
    [MemberData(nameof(RefusedOptions))]
    public void A_bad_option_is_refused_with_exit_code_2_before_the_data_is_read(string[] options, string message)
    {
        // Valid data and a writable folder: only the option is wrong, and nothing may be printed (no set-up line).
        var (exit, output, error) = Run([.. options, "--data", Data(), "--out", Path.Combine(folder.Path, "out")]);
        Assert.Equal((2, ""), (exit, output));
        Assert.Equal($"Omniglot: {message}\n", error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void An_unwritable_out_folder_is_refused_before_the_data_is_read()
    {
        string blocker = Path.Combine(folder.Path, "a-file");
        File.WriteAllText(blocker, "not a folder");
        var (exit, output, error) = Run("--data", Data(), "--out", Path.Combine(blocker, "out"));
        Assert.Equal((2, ""), (exit, output));
        Assert.StartsWith($"Omniglot: cannot write to --out '{Path.Combine(blocker, "out")}'", error);
        Assert.Contains("Nothing was run", error);
    }

    [Fact]
    public void A_missing_checkpoint_to_resume_is_refused_before_the_data_is_read()
    {
        string missing = Path.Combine(folder.Path, "nowhere", Program.LastFile);
        var (exit, output, error) = Run("--data", Data(), "--out", Path.Combine(folder.Path, "out"), "--resume", missing);
        Assert.Equal((2, ""), (exit, output));
        Assert.Equal($"Omniglot: --resume: no checkpoint at '{missing}'.\n", error.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Help_names_the_long_run_options()
    {
        var (exit, output, _) = Run("--help");
        Assert.Equal(0, exit);
        foreach (string option in new[] { "--budget <MINUTES>", "--way <N>", "--shot <K>", "--task-batch <N>", "--meta-lr <LR>", "--decay-at <F>",
                     "--resume <FILE>", "--out <DIR>", "--strided", "--max-pool", "--validate-every <N>", "--val-tasks <N>" })
            Assert.Contains(option, output);
    }

    [Fact]
    public void Redraw_draws_the_figure_again_from_the_curve_with_the_late_points_zoomed()
    {
        string output = Path.Combine(folder.Path, "redraw");
        Directory.CreateDirectory(output);
        // Ten validations a minute apart, from chance to 97%: the zoomed panel starts at the first point after 1 minute.
        var points = Enumerable.Range(0, 11).Select(i => new CurvePoint(200 * i, 60 * i, 2, 0.2 + 0.077 * i, 0.2 + 0.077 * i, 0.01, i == 0 ? double.NaN : 1.0 / i, 1e-3)).ToList();
        Curve.Write(Path.Combine(output, Program.CurveTable), points);
        var read = Curve.Read(Path.Combine(output, Program.CurveTable));
        Assert.Equal(points.Select(p => (p.Iteration, p.Seconds)), read.Select(p => (p.Iteration, p.Seconds)));
        Assert.All(points.Zip(read), p => Assert.Equal(p.First.AccuracyAfterTestSteps, p.Second.AccuracyAfterTestSteps, 1e-5));
        Assert.True(double.IsNaN(read[0].QueryLoss));

        var (exit, text, error) = Run("--redraw", "--out", output);
        Assert.Equal((0, ""), (exit, error));
        Assert.Contains($"redrawn from 11 points of {Path.Combine(output, Program.CurveTable)}", text);
        XDocument svg = XDocument.Load(Path.Combine(output, Program.CurveFigure));
        var titles = svg.Descendants().Where(e => (string?)e.Attribute("class") == "panel")
            .Select(p => p.Descendants().First(e => e.Name.LocalName == "text").Value).ToList();
        Assert.Equal(["Omniglot 5-way 1-shot, second-order MAML: validation accuracy", "the same from 1.0 minutes on", "meta-training query loss (since the previous validation)"], titles);

        File.Delete(Path.Combine(output, Program.CurveTable));
        (exit, text, error) = Run("--redraw", "--out", output);
        Assert.Equal((2, ""), (exit, text));
        Assert.Equal($"Omniglot: --redraw: no curve at '{Path.Combine(output, Program.CurveTable)}'.\n", error.ReplaceLineEndings("\n"));
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void A_budget_stops_training_by_wall_time_and_the_curve_and_both_checkpoints_are_written()
    {
        string output = Path.Combine(folder.Path, "budget");
        // 15 seconds, and an iteration limit far beyond what they allow: the budget must be what stops the run.
        string text = SpecRunner.RunToSuccess(Program.Run, [.. Small, "--budget", "0.25", "--iterations", "100000", "--validate-every", "5", "--data", Data(), "--out", output]);
        Assert.Contains("Budget: 0.25 minutes of training wall time or 100000 meta-iterations, whichever comes first", text);
        Assert.Matches(new Regex(@"Meta-trained (\d+) iterations in 00:0\d:\d\d of training wall time \(\d+ in this run, [\d.]+ s/iteration\); stopped by the budget"), text);
        // Exactly the four results: no temporary file left behind.
        Assert.Equal(new[] { Program.BestFile, Program.LastFile, Program.CurveTable, Program.CurveFigure }.Order(),
            Directory.GetFiles(output).Select(Path.GetFileName).Order());

        var curve = Curve.Read(Path.Combine(output, Program.CurveTable));
        Assert.Equal(0, curve[0].Iteration); // the origin, before training
        long done = long.Parse(Regex.Match(text, @"Meta-trained (\d+) iterations").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(done, curve[^1].Iteration);
        Assert.InRange(done, 1, 99_999);
        Assert.True(curve.Zip(curve.Skip(1)).All(p => p.Second.Iteration > p.First.Iteration && p.Second.Seconds >= p.First.Seconds), "the curve goes forward");
        Assert.Equal(done, Metadata(output, Program.LastFile, "iterations"));

        XDocument svg = XDocument.Load(Path.Combine(output, Program.CurveFigure));
        // Accuracy, the same zoomed from a tenth of the run on (when that leaves 3 points or more), and the loss.
        Assert.Equal(Curve.Late(curve) is null ? 2 : 3, svg.Descendants().Count(e => (string?)e.Attribute("class") == "panel"));
        Assert.Contains(svg.Descendants(), e => e.Value == "training wall time (minutes)");
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void The_best_validation_checkpoint_is_kept_and_is_the_one_tested()
    {
        string output = Path.Combine(folder.Path, "best");
        string text = SpecRunner.RunToSuccess(Program.Run, [.. Small, "--iterations", "8", "--validate-every", "1", "--data", Data(), "--out", output]);
        var curve = Curve.Read(Path.Combine(output, Program.CurveTable));
        Assert.Equal(Enumerable.Range(0, 9).Select(i => (long)i), curve.Select(p => p.Iteration));
        // The first of the highest validation accuracies: a later tie does not replace it.
        var best = curve.First(p => p.AccuracyAfterTestSteps == curve.Max(q => q.AccuracyAfterTestSteps));
        Assert.Equal(best.Iteration, Metadata(output, Program.BestFile, "iterations"));
        Assert.Equal(8, Metadata(output, Program.LastFile, "iterations"));
        Assert.Contains(FormattableString.Invariant($"at iteration {best.Iteration} ("), text);
        Assert.Contains($"testing that checkpoint ({Program.BestFile})", text);
        Assert.Matches(new Regex($@"after 0 steps: accuracy {SpecProgramTests.Interval} %"), text);
        Assert.Matches(new Regex($@"after 1 step : accuracy {SpecProgramTests.Interval} %"), text);
        Assert.Matches(new Regex($@"after 3 steps: accuracy {SpecProgramTests.Interval} %"), text);
        // Each validation line says whether it saved a new best, and the curve agrees.
        Assert.Equal(curve.Count(p => p.AccuracyAfterTestSteps > curve.TakeWhile(q => q != p).Select(q => q.AccuracyAfterTestSteps).DefaultIfEmpty(double.NegativeInfinity).Max()),
            Regex.Matches(text, @"\(best: saved\)").Count);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void A_run_interrupted_and_resumed_ends_with_the_checkpoint_of_one_uninterrupted_run_byte_for_byte()
    {
        string data = Data();
        string[] common = [.. Small, "--validate-every", "2", "--data", data];
        // One run of 6 iterations, the learning rate dropped at half of it (before iteration 3).
        string once = Path.Combine(folder.Path, "once");
        SpecRunner.RunToSuccess(Program.Run, [.. common, "--iterations", "6", "--decay-at", "0.5", "--out", once]);

        // The same run stopped after 4 (its schedule also drops before iteration 3), then resumed in a fresh learner
        // (as a new process would: everything from the files) and run to 6 with the first run's options.
        string split = Path.Combine(folder.Path, "split");
        SpecRunner.RunToSuccess(Program.Run, [.. common, "--iterations", "4", "--decay-at", "0.75", "--out", split]);
        Assert.Equal(4, Metadata(split, Program.LastFile, "iterations"));
        string resumed = SpecRunner.RunToSuccess(Program.Run, [.. common, "--iterations", "6", "--decay-at", "0.5", "--out", split, "--resume", Path.Combine(split, Program.LastFile)]);
        Assert.Contains("Resumed at iteration 4", resumed);

        Assert.Equal(File.ReadAllBytes(Path.Combine(once, Program.LastFile)), File.ReadAllBytes(Path.Combine(split, Program.LastFile)));
        Assert.Equal("0.0001", MetadataText(split, Program.LastFile, "optimizer.lr"));
        // The resumed curve continues the first leg's: the same iterations, the clock going on from where it stopped.
        var curve = Curve.Read(Path.Combine(split, Program.CurveTable));
        Assert.Equal([0L, 2, 4, 6], curve.Select(p => p.Iteration));
        Assert.True(curve[3].Seconds >= curve[2].SecondsAfter, "the resumed clock starts after the first leg");
        Assert.Equal(Curve.Read(Path.Combine(once, Program.CurveTable)).Select(p => p.AccuracyAfterTestSteps), curve.Select(p => p.AccuracyAfterTestSteps));

        // The comparison can fail: resumed without the drop, the checkpoint differs.
        string other = Path.Combine(folder.Path, "other");
        SpecRunner.RunToSuccess(Program.Run, [.. common, "--iterations", "4", "--decay-at", "0.75", "--out", other]);
        SpecRunner.RunToSuccess(Program.Run, [.. common, "--iterations", "6", "--decay-at", "1", "--out", other, "--resume", Path.Combine(other, Program.LastFile)]);
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(once, Program.LastFile)), File.ReadAllBytes(Path.Combine(other, Program.LastFile)));

        // A checkpoint of another learner is refused before any work.
        var (exit, output, error) = Run([.. common, "--way", "20", "--out", other, "--resume", Path.Combine(other, Program.LastFile)]);
        Assert.Equal((2, ""), (exit, output));
        Assert.Contains("was saved by StridedMaml, but these options train StridedMaml20", error);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public void Twenty_way_first_order_and_max_pool_learners_train_and_test()
    {
        // 50 characters: the validation split (every 10th, with rotations) holds 20 classes, enough for 20-way episodes.
        string data = Data(backgroundCharacters: 50);
        string twenty = SpecRunner.RunToSuccess(Program.Run, [.. Small, "--way", "20", "--iterations", "1", "--data", data, "--out", Path.Combine(folder.Path, "w20")]);
        Assert.Contains($"second-order MAML (StridedMaml20), strided Conv-4 (Finn et al.'s Omniglot network), {StridedConv4Way20.ParameterCount} parameters, 20-way 1-shot", twenty);
        Assert.Contains("5 inner steps of α = 0.1 (5 at test)", twenty);
        Assert.Matches(new Regex($@"after 5 steps: accuracy {SpecProgramTests.Interval} %"), twenty);

        string pooled = SpecRunner.RunToSuccess(Program.Run, [.. Small, "--first-order", "--max-pool", "--shot", "2", "--iterations", "1", "--data", data, "--out", Path.Combine(folder.Path, "pool")]);
        Assert.Contains($"first-order MAML (PooledFomaml), Conv-4 with max pooling, {Conv4.ParameterCount} parameters, 5-way 2-shot", pooled);
        Assert.Contains("4 tasks per meta-iteration", pooled);
    }

    private static long Metadata(string folder, string file, string key) => long.Parse(MetadataText(folder, file, key), CultureInfo.InvariantCulture);

    /// <summary>A checkpoint's metadata entry, read from the safetensors header (8-byte length, then JSON) as any reader would.</summary>
    private static string MetadataText(string folder, string file, string key)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(folder, file));
        int length = (int)BitConverter.ToUInt64(bytes, 0);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, length));
        return header.RootElement.GetProperty("__metadata__").GetProperty(key).GetString()!;
    }
}
