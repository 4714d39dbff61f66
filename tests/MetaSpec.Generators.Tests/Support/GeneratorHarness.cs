using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace MetaSpec.Generators.Tests.Support;

/// <summary>Runs <see cref="MetaSpecGenerator"/> in process on source text, as the compiler would.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>The framework's reference set plus the MetaSpec runtime (and its System.Numerics.Tensors dependency).</summary>
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var paths = Directory.GetFiles(framework, "*.dll")
            .Where(p => Path.GetFileName(p) is var n && (n.StartsWith("System.", StringComparison.Ordinal) || n is "mscorlib.dll" or "netstandard.dll"))
            .Append(typeof(Dense).Assembly.Location)
            .Append(typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.Location)
            .Distinct();
        var references = new List<MetadataReference>();
        foreach (string path in paths)
        {
            try
            {
                using var stream = File.OpenRead(path);
                using var reader = new System.Reflection.PortableExecutable.PEReader(stream);
                if (!reader.HasMetadata) continue; // native images in the framework folder
            }
            catch (BadImageFormatException)
            {
                continue;
            }
            references.Add(MetadataReference.CreateFromFile(path));
        }
        return [.. references];
    });

    public static CSharpCompilation Compile(params string[] sources) => CSharpCompilation.Create(
        "Specs",
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Spec{i}.cs")),
        References.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver() => CSharpGeneratorDriver.Create(
        [new MetaSpecGenerator().AsSourceGenerator()],
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns the driver (for reruns), the updated compilation and the generator's diagnostics.</summary>
    public static (GeneratorDriver Driver, Compilation Output, ImmutableArray<Diagnostic> Diagnostics) Run(Compilation input)
    {
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(input, out var output, out var diagnostics);
        return (driver, output, diagnostics);
    }

    /// <summary>The directory of this test project's sources (for Specs/ and Baselines/).</summary>
    public static string ProjectDirectory() => Path.GetDirectoryName(Path.GetDirectoryName(ThisFile())!)!;

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
