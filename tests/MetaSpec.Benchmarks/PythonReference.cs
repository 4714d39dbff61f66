using System.Diagnostics;
using System.Text.Json;

namespace MetaSpec.Benchmarks;

/// <summary>Runs a reference script from <c>reference/</c> under Debian's /usr/bin/python3 (the one with python3-torch).</summary>
internal static class PythonReference
{
    private const string Python = "/usr/bin/python3";

    /// <summary>
    /// The script's JSON output, or null with <paramref name="problem"/> saying why (no python, no torch, a crash):
    /// the benchmarks then print their own columns only.
    /// </summary>
    public static JsonDocument? Run(string script, IEnumerable<string> arguments, out string? problem)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "reference", script);
        if (!File.Exists(Python))
        {
            problem = $"{Python} not found";
            return null;
        }
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(path);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            problem = $"{script} exited with {process.ExitCode}: {error.Result.Trim()}";
            return null;
        }
        var json = JsonDocument.Parse(output);
        if (json.RootElement.TryGetProperty("error", out var message))
        {
            problem = message.GetString();
            json.Dispose();
            return null;
        }
        problem = null;
        return json;
    }
}
