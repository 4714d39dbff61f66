using System.Text;
using MetaSpec.Generators.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MetaSpec.Generators.Tests;

/// <summary>
/// Every <c>```csharp</c> block in README.md and docs/*.md compiles against the runtime (and MetaSpec.Torch) with
/// the MetaSpec generator running, as a user's project would build it. A failure names the page and the line.
/// </summary>
/// <remarks>
/// A page reads as one program: a block sees the <c>using</c> directives and the types declared by the blocks above it
/// on the same page (a later declaration of the same name replaces an earlier one), plus the SDK's implicit usings.
/// A block deliberately partial (an API listing, a snippet inside a larger method) is marked <c>```csharp fragment</c>
/// and is not compiled; <see cref="Fragments_are_few"/> keeps that the exception.
/// </remarks>
public sealed class DocumentationTests
{
    private const string FragmentMarker = "fragment";

    /// <summary>The SDK's ImplicitUsings for a console project, which the README's and docs' programs assume.</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    public static TheoryData<string> Pages()
    {
        var pages = new TheoryData<string>();
        foreach (string page in DocumentedPages()) pages.Add(page);
        return pages;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_csharp_block_compiles(string page)
    {
        string text = File.ReadAllText(Path.Combine(RepositoryRoot(), page));
        var failures = CompileBlocks(page, text);
        Assert.True(failures.Count == 0, $"{page}: a ```csharp block does not compile (mark a deliberately partial block ```csharp {FragmentMarker}):\n" + string.Join("\n", failures));
    }

    [Fact]
    public void Fragments_are_few()
    {
        var blocks = DocumentedPages().SelectMany(p => Blocks(File.ReadAllText(Path.Combine(RepositoryRoot(), p)))).ToList();
        int fragments = blocks.Count(b => b.Fragment);
        Assert.True(blocks.Count >= 15, $"only {blocks.Count} csharp blocks found: is the extraction broken?");
        Assert.True(fragments * 10 <= blocks.Count, $"{fragments} of {blocks.Count} csharp blocks are marked '{FragmentMarker}': make them compile instead.");
    }

    [Fact]
    public void A_block_that_does_not_compile_is_reported_with_its_page_and_line()
    {
        const string page = """
            # Title

            ```csharp
            using MetaSpec;

            [MetaModel(1)]
            public partial class Net
            {
                Dense head = new(1);
            }
            ```

            Text.

            ```csharp
            var learner = new Learner(seed: 1);
            int wrong = learner.NoSuchMember;

            [MetaLearner(typeof(Net))]
            [InnerProblem(LossKind.MeanSquaredError)]
            [OuterProblem(OptimizerKind.Adam)]
            public partial class Learner;
            ```

            ```csharp fragment
            this is not C#
            ```
            """;
        var failures = CompileBlocks("page.md", page);
        // The second block sees the first's Net and using (the learner is generated), and fails on its second line = page line 17.
        string failure = Assert.Single(failures);
        Assert.StartsWith("page.md:17: error CS1061", failure);
        Assert.Contains("NoSuchMember", failure);
    }

    [Fact]
    public void A_spec_the_generator_rejects_fails_the_page()
    {
        const string page = """
            ```csharp
            using MetaSpec;

            [MetaModel(1)]
            public class NotPartial
            {
                Dense head = new(1);
            }
            ```
            """;
        string failure = Assert.Single(CompileBlocks("page.md", page));
        Assert.StartsWith("page.md:5: error MSPEC101", failure);
    }

    private static IEnumerable<string> DocumentedPages()
    {
        string root = RepositoryRoot();
        yield return "README.md";
        foreach (string path in Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal))
            yield return Path.GetRelativePath(root, path).Replace('\\', '/');
    }

    private static string RepositoryRoot() => Path.GetFullPath(Path.Combine(GeneratorHarness.ProjectDirectory(), "..", ".."));

    private sealed record Block(int FenceLine, string Code, bool Fragment);

    /// <summary>The ```csharp blocks of a markdown page, with the 1-based line of the opening fence.</summary>
    private static List<Block> Blocks(string markdown)
    {
        var blocks = new List<Block>();
        string[] lines = markdown.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        for (int i = 0; i < lines.Length; i++)
        {
            string trimmed = lines[i].TrimStart();
            if (!trimmed.StartsWith("```csharp", StringComparison.Ordinal) && !trimmed.StartsWith("```cs ", StringComparison.Ordinal) && trimmed != "```cs")
                continue;
            int indent = lines[i].Length - trimmed.Length;
            bool fragment = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Contains(FragmentMarker);
            var code = new StringBuilder();
            int start = i;
            for (i++; i < lines.Length && lines[i].Trim() != "```"; i++)
                code.Append(lines[i].Length >= indent && string.IsNullOrWhiteSpace(lines[i][..indent]) ? lines[i][indent..] : lines[i].TrimStart()).Append('\n');
            blocks.Add(new Block(start + 1, code.ToString(), fragment));
        }
        return blocks;
    }

    /// <summary>Compiles every non-fragment block of a page; returns "page:line: error ID message" per error.</summary>
    private static List<string> CompileBlocks(string page, string markdown)
    {
        var failures = new List<string>();
        var usings = new List<string>();
        var types = new List<(string Name, string Text)>(); // earlier blocks' type declarations, #line-mapped to the page
        foreach (var block in Blocks(markdown))
        {
            if (block.Fragment) continue;
            // The block's own lines map to the page: its first line is the line after the fence.
            string source = $"#line {block.FenceLine + 1} \"{page}\"\n{block.Code}";
            var tree = CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, path: page);
            var root = (CompilationUnitSyntax)tree.GetRoot();
            var declared = TypeDeclarations(root).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);

            var context = new StringBuilder();
            foreach (string u in usings.Distinct(StringComparer.Ordinal)) context.Append("global ").Append(u).Append('\n');
            foreach (var (name, text) in types)
                if (!declared.Contains(name)) context.Append(text).Append('\n');

            bool program = root.Members.OfType<GlobalStatementSyntax>().Any();
            var compilation = CSharpCompilation.Create(
                "Docs",
                [
                    CSharpSyntaxTree.ParseText(ImplicitUsings, GeneratorHarness.ParseOptions, path: "ImplicitUsings.cs"),
                    CSharpSyntaxTree.ParseText(context.ToString(), GeneratorHarness.ParseOptions, path: page + ".context.cs"),
                    tree,
                ],
                References.Value,
                new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                    nullableContextOptions: NullableContextOptions.Enable));
            var (_, output, generatorDiagnostics) = GeneratorHarness.Run(compilation);
            foreach (var d in generatorDiagnostics.Concat(output.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error))
            {
                // The generator reports external locations (path, span, unmapped lines): map them through their tree's #line.
                var mapping = d.Location.IsInSource ? d.Location.SourceTree : output.SyntaxTrees.FirstOrDefault(t => t.FilePath == d.Location.GetLineSpan().Path);
                var span = mapping is null ? d.Location.GetMappedLineSpan() : mapping.GetMappedLineSpan(d.Location.SourceSpan);
                string where = span.IsValid && span.Path == page ? $"{page}:{span.StartLinePosition.Line + 1}" : $"{page}:{block.FenceLine} (block; in {span.Path})";
                string failure = $"{where}: error {d.Id}: {d.GetMessage()}";
                if (!failures.Contains(failure)) failures.Add(failure);
            }

            usings.AddRange(root.Usings.Where(u => u.GlobalKeyword.IsKind(SyntaxKind.None)).Select(u => u.WithoutTrivia().ToString()));
            foreach (var (name, node) in TypeDeclarations(root))
            {
                types.RemoveAll(t => t.Name == name);
                int line = node.GetLocation().GetMappedLineSpan().StartLinePosition.Line + 1;
                types.Add((name, $"#line {line} \"{page}\"\n{node.WithoutLeadingTrivia().ToFullString()}\n#line default"));
            }
        }
        return failures;
    }

    private static IEnumerable<(string Name, MemberDeclarationSyntax Node)> TypeDeclarations(CompilationUnitSyntax root) =>
        root.Members.Select(m => m switch
        {
            BaseTypeDeclarationSyntax t => (t.Identifier.ValueText, (MemberDeclarationSyntax)t),
            DelegateDeclarationSyntax d => (d.Identifier.ValueText, d),
            _ => (null!, null!),
        }).Where(p => p.Item1 is not null);

    /// <summary>The runtime's references plus MetaSpec.Torch and TorchSharp (docs/torch.md's programs).</summary>
    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(() =>
        [
            .. MetaSpec.Tests.Shared.RuntimeReferences.All.Value,
            MetadataReference.CreateFromFile(typeof(MetaSpec.Torch.TorchModel).Assembly.Location),
            MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
        ]);
}
