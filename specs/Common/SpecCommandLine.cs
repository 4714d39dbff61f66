// Shared by the spec projects (linked into each, not a library): the command line every spec accepts, how
// figures are printed, and where the repository's shared data lies. The parsing itself is System.CommandLine's;
// this file only declares the specs' common options and what a bad value says.
using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;
using MetaSpec.Meta;

namespace MetaSpec.Specs;

/// <summary>
/// A spec's command line: options are declared with their defaults, limits and help, then <see cref="TryParse"/>
/// reads them (System.CommandLine), prints <c>--help</c>, and rejects unknown options and bad values with a message
/// naming the option and exit code 2, before the spec does any work.
/// </summary>
internal sealed class SpecCommandLine
{
    private readonly string _name;
    private readonly Command _command;
    private readonly List<Action<ParseResult>> _binders = [];
    private readonly List<Func<string?>> _checks = [];

    public SpecCommandLine(string name, string summary)
    {
        _name = name;
        // A Command rather than a RootCommand: the usage line names the spec (not the host process, which is the
        // test runner under the tests), and a spec has no --version.
        _command = new Command(name, summary) { new HelpOption() };
    }

    /// <summary>A whole number of at least <paramref name="minimum"/> (iterations, tasks, threads, steps).</summary>
    public SpecOption<int> Count(string name, int defaultValue, string help, string valueName = "N", int minimum = 1) =>
        Add(name, defaultValue, help, valueName, text =>
            !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? (0, $"{name} needs a whole number, got '{text}'.")
            : value < minimum ? (0, $"{name} must be at least {minimum}, got {value}.")
            : (value, null));

    /// <summary>Any whole number (a seed).</summary>
    public SpecOption<int> Integer(string name, int defaultValue, string help, string valueName) =>
        Add(name, defaultValue, help, valueName, text =>
            int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? (value, null)
            : (0, $"{name} needs a whole number, got '{text}'."));

    /// <summary>A finite number above zero (a step size).</summary>
    public SpecOption<double> Positive(string name, double defaultValue, string help, string valueName) =>
        Add(name, defaultValue, help, valueName, text =>
            !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) ? (0, $"{name} needs a number, got '{text}'.")
            : value <= 0 ? (0, $"{name} must be above 0, got {text}.")
            : (value, null));

    /// <summary>One of <paramref name="choices"/> (a backend, a device, an element type), compared without case; the help lists them.</summary>
    public SpecOption<string> Choice(string name, string defaultValue, string[] choices, string help) =>
        Add(name, defaultValue, $"{help}: {string.Join(", ", choices)}", string.Join("|", choices), text =>
            choices.FirstOrDefault(c => string.Equals(c, text, StringComparison.OrdinalIgnoreCase)) is { } choice ? (choice, null)
            : (defaultValue, $"{name} must be one of {string.Join(", ", choices)}, got '{text}'."));

    /// <summary>A folder to read from; null when not given (the spec then looks in its default place, which <paramref name="help"/> names).</summary>
    public SpecOption<string?> InputFolder(string name, string help, string valueName = "DIR") =>
        Add<string?>(name, null, help, valueName, text => (text, text.Length == 0 ? $"{name} needs a folder, got ''." : null));

    /// <summary>
    /// A folder the spec writes into. After parsing it is created and a probe file written and deleted, so that a
    /// folder that cannot be written fails now, not after the training whose results it was meant to hold.
    /// </summary>
    public SpecOption<string> OutputFolder(string name, string defaultValue, string help, string valueName = "DIR")
    {
        var option = Add(name, defaultValue, help, valueName, text => (text, text.Length == 0 ? $"{name} needs a folder, got ''." : null));
        _checks.Add(() => CheckWritable(name, option.Value));
        return option;
    }

    /// <summary>A switch without a value: true when present.</summary>
    public SpecOption<bool> Flag(string name, string help)
    {
        var option = new Option<bool>(name) { Description = help };
        var result = new SpecOption<bool>(false);
        _command.Options.Add(option);
        _binders.Add(parsed => result.Value = parsed.GetValue(option));
        return result;
    }

    /// <summary>The options every spec has: iterations, seed and threads (all cores by default).</summary>
    public (SpecOption<int> Iterations, SpecOption<int> Seed, SpecOption<int> Threads) AddStandard(int iterations, int seed = 7) => (
        Count("--iterations", iterations, "meta-iterations (outer steps)"),
        Integer("--seed", seed, "seed of the initialisation and of the task streams", "S"),
        Count("--threads", Environment.ProcessorCount, "threads for the tasks of a meta-batch: all cores unless given (results do not depend on it)", "T"));

    /// <summary>
    /// Parses <paramref name="args"/>. Returns false with <paramref name="exitCode"/> set when the program should
    /// stop: 0 after <c>--help</c>, 2 after an error (written to <paramref name="error"/>, naming the option).
    /// </summary>
    public bool TryParse(string[] args, TextWriter output, TextWriter error, out int exitCode)
    {
        ParseResult parsed = _command.Parse(args);
        if (parsed.Action is HelpAction)
        {
            exitCode = parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
            return false;
        }
        exitCode = 2;
        if (parsed.Errors.Count > 0)
        {
            foreach (ParseError problem in parsed.Errors) error.WriteLine($"{_name}: {problem.Message}");
            error.WriteLine("Try --help.");
            return false;
        }
        foreach (var bind in _binders) bind(parsed);
        foreach (var check in _checks)
        {
            if (check() is not { } problem) continue;
            error.WriteLine($"{_name}: {problem}");
            return false;
        }
        exitCode = 0;
        return true;
    }

    /// <summary>An option whose text <paramref name="parse"/> turns into a value or an error message.</summary>
    private SpecOption<T> Add<T>(string name, T defaultValue, string help, string valueName, Func<string, (T Value, string? Error)> parse)
    {
        var option = new Option<T>(name)
        {
            Description = help,
            HelpName = valueName,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = argument =>
            {
                var (value, problem) = parse(argument.Tokens.Count > 0 ? argument.Tokens[^1].Value : "");
                if (problem is not null) argument.AddError(problem);
                return value;
            },
        };
        var result = new SpecOption<T>(defaultValue);
        _command.Options.Add(option);
        _binders.Add(parsed =>
        {
            result.Value = parsed.GetValue(option)!;
            result.Given = parsed.GetResult(option) is { Implicit: false };
        });
        return result;
    }

    private static string? CheckWritable(string name, string folder)
    {
        string full = Path.GetFullPath(folder);
        try
        {
            Directory.CreateDirectory(full);
            string probe = Path.Combine(full, $".metaspec-write-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return $"cannot write to {name} '{full}': {e.Message} Nothing was run; choose a folder you can write.";
        }
    }
}

/// <summary>One option's value: its default until <see cref="SpecCommandLine.TryParse"/> has read the command line.</summary>
internal sealed class SpecOption<T>(T defaultValue)
{
    public T Value { get; internal set; } = defaultValue;

    /// <summary>Whether the command line named the option (false when <see cref="Value"/> is the default).</summary>
    public bool Given { get; internal set; }
}

/// <summary>How the specs print figures, and where they find the repository.</summary>
internal static class SpecOutput
{
    /// <summary>A loss as mean ± 95% interval half-width.</summary>
    public static string Loss(Estimate e) => FormattableString.Invariant($"{e.Mean:F4} ± {e.HalfWidth95:F4}");

    /// <summary>An accuracy in percent, mean ± 95% interval half-width.</summary>
    public static string Percent(Estimate e) => FormattableString.Invariant($"{100 * e.Mean:F1} ± {100 * e.HalfWidth95:F1} %");

    /// <summary>
    /// Runs a spec's body. A training that diverges (the runtime's <see cref="MetaTrainingException"/>, which names the
    /// iteration and the loss) or a file that cannot be written ends the program with that message and exit code 1,
    /// not an unhandled exception's stack trace and exit code 134. Anything else is a bug and keeps its stack trace.
    /// </summary>
    public static int Guard(string name, TextWriter error, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is MetaTrainingException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{name}: {e.Message}");
            return 1;
        }
    }

    /// <summary>Invariant formatting for the figures (a spec's output must not depend on the machine's culture).</summary>
    public static string F(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>
    /// The folder holding MetaSpec.sln, searched upwards from the current directory and then from the program's
    /// own folder (so <c>dotnet run</c> from anywhere inside the repository and a built binary both find it).
    /// </summary>
    public static string? RepositoryRoot()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "MetaSpec.sln"))) return dir.FullName;
        }
        return null;
    }
}
