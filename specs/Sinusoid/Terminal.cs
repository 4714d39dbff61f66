using System.Text;
using Spectre.Console;

namespace MetaSpec.Specs.SinusoidSpec;

/// <summary>
/// Where the job's text goes. A live progress bar and colours only on an interactive terminal; when the output is
/// redirected (a file, a pipe, CI, a test's writer) plain lines with no escape codes, and the progress becomes a
/// line every 10%. NO_COLOR (no-color.org) turns colours off everywhere.
/// </summary>
internal static class Terminal
{
    /// <summary>A Spectre console writing to <paramref name="output"/>, interactive only when that is a terminal.</summary>
    public static IAnsiConsole Console(TextWriter output)
    {
        bool terminal = ReferenceEquals(output, System.Console.Out) && !System.Console.IsOutputRedirected
                        && Environment.GetEnvironmentVariable("TERM") != "dumb";
        bool noColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal && !noColor ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        // A file has no width: without this, Spectre wraps lines at 80 columns.
        if (!terminal) console.Profile.Width = 4096;
        return console;
    }

    /// <summary>
    /// Runs <paramref name="work"/>, which reports (steps done, status text) as it goes: a live bar on a terminal,
    /// otherwise a line each time another tenth of <paramref name="total"/> is done.
    /// </summary>
    public static void Progress(IAnsiConsole console, string name, long total, Action<Action<long, string>> work)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            long nextTenth = 1;
            work((done, status) =>
            {
                if (done * 10 < nextTenth * total && done != total) return;
                nextTenth = done * 10 / total + 1;
                console.WriteLine($"  {name} {100 * done / total,3}%  {status}");
            });
            return;
        }
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var bar = context.AddTask(name, maxValue: total);
                work((done, status) =>
                {
                    bar.Description = Markup.Escape(status);
                    bar.Value = done;
                });
            });
    }
}

/// <summary>
/// A writer that hands whole lines to a Spectre console, so that text written while a live progress bar is shown
/// (the runtime's log) appears above the bar instead of through it. On a terminal each line is wrapped at the
/// terminal's width and padded to it: the bar's old picture is overwritten, not left beside a short line.
/// </summary>
internal sealed class ConsoleLines(IAnsiConsole console) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        if (value != '\n')
        {
            _line.Append(value);
            return;
        }
        string line = _line.ToString().TrimEnd('\r');
        _line.Clear();
        if (!console.Profile.Capabilities.Interactive)
        {
            console.WriteLine(line);
            return;
        }
        int width = Math.Max(20, console.Profile.Width - 1);
        foreach (string piece in Wrap(line, width)) console.WriteLine(piece.PadRight(width));
    }

    /// <summary>Splits <paramref name="line"/> at spaces into pieces of at most <paramref name="width"/> characters (a longer word is cut).</summary>
    private static IEnumerable<string> Wrap(string line, int width)
    {
        while (line.Length > width)
        {
            int cut = line.LastIndexOf(' ', width);
            if (cut <= 0) cut = width;
            yield return line[..cut];
            line = line[cut..].TrimStart();
        }
        yield return line;
    }
}
