namespace MetaSpec.Specification;

/// <summary>
/// Where the diagnostics' help pages are published. The repository URL is the one constant the package metadata
/// (RepositoryUrl in src/MetaSpec/MetaSpec.csproj) repeats; a test checks that the two agree and that every ID
/// has its page under docs/diagnostics/.
/// </summary>
internal static class HelpLinks
{
    public const string RepositoryUrl = "https://github.com/metaspec/metaspec";

    /// <summary>The page of <paramref name="id"/> as rendered from the main branch: an absolute URL, so IDEs and build logs can open it.</summary>
    public static string For(string id) => RepositoryUrl + "/blob/main/docs/diagnostics/" + id + ".md";
}
