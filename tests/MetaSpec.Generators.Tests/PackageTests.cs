using System.Diagnostics;
using MetaSpec.Generators.Tests.Support;
using MetaSpec.Specification;

namespace MetaSpec.Generators.Tests;

/// <summary>
/// The MetaSpec package works as a user gets it: pack the runtime (with the generator under
/// analyzers/dotnet/cs) into a local folder, restore a tiny console project against it, build it with
/// warnings as errors, run it, and check that the generated API was there and worked.
/// </summary>
/// <remarks>
/// The consumer restores into its own packages folder, so the test never leaves a stale MetaSpec in the
/// machine's cache; its sources are the local feed, the machine's package cache (read as a feed, so no
/// network is needed for System.Numerics.Tensors) and the machine's usual sources.
/// </remarks>
[Trait("Category", "Integration")] // packs and builds a project: slow; left out of the fast run (README)
public sealed class PackageTests
{
    private const string Consumer = """
        using MetaSpec;
        using MetaSpec.Meta;
        using MetaSpec.Tasks;

        var pool = new TaskPool<float>(Shape.Vector(1), Enumerable.Range(0, 4).Select(t =>
        {
            var task = new TaskData<float>(1, 1, 5, 5);
            for (int i = 0; i < 5; i++)
            {
                task.SupportInputs[i] = task.QueryInputs[i] = i - 2;
                task.SupportTargets[i] = task.QueryTargets[i] = (t + 1) * (i - 2);
            }
            return task;
        }).ToList());
        var learner = new LineMaml(seed: 1);
        learner.Train(pool, iterations: 3, threads: 1);
        var adapted = learner.Adapt([-2f, -1f, 0f, 1f, 2f], [0f, 2f, 4f, 6f, 8f]);
        Console.WriteLine($"parameters={LineNet.ParameterCount} hidden={LineNet.Layout.HiddenLength} iterations={learner.Iterations} outputs={adapted.Predict([1f, 2f]).Length}");

        [MetaModel(1)]
        partial class LineNet
        {
            Dense hidden = new(8, Activation.Tanh);
            Dense head = new(1);
        }

        [MetaLearner(typeof(LineNet))]
        [InnerProblem(LossKind.MeanSquaredError, Steps = 2, StepSize = 0.05, Smoothness = 4)]
        [OuterProblem(OptimizerKind.Adam, LearningRate = 0.01, TaskBatch = 4)]
        partial class LineMaml;

        // α·N·L = 0.05·2·100 = 10: the packaged analyzers report MSPEC001 in the consumer's build.
        [MetaLearner(typeof(LineNet))]
        [InnerProblem(LossKind.MeanSquaredError, Steps = 2, StepSize = 0.05, Smoothness = 100)]
        [OuterProblem(OptimizerKind.Adam, LearningRate = 0.01, TaskBatch = 4)]
        partial class SteepMaml;
        """;

    [Fact]
    public void Packed_library_builds_a_consumer_whose_generated_api_runs()
    {
        string root = Path.GetFullPath(Path.Combine(GeneratorHarness.ProjectDirectory(), "..", ".."));
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        string work = Path.Combine(Path.GetTempPath(), "metaspec-package-" + Guid.NewGuid().ToString("N"));
        string feed = Path.Combine(work, "feed"), app = Path.Combine(work, "app");
        Directory.CreateDirectory(app);
        try
        {
            // The test run already built the runtime and the generator in this configuration.
            Run(root, "pack", "src/MetaSpec/MetaSpec.csproj", "--no-build", "-c", configuration, "-o", feed, "-p:Version=0.0.0-local");
            Assert.Single(Directory.GetFiles(feed, "MetaSpec.0.0.0-local.nupkg"));

            string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="local" value="{feed}" />
                    <add key="machine-cache" value="{cache}" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(app, "App.csproj"), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                    <WarningsNotAsErrors>MSPEC001</WarningsNotAsErrors>
                    <RestorePackagesPath>packages</RestorePackagesPath>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="MetaSpec" Version="0.0.0-local" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(app, "Program.cs"), Consumer);

            string build = Run(app, "build", "-c", "Release", "-o", "out");
            Assert.Contains("warning MSPEC001", build);
            string output = Run(app, "out/App.dll");
            Assert.Contains("parameters=25 hidden=16 iterations=3 outputs=2", output);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Both packages carry the metadata of src/Directory.Build.props (one home): version, description, MIT licence,
    /// the README (as the package readme) and the licence file, the repository the diagnostics' help links point into,
    /// project URL and tags; MetaSpec.Torch depends on the MetaSpec of the same version.
    /// </summary>
    [Fact]
    public void Packed_packages_carry_the_metadata()
    {
        string root = Path.GetFullPath(Path.Combine(GeneratorHarness.ProjectDirectory(), "..", ".."));
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        string feed = Path.Combine(Path.GetTempPath(), "metaspec-metadata-" + Guid.NewGuid().ToString("N"));
        try
        {
            foreach (string id in new[] { "MetaSpec", "MetaSpec.Torch" })
            {
                // The test run built both projects in this configuration (this project references them).
                Run(root, "pack", $"src/{id}/{id}.csproj", "--no-build", "-c", configuration, "-o", feed);
                string package = Path.Combine(feed, $"{id}.0.1.0.nupkg");
                Assert.True(File.Exists(package), $"{id}: no {Path.GetFileName(package)} in {string.Join(", ", Directory.GetFiles(feed).Select(Path.GetFileName))}");
                using var zip = System.IO.Compression.ZipFile.OpenRead(package);
                var nuspecEntry = Assert.Single(zip.Entries, e => e.FullName == $"{id}.nuspec");
                System.Xml.Linq.XElement metadata;
                using (var stream = nuspecEntry.Open())
                    metadata = System.Xml.Linq.XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
                string? Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
                System.Xml.Linq.XElement Element(string name) => Assert.Single(metadata.Elements(), e => e.Name.LocalName == name);

                Assert.Equal(id, Field("id"));
                Assert.Equal("0.1.0", Field("version"));
                Assert.False(string.IsNullOrWhiteSpace(Field("authors")), $"{id}: no authors");
                Assert.True(Field("description") is { Length: > 40 }, $"{id}: description missing or too short: '{Field("description")}'");
                var license = Element("license");
                Assert.Equal("expression", license.Attribute("type")?.Value);
                Assert.Equal("MIT", license.Value);
                Assert.Equal("README.md", Field("readme"));
                Assert.Equal(HelpLinks.RepositoryUrl, Field("projectUrl"));
                var repository = Element("repository");
                Assert.Equal(HelpLinks.RepositoryUrl, repository.Attribute("url")?.Value);
                Assert.Equal("git", repository.Attribute("type")?.Value);
                Assert.Contains("meta-learning", (Field("tags") ?? "").Split(' '));

                // The files the metadata names are in the package, and are the repository's.
                foreach (string file in new[] { "README.md", "LICENSE" })
                {
                    var entry = Assert.Single(zip.Entries, e => e.FullName == file);
                    using var reader = new StreamReader(entry.Open());
                    Assert.Equal(File.ReadAllText(Path.Combine(root, file)), reader.ReadToEnd());
                }

                // Build-time tools (the public-API analyzer) are not dependencies of users' projects.
                Assert.DoesNotContain(metadata.Descendants(), e => e.Name.LocalName == "dependency" && e.Attribute("id")!.Value.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));

                if (id == "MetaSpec.Torch")
                {
                    var dependency = Assert.Single(metadata.Descendants(), e => e.Name.LocalName == "dependency" && e.Attribute("id")?.Value == "MetaSpec");
                    Assert.Equal("0.1.0", dependency.Attribute("version")?.Value);
                }
            }
        }
        finally
        {
            try { Directory.Delete(feed, recursive: true); } catch (IOException) { }
        }
    }

    private static string Run(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        // The test host's MSBuild variables would steer the child build to the wrong SDK pieces.
        foreach (string key in new[] { "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly" })
            start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), $"dotnet {string.Join(' ', arguments)} timed out");
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{stdout}\n{stderr.Result}");
        return stdout;
    }
}
