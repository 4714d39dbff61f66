using System.Reflection;
using MetaSpec.Losses;
using MetaSpec.Meta;
using MetaSpec.Torch.Build;
using static MetaSpec.Torch.Tests.Fixtures;

namespace MetaSpec.Torch.Tests;

/// <summary>
/// The GLIBCXX_3.4.32 trap: the build step's ELF patch (what it changes and refuses), the runtime's diagnosis of an
/// unpatched library, device choice and the clear refusals for what the backend does not compute.
/// </summary>
public class RuntimeTests
{
    private static string OutputGlue => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    /// <summary>The untouched library in the NuGet cache (the test project records TorchSharp's package folder at build time).</summary>
    private static string CacheGlue
    {
        get
        {
            string package = typeof(RuntimeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "TorchSharpPackage").Value!;
            return Path.Combine(package, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        }
    }

    [Fact]
    public void The_build_output_differs_from_the_package_in_one_flag_only()
    {
        byte[] original = File.ReadAllBytes(CacheGlue), patched = File.ReadAllBytes(OutputGlue);
        var before = ElfVersionNeeds.Read(original)!.Single(n => n.Version == ElfVersionNeeds.UnusedVersion);
        var after = ElfVersionNeeds.Read(patched)!.Single(n => n.Version == ElfVersionNeeds.UnusedVersion);
        Assert.False(before.Weak); // the NuGet cache is left alone
        Assert.True(after.Weak);
        Assert.Equal("libstdc++.so.6", after.File);
        Assert.Equal([ElfVersionNeeds.UnusedSymbol], after.Symbols);
        Assert.Equal(original.Length, patched.Length);
        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.NotEmpty(changed);
        Assert.All(changed, i => Assert.InRange(i, after.FlagsOffset, after.FlagsOffset + 1));
        Assert.All(ElfVersionNeeds.Read(patched)!.Where(n => n.Version != ElfVersionNeeds.UnusedVersion), n => Assert.False(n.Weak));
    }

    [Fact]
    public void Weakening_is_idempotent_and_keeps_the_timestamp()
    {
        string folder = Directory.CreateTempSubdirectory("metaspec-elf-").FullName;
        try
        {
            string copy = Path.Combine(folder, "libLibTorchSharp.so");
            File.Copy(CacheGlue, copy);
            var stamp = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(copy, stamp);
            Assert.Equal(WeakenOutcome.Patched, ElfVersionNeeds.WeakenFile(copy, out var entry));
            byte[] once = File.ReadAllBytes(copy);
            Assert.Equal(WeakenOutcome.AlreadyWeak, ElfVersionNeeds.WeakenFile(copy, out _));
            Assert.Equal(once, File.ReadAllBytes(copy));
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(copy));
            Assert.Equal(File.ReadAllBytes(OutputGlue), once); // what the build step produced
            Assert.Equal(ElfVersionNeeds.UnusedVersion, entry!.Version);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_version_that_real_symbols_need_is_left_alone()
    {
        byte[] original = File.ReadAllBytes(CacheGlue);
        byte[] bytes = (byte[])original.Clone();
        // GLIBCXX_3.4.30 carries std::condition_variable::wait: weakening it would hide a real need.
        Assert.Equal(WeakenOutcome.UsedBySymbols, ElfVersionNeeds.Weaken(bytes, "GLIBCXX_3.4.30", [ElfVersionNeeds.UnusedSymbol], out var entry));
        Assert.Contains("_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE", entry!.Symbols);
        Assert.Equal(WeakenOutcome.NotRequired, ElfVersionNeeds.Weaken(bytes, "GLIBCXX_9.9.9", [], out _));
        Assert.Equal(original, bytes);
        Assert.Equal(WeakenOutcome.NotApplicable, ElfVersionNeeds.Weaken([1, 2, 3, 4], ElfVersionNeeds.UnusedVersion, [], out _));
    }

    /// <summary>
    /// An unpatched copy, loaded by the system loader, fails for the real reason on a libstdc++ without GLIBCXX_3.4.32
    /// (Debian 12), and the message says so and how to fix it; on a newer system it loads.
    /// </summary>
    [Fact]
    public void An_unpatched_library_is_diagnosed_with_the_real_cause()
    {
        LoadTorch(); // libtorch.so and friends are loaded, so only the glue's own needs are checked
        string folder = Directory.CreateTempSubdirectory("metaspec-glue-").FullName;
        try
        {
            string copy = Path.Combine(folder, "libLibTorchSharp.so");
            File.Copy(CacheGlue, copy);
            string? reason = TorchRuntime.Probe(copy);
            if (SystemLibstdcxxHas(ElfVersionNeeds.UnusedVersion))
            {
                Assert.Null(reason);
                return;
            }
            Assert.NotNull(reason);
            Assert.Contains("GLIBCXX_3.4.32", reason);
            string message = TorchRuntime.Explain(copy, reason);
            Assert.Contains("lacks GLIBCXX_3.4.32", message);
            Assert.Contains("MetaSpecPatchLibTorchSharp", message);
            Assert.Contains(ElfVersionNeeds.UnusedSymbol, message);
            Assert.Contains("which is not the cause", message);
            Assert.Null(TorchRuntime.Probe(OutputGlue)); // the patched build output loads
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Other_load_failures_are_explained_too()
    {
        string missing = TorchRuntime.Explain("/app/libLibTorchSharp.so", "libtorch_cpu.so: cannot open shared object file: No such file or directory");
        Assert.Contains("libtorch-cpu-linux-x64", missing);
        Assert.Contains("TorchSharp-cuda-linux", missing);
        string real = TorchRuntime.Explain("/app/libLibTorchSharp.so", "/lib/libstdc++.so.6: version `GLIBCXX_3.4.33' not found (required by /app/libLibTorchSharp.so)");
        Assert.Contains("lacks GLIBCXX_3.4.33, which the library really uses", real);
        Assert.DoesNotContain("MetaSpecPatchLibTorchSharp", real);
    }

    [Fact]
    public void The_device_is_cuda_only_when_available()
    {
        LoadTorch();
        var auto = TorchRuntime.ResolveDevice("auto");
        Assert.Equal(TorchRuntime.CudaAvailable ? TorchSharp.DeviceType.CUDA : TorchSharp.DeviceType.CPU, auto.type);
        Assert.Equal(TorchSharp.DeviceType.CPU, TorchRuntime.ResolveDevice("cpu").type);
        if (!TorchRuntime.CudaAvailable)
        {
            var e = Assert.Throws<TorchRuntimeException>(() => TorchRuntime.ResolveDevice("cuda"));
            Assert.Contains("TorchSharp-cuda-linux", e.Message);
        }
        Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice("tpu"));
    }

    [Theory]
    [InlineData(HypergradientKind.HessianFree)]
    [InlineData(HypergradientKind.EvolutionStrategies)]
    public void Unsupported_methods_are_refused_by_name(HypergradientKind kind)
    {
        var problem = MetaProblem<double>.ForNetwork(SineMlp<double>(), MeanSquaredError<double>.Instance, new InnerLoop(), new Hypergradient { Kind = kind });
        var e = Assert.Throws<NotSupportedException>(() => ManagedBridge.ToTorchSettings(problem));
        Assert.Contains($"does not compute the {kind} hypergradient", e.Message);
        Assert.Contains("Unrolled, FirstOrder, Reptile, Implicit", e.Message);
    }

    [Fact]
    public void Resampling_and_partial_layers_are_refused_by_name()
    {
        var resampling = MetaProblem<double>.ForNetwork(SineMlp<double>(), MeanSquaredError<double>.Instance, new InnerLoop { ResampleSupport = true }, Hypergradient.Reptile);
        Assert.Contains("ResampleSupport", Assert.Throws<NotSupportedException>(() => ManagedBridge.ToTorchSettings(resampling)).Message);
        var network = SineMlp<double>();
        var mask = new bool[network.ParameterCount];
        mask[0] = true;
        var partial = new MetaProblem<double>(network, MeanSquaredError<double>.Instance, new InnerLoop(), Hypergradient.Unrolled, mask);
        Assert.Contains("Layer 'hidden1' is partly adapted", Assert.Throws<NotSupportedException>(() => ManagedBridge.ToTorchSettings(partial)).Message);
    }

    [Fact]
    public void Settings_that_cannot_work_are_refused_by_name()
    {
        var model = ManagedBridge.ToTorchModel(SineMlp<double>());
        Assert.Contains("no parameters", Assert.Throws<ArgumentException>(() =>
            new TorchMetaSettings().Validate(new TorchModel(Shape.Vector(2), TorchLayer.Activation("tanh", TorchLayerKind.Tanh, Shape.Vector(2))))).Message);
        Assert.Contains("proximal weight", Assert.Throws<ArgumentException>(() =>
            new TorchMetaSettings { Method = HypergradientKind.Implicit }.Validate(model)).Message);
        Assert.Contains("Meta-SGD", Assert.Throws<ArgumentException>(() =>
            new TorchMetaSettings { Method = HypergradientKind.FirstOrder, LearnStepSizes = true }.Validate(model)).Message);
        Assert.Contains("'relu1' has no parameters", Assert.Throws<ArgumentException>(() =>
            new TorchMetaSettings { AdaptedLayers = ["relu1"] }.Validate(model)).Message);
        Assert.Contains("No layer is named 'body'", Assert.Throws<ArgumentException>(() =>
            new TorchMetaSettings { AdaptedLayers = ["body"] }.Validate(model)).Message);
        Assert.Contains("learning rate", Assert.Throws<ArgumentOutOfRangeException>(() => new TorchOuterSettings { LearningRate = 0 }.Validate()).Message);
    }

    private static bool SystemLibstdcxxHas(string version)
    {
        string? path = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault())
            .FirstOrDefault(p => p is not null && Path.GetFileName(p).StartsWith("libstdc++.so", StringComparison.Ordinal));
        Assert.NotNull(path);
        byte[] bytes = File.ReadAllBytes(path);
        byte[] needle = System.Text.Encoding.ASCII.GetBytes(version + "\0");
        return bytes.AsSpan().IndexOf(needle) >= 0;
    }
}
