using System.Diagnostics;
using System.Text.Json;

namespace MetaSpec.Benchmarks;

/// <summary>
/// A reference script from <c>reference/</c> running under Debian's /usr/bin/python3 (the one with python3-torch),
/// spoken to by lines: the script announces itself with one JSON line, then answers each request line with one.
/// Keeping one process lets the benchmarks interleave their measurements with the reference's.
/// </summary>
internal sealed class PythonReference : IDisposable
{
    private const string Python = "/usr/bin/python3";

    private readonly Process _process;

    private PythonReference(Process process, JsonElement header)
    {
        _process = process;
        Header = header;
    }

    /// <summary>The script's first line (e.g. the torch version it found).</summary>
    public JsonElement Header { get; }

    /// <summary>
    /// Starts <paramref name="script"/>, or returns null with <paramref name="problem"/> saying why it cannot run
    /// (no python, no torch, a crash): the benchmarks then print their own columns only.
    /// </summary>
    public static PythonReference? Start(string script, out string? problem)
    {
        if (!File.Exists(Python))
        {
            problem = $"{Python} not found";
            return null;
        }
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "reference", script));
        var process = Process.Start(start)!;
        string? first = process.StandardOutput.ReadLine();
        if (first is null)
        {
            process.WaitForExit();
            problem = $"{script} exited with {process.ExitCode}: {process.StandardError.ReadToEnd().Trim()}";
            process.Dispose();
            return null;
        }
        var header = JsonDocument.Parse(first).RootElement;
        if (header.TryGetProperty("error", out var error))
        {
            problem = error.GetString();
            process.WaitForExit();
            process.Dispose();
            return null;
        }
        problem = null;
        return new PythonReference(process, header);
    }

    /// <summary>Sends one request line and returns the script's answer.</summary>
    public JsonElement Ask(string request)
    {
        _process.StandardInput.WriteLine(request);
        string answer = _process.StandardOutput.ReadLine()
            ?? throw new InvalidOperationException($"the reference script stopped: {_process.StandardError.ReadToEnd().Trim()}");
        return JsonDocument.Parse(answer).RootElement;
    }

    public void Dispose()
    {
        _process.StandardInput.WriteLine();
        _process.StandardInput.Close();
        _process.WaitForExit();
        _process.Dispose();
    }
}
