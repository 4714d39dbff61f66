// Shared by the spec projects (linked into each, not a library): the command line every spec accepts, how
// figures are printed, and where the repository's shared data lies. Kept to plain C# so that a reader of a
// spec sees nothing here that hides how MetaSpec itself is used.
using System.Globalization;
using MetaSpec.Meta;

namespace MetaSpec.Specs;

/// <summary>
/// A small command-line parser: options are declared with their defaults and help text, then
/// <see cref="TryParse"/> reads <c>--name value</c> (or <c>--name=value</c>) and flags, prints <c>--help</c>, and
/// rejects unknown options and bad values with exit code 2.
/// </summary>
internal sealed class SpecCommandLine(string name, string summary)
{
    private readonly List<IOption> _options = [];

    /// <summary>
    /// An option that takes a value; <see cref="Option{T}.Value"/> holds the default until parsed.
    /// <paramref name="defaultText"/> describes the default in the help when the value alone would not.
    /// </summary>
    public Option<T> Add<T>(string name, T defaultValue, string help, string? valueName = null, string? defaultText = null)
    {
        var option = new Option<T>(name, defaultValue, help, valueName ?? "VALUE");
        if (defaultText is not null) option.DefaultText = defaultText;
        _options.Add(option);
        return option;
    }

    /// <summary>A switch without a value: true when present.</summary>
    public Option<bool> Flag(string name, string help)
    {
        var option = new Option<bool>(name, false, help, null) { IsFlag = true };
        _options.Add(option);
        return option;
    }

    /// <summary>The options every spec has: iterations, seed and threads (all cores by default).</summary>
    public (Option<int> Iterations, Option<int> Seed, Option<int> Threads) AddStandard(int iterations, int seed = 7) => (
        Add("--iterations", iterations, "meta-iterations (outer steps)", "N"),
        Add("--seed", seed, "seed of the initialisation and of the task streams", "S"),
        Add("--threads", Environment.ProcessorCount, "threads for the tasks of a meta-batch (results do not depend on it)", "T",
            $"all cores: {Environment.ProcessorCount}"));

    /// <summary>
    /// Parses <paramref name="args"/>. Returns false with <paramref name="exitCode"/> set when the program should
    /// stop: 0 after <c>--help</c>, 2 after an error (written to <paramref name="error"/>).
    /// </summary>
    public bool TryParse(string[] args, TextWriter output, TextWriter error, out int exitCode)
    {
        exitCode = 0;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg is "--help" or "-h" or "-?")
            {
                WriteHelp(output);
                return false;
            }
            string key = arg;
            string? inline = null;
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0) (key, inline) = (arg[..equals], arg[(equals + 1)..]);
            var option = _options.Find(o => o.Name == key);
            if (option is null)
            {
                error.WriteLine($"{name}: unknown option '{arg}'. Try --help.");
                exitCode = 2;
                return false;
            }
            string? text = option.IsFlag ? inline ?? "true" : inline ?? (i + 1 < args.Length ? args[++i] : null);
            if (text is null || !option.TrySet(text))
            {
                error.WriteLine($"{name}: option {key} needs {(option.IsFlag ? "no value" : $"a {option.TypeName} value")}, got '{text}'. Try --help.");
                exitCode = 2;
                return false;
            }
        }
        return true;
    }

    private void WriteHelp(TextWriter output)
    {
        output.WriteLine($"{name}: {summary}");
        output.WriteLine();
        output.WriteLine($"usage: dotnet run --project specs/{name} -- [options]");
        output.WriteLine();
        foreach (var o in _options)
        {
            string left = o.IsFlag ? o.Name : $"{o.Name} {o.ValueName}";
            output.WriteLine($"  {left,-22} {o.Help}{(o.IsFlag ? "" : $" (default {o.DefaultText})")}");
        }
        output.WriteLine($"  {"--help",-22} this text");
    }

    private interface IOption
    {
        string Name { get; }
        string Help { get; }
        string ValueName { get; }
        string TypeName { get; }
        string DefaultText { get; }
        bool IsFlag { get; }
        bool TrySet(string text);
    }

    /// <summary>One option; <see cref="Value"/> is the default until parsed.</summary>
    internal sealed class Option<T>(string name, T defaultValue, string help, string? valueName) : IOption
    {
        public string Name { get; } = name;
        public string Help { get; } = help;
        public string ValueName { get; } = valueName ?? "";
        public bool IsFlag { get; init; }
        public T Value { get; private set; } = defaultValue;
        public string TypeName => typeof(T) == typeof(int) ? "whole-number" : typeof(T) == typeof(double) ? "numeric" : "text";
        public string DefaultText { get; set; } = defaultValue is null ? "none" : Convert.ToString(defaultValue, CultureInfo.InvariantCulture) ?? "";

        public bool TrySet(string text)
        {
            object? parsed = null;
            if (typeof(T) == typeof(int) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i)) parsed = i;
            else if (typeof(T) == typeof(double) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)) parsed = d;
            else if (typeof(T) == typeof(bool) && bool.TryParse(text, out bool b)) parsed = b;
            else if (typeof(T) == typeof(string)) parsed = text;
            if (parsed is null) return false;
            Value = (T)parsed;
            return true;
        }
    }
}

/// <summary>How the specs print figures, and where they find the repository.</summary>
internal static class SpecOutput
{
    /// <summary>A loss as mean ± 95% interval half-width.</summary>
    public static string Loss(Estimate e) => FormattableString.Invariant($"{e.Mean:F4} ± {e.HalfWidth95:F4}");

    /// <summary>An accuracy in percent, mean ± 95% interval half-width.</summary>
    public static string Percent(Estimate e) => FormattableString.Invariant($"{100 * e.Mean:F1} ± {100 * e.HalfWidth95:F1} %");

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
