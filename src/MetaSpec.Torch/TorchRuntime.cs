using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace MetaSpec.Torch;

/// <summary>
/// The native runtime could not be loaded; the message names the real cause and the fix (TorchSharp's own message
/// blames a missing package reference whatever went wrong).
/// </summary>
public sealed class TorchRuntimeException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Loads libtorch once, before any other use of TorchSharp, and chooses the device: every entry point of the
/// backend calls <see cref="EnsureLoaded"/> first.
/// </summary>
/// <remarks>
/// TorchSharp's loader, when libLibTorchSharp.so does not load, reports "doesn't contain a reference to
/// libtorch-cpu-linux-x64", copies 475 MB of libraries into a <c>cpu/</c> folder beside the application and tries
/// again, and leaves its <c>torch</c> type unusable for the life of the process. So on Linux the glue is probed
/// here first with the system loader, whose message (dlerror) says what is really missing, and TorchSharp is only
/// touched when that succeeds.
/// </remarks>
public static class TorchRuntime
{
    private const string Glue = "libLibTorchSharp.so";
    private static readonly Lazy<string?> s_failure = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Loads the native runtime, or throws <see cref="TorchRuntimeException"/> explaining why it cannot.</summary>
    public static void EnsureLoaded()
    {
        if (s_failure.Value is { } message) throw new TorchRuntimeException(message);
    }

    /// <summary>Whether a CUDA device is usable (the CUDA runtime is referenced, and a GPU and driver are present).</summary>
    public static bool CudaAvailable
    {
        get
        {
            EnsureLoaded();
            return s_cuda.Value;
        }
    }

    // With the CPU runtime this returns false at once and leaves no files behind (measured); with the CUDA runtime it
    // loads libtorch_cuda.
    private static readonly Lazy<bool> s_cuda = new(() => torch.TryInitializeDeviceType(DeviceType.CUDA) && cuda.is_available());

    /// <summary>
    /// The device for <paramref name="option"/>: <c>auto</c> (or null) is CUDA when <see cref="CudaAvailable"/>, else the
    /// CPU; <c>cpu</c>, <c>cuda</c> and <c>cuda:N</c> are taken as given (CUDA must then be available).
    /// </summary>
    public static Device ResolveDevice(string? option = null)
    {
        EnsureLoaded();
        string value = string.IsNullOrWhiteSpace(option) ? "auto" : option.Trim().ToLowerInvariant();
        if (value == "auto") return CudaAvailable ? CUDA : CPU;
        if (value == "cpu") return CPU;
        if (value == "cuda" || value.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!CudaAvailable)
                throw new TorchRuntimeException(
                    $"Device '{option}' was asked for, but CUDA is not available: the application references the CPU build of libtorch, " +
                    "or no GPU and driver are present. Reference TorchSharp-cuda-linux instead of libtorch-cpu-linux-x64 (see docs/torch.md), or use --device cpu.");
            return value == "cuda" ? CUDA : new Device(value);
        }
        throw new ArgumentException($"Unknown device '{option}': use auto, cpu, cuda or cuda:N.", nameof(option));
    }

    private static string? Load()
    {
        string? probed = null;
        if (OperatingSystem.IsLinux() && GlueDirectory() is { } directory)
        {
            string glue = Path.Combine(directory, Glue);
            if (Probe(glue) is { } reason)
            {
                // A missing symbol version cannot be cured by TorchSharp's fallback (which copies 475 MB first): stop here.
                // A missing dependency may live where TorchSharp's own loader looks first (a CUDA layout), so let it try.
                if (reason.Contains("version `", StringComparison.Ordinal)) return Explain(glue, reason);
                probed = Explain(glue, reason);
            }
        }
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException)
        {
            return probed ?? "TorchSharp could not load libtorch. " + MissingRuntimeAdvice + $" TorchSharp reported: {Unwrap(e).Message.Split('\n')[0]}";
        }
    }

    private const string MissingRuntimeAdvice =
        "MetaSpec.Torch references only TorchSharp's managed bindings; the application must reference exactly one native runtime: " +
        "libtorch-cpu-linux-x64 (CPU) or TorchSharp-cuda-linux (CUDA), see docs/torch.md.";

    private static Exception Unwrap(Exception e) => e is TypeInitializationException { InnerException: { } inner } ? inner : e;

    /// <summary>The folder holding libLibTorchSharp.so next to TorchSharp.dll (RID-less builds keep it under runtimes/), or null.</summary>
    private static string? GlueDirectory()
    {
        string? managed = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (string.IsNullOrEmpty(managed)) return null;
        foreach (string candidate in new[] { Path.Combine(managed, "runtimes", "linux-x64", "native"), managed })
            if (File.Exists(Path.Combine(candidate, Glue))) return candidate;
        return null;
    }

    /// <summary>Loads the library at <paramref name="path"/> with the system loader; null on success, else the loader's message.</summary>
    internal static string? Probe(string path)
    {
        try
        {
            NativeLibrary.Load(path);
            return null;
        }
        catch (DllNotFoundException e)
        {
            return e.Message;
        }
        catch (BadImageFormatException e)
        {
            return e.Message;
        }
    }

    /// <summary>The message for a glue library at <paramref name="path"/> that the loader refused with <paramref name="reason"/>.</summary>
    internal static string Explain(string path, string reason)
    {
        string reported = reason.Trim();
        if (reported.Contains("GLIBCXX_", StringComparison.Ordinal) && reported.Contains("not found", StringComparison.Ordinal))
        {
            string version = ExtractVersion(reported) ?? "a newer GLIBCXX version";
            if (version != Build.ElfVersionNeeds.UnusedVersion)
                return $"TorchSharp's native library {path} does not load: the system's libstdc++ lacks {version}, which the library really uses. " +
                    $"The loader said: {reported} Fix: install a newer libstdc++6.";
            return
                $"TorchSharp's native library {path} does not load: the system's libstdc++ lacks {version}. " +
                $"The loader said: {reported} " +
                $"TorchSharp 0.107.0 lists {version} as required only for {Build.ElfVersionNeeds.UnusedSymbol}, which it never calls; " +
                "MetaSpec.Torch's build step marks that requirement weak in the build and publish output, and this copy was not patched. " +
                "Fix: build (or publish) the application again with the MetaSpec.Torch package referenced, and without " +
                "<MetaSpecPatchLibTorchSharp>false</MetaSpecPatchLibTorchSharp>; a project that references MetaSpec.Torch by path must import " +
                "MetaSpec.Torch/buildTransitive/MetaSpec.Torch.targets itself. Or install a libstdc++6 that provides it (GCC 13 or newer). " +
                "(TorchSharp itself would have reported a missing reference to libtorch-cpu-linux-x64, which is not the cause.)";
        }
        if (reported.Contains("cannot open shared object file", StringComparison.Ordinal))
            return $"TorchSharp's native library {path} does not load because a library it needs is missing. The loader said: {reported} {MissingRuntimeAdvice}";
        return $"TorchSharp's native library {path} does not load. The loader said: {reported}";
    }

    private static string? ExtractVersion(string message)
    {
        int start = message.IndexOf("GLIBCXX_", StringComparison.Ordinal);
        if (start < 0) return null;
        int end = start;
        while (end < message.Length && (char.IsLetterOrDigit(message[end]) || message[end] is '_' or '.')) end++;
        return message[start..end].TrimEnd('.');
    }
}
