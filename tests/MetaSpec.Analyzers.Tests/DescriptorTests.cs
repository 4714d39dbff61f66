using System.Reflection;
using MetaSpec.Analyzers.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers.Tests;

/// <summary>Every rule is documented, linked, tracked for release and reported by exactly one analyzer; IDs do not collide with the generator's.</summary>
public sealed class DescriptorTests
{
    private static IEnumerable<DiagnosticAnalyzer> Analyzers() => typeof(DiagnosticDescriptors).Assembly.GetTypes()
        .Where(t => t is { IsAbstract: false } && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!);

    [Fact]
    public void Every_descriptor_has_a_doc_page_a_help_link_and_a_release_entry()
    {
        string root = AnalyzerHarness.RepositoryRoot();
        string releases = File.ReadAllText(Path.Combine(root, "analyzers", "MetaSpec.Analyzers", "AnalyzerReleases.Unshipped.md"))
            + File.ReadAllText(Path.Combine(root, "analyzers", "MetaSpec.Analyzers", "AnalyzerReleases.Shipped.md"));
        foreach (var descriptor in DiagnosticDescriptors.All)
        {
            Assert.Matches("^MSPEC0[0-9]{2}$", descriptor.Id);
            Assert.Equal($"https://github.com/metaspec/metaspec/blob/main/docs/diagnostics/{descriptor.Id}.md", descriptor.HelpLinkUri);
            string page = Path.Combine(root, "docs", "diagnostics", descriptor.Id + ".md");
            Assert.True(File.Exists(page), $"{descriptor.Id} has no page {page}");
            Assert.StartsWith($"# {descriptor.Id}", File.ReadAllText(page));
            Assert.Contains($"{descriptor.Id} | {descriptor.Category} | {descriptor.DefaultSeverity} | {descriptor.Title}", releases);
            Assert.True(descriptor.IsEnabledByDefault);
        }
    }

    [Fact]
    public void Ids_are_unique_and_all_listed_and_each_is_reported_by_one_analyzer()
    {
        var ids = DiagnosticDescriptors.All.Select(d => d.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var fields = typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor)).Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id);
        Assert.Equal(fields.OrderBy(i => i), ids.OrderBy(i => i));
        var supported = Analyzers().SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToList();
        Assert.Equal(ids.OrderBy(i => i), supported.OrderBy(i => i));
    }

    [Fact]
    public void Every_fixable_id_is_an_analyzer_rule_or_the_generator_s_partial_diagnostic()
    {
        var fixers = typeof(MetaSpec.CodeFixes.StepSizeCodeFixProvider).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t))
            .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!).ToList();
        Assert.NotEmpty(fixers);
        var known = DiagnosticDescriptors.All.Select(d => d.Id).Append(RuleIdentifiers.GeneratorNotPartial).ToHashSet();
        foreach (var fixer in fixers)
        {
            Assert.All(fixer.FixableDiagnosticIds, id => Assert.Contains(id, known));
            Assert.NotNull(fixer.GetFixAllProvider());
        }
    }
}
