extern alias OmniglotProgram;
namespace MetaSpec.Specs.Tests;

/// <summary>
/// Bad input to the spec programs: every one is rejected before any work, with a message that names the option
/// or the file and exit code 2 (never an unhandled exception, which ends a .NET process with 134 and a stack trace).
/// "Before any work" is checked by an empty standard output: each spec prints its set-up before training.
/// </summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly ScratchFolder folder = new();

    public void Dispose() => folder.Dispose();

    public static TheoryData<string> Specs => new(SpecRunner.All.Select(s => s.Name));

    public static TheoryData<string, string, string, string> BadValues()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var (name, _, evaluates) in SpecRunner.All)
        {
            data.Add(name, "--iterations", "-5", "--iterations must be at least 1, got -5.");
            data.Add(name, "--iterations", "0", "--iterations must be at least 1, got 0.");
            data.Add(name, "--iterations", "abc", "--iterations needs a whole number, got 'abc'.");
            data.Add(name, "--iterations", "1e3", "--iterations needs a whole number, got '1e3'.");
            data.Add(name, "--threads", "0", "--threads must be at least 1, got 0.");
            data.Add(name, "--seed", "seven", "--seed needs a whole number, got 'seven'.");
            if (evaluates) data.Add(name, "--eval-tasks", "0", "--eval-tasks must be at least 1, got 0.");
        }
        data.Add("Quadratic", "--step-size", "-0.1", "--step-size must be above 0, got -0.1.");
        data.Add("Quadratic", "--step-size", "NaN", "--step-size needs a number, got 'NaN'.");
        data.Add("Quadratic", "--steps", "-1", "--steps must be at least 0, got -1.");
        data.Add("Quadratic", "--dimension", "0", "--dimension must be at least 1, got 0.");
        data.Add("LossGeometry", "--eval-steps", "0", "--eval-steps must be at least 1, got 0.");
        data.Add("LossGeometry", "--eval-steps", "two", "--eval-steps needs a whole number, got 'two'.");
        return data;
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_bad_value_is_rejected_before_any_work_naming_the_option(string spec, string option, string value, string message)
    {
        var (exit, output, error) = SpecRunner.Run(SpecRunner.Named(spec), option, value);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Equal($"{spec}: {message}\nTry --help.\n", error.ReplaceLineEndings("\n"));
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Help_lists_the_options_and_exits_with_0(string spec)
    {
        var (exit, output, error) = SpecRunner.Run(SpecRunner.Named(spec), "--help");
        Assert.Equal((0, ""), (exit, error));
        foreach (string option in new[] { "--iterations <N>", "--seed <S>", "--threads <T>", "--help" })
            Assert.Contains(option, output);
        Assert.Contains($"  {spec} [options]", output);
        Assert.Contains("[default: 7]", output); // the seed
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Unknown_options_missing_values_and_repeated_options_are_rejected(string spec)
    {
        foreach (var (args, message) in new (string[], string)[]
                 {
                     (["--no-such-option"], "'--no-such-option'"),
                     (["--iterations"], "'--iterations'"),
                     (["--iterations", "3", "--iterations", "4"], "'--iterations'"),
                 })
        {
            var (exit, output, error) = SpecRunner.Run(SpecRunner.Named(spec), args);
            Assert.Equal(2, exit);
            Assert.Equal("", output);
            Assert.StartsWith($"{spec}: ", error);
            Assert.Contains(message, error);
        }
    }

    [Fact]
    public void Sinusoid_refuses_an_output_folder_it_cannot_write_before_training()
    {
        // A folder below a file cannot be created, whoever runs the test (root ignores permission bits).
        string blocker = folder.File("a-file");
        File.WriteAllText(blocker, "");
        string target = Path.Combine(blocker, "out");
        var (exit, output, error) = SpecRunner.Run(SinusoidSpec.Program.Run, "--iterations", "2", "--out", target);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith($"Sinusoid: cannot write to --out '{target}': ", error);
        Assert.Contains("Nothing was run", error);
    }

    [Fact]
    public void A_training_that_diverges_ends_with_the_runtimes_message_and_exit_code_1()
    {
        // α = 5 on curvatures up to 5: every inner step multiplies the error by up to 24, and the loss overflows.
        var (exit, _, error) = SpecRunner.Run(QuadraticSpec.Program.Run, "--step-size", "5", "--iterations", "100", "--threads", "1");
        Assert.Equal(1, exit);
        Assert.Matches(@"^Quadratic: Meta-iteration \d+, task \d+: the query loss is not finite", error);
        Assert.DoesNotContain("   at ", error); // no stack trace
    }

    [Fact]
    public void Omniglot_without_data_says_where_to_get_it_and_exits_with_2()
    {
        var (exit, output, error) = SpecRunner.Run(OmniglotProgram::MetaSpec.Specs.OmniglotSpec.Program.Run, "--data", folder.File("missing"));
        Assert.Equal((2, ""), (exit, output));
        Assert.Contains("Omniglot data not found", error);
        Assert.Contains("images_background.npz", error);
        Assert.Contains("github.com/brendenlake/omniglot", error);
    }

    [Fact]
    public void Omniglot_with_a_truncated_archive_exits_with_2_and_the_loaders_message()
    {
        SampleData.WriteOmniglot(folder.Path, backgroundCharacters: 3, evaluationCharacters: 2, drawings: 2);
        string archive = folder.File("images_background.npz");
        byte[] bytes = File.ReadAllBytes(archive);
        File.WriteAllBytes(archive, bytes[..(bytes.Length / 2)]);
        var (exit, output, error) = SpecRunner.Run(OmniglotProgram::MetaSpec.Specs.OmniglotSpec.Program.Run, "--data", folder.Path);
        Assert.Equal((2, ""), (exit, output));
        Assert.StartsWith($"Omniglot: cannot read the data: {archive}: not a readable .npz (zip) archive, perhaps truncated or corrupt", error);
    }

    [Fact]
    public void FashionMnist_with_garbage_in_an_idx_file_exits_with_2_and_the_loaders_message()
    {
        SampleData.WriteFashionMnist(folder.Path, trainPerClass: 2, testPerClass: 1);
        string labels = folder.File("train-labels-idx1-ubyte.gz");
        DataFiles.WriteGzip(labels, "this is not an IDX file"u8);
        var (exit, output, error) = SpecRunner.Run(FashionMnistSpec.Program.Run, "--data", folder.Path);
        Assert.Equal((2, ""), (exit, output));
        Assert.StartsWith($"FashionMnist: cannot read the data: {labels}: bad magic 0x74686973", error);
    }

    [Fact]
    public void FashionMnist_without_data_names_the_debian_package_and_exits_with_2()
    {
        var (exit, output, error) = SpecRunner.Run(FashionMnistSpec.Program.Run, "--data", folder.File("missing"));
        Assert.Equal((2, ""), (exit, output));
        Assert.Contains("Fashion-MNIST file not found", error);
        Assert.Contains("dataset-fashion-mnist", error);
    }
}
