using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace MetaSpec.Tests.Shared;

/// <summary>
/// What an in-process compilation of user specs references: the framework's managed assemblies plus the
/// MetaSpec runtime and its System.Numerics.Tensors dependency. Linked into the generator and analyzer tests.
/// </summary>
internal static class RuntimeReferences
{
    public static readonly Lazy<ImmutableArray<MetadataReference>> All = new(() =>
    {
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var paths = Directory.GetFiles(framework, "*.dll")
            .Where(p => Path.GetFileName(p) is var n && (n.StartsWith("System.", StringComparison.Ordinal) || n is "mscorlib.dll" or "netstandard.dll"))
            .Append(typeof(MetaSpec.Dense).Assembly.Location)
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
}
