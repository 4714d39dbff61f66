namespace MetaSpec.TestSupport;

/// <summary>The real data sets some tests read. Neither is in the repository (see docs/data.md).</summary>
public enum RealDataSet
{
    /// <summary>Lake et al.'s Omniglot as two NumPy archives, images_background.npz and images_evaluation.npz.</summary>
    Omniglot,

    /// <summary>Fashion-MNIST's four IDX files, as Debian's dataset-fashion-mnist package installs them.</summary>
    FashionMnist,
}

/// <summary>
/// Where the real data sets are, and what a test does without them. A missing data set skips the tests that need
/// it, with a reason that says how to get it (<see cref="RealDataFactAttribute"/>); with
/// <c>METASPEC_REQUIRE_DATA=1</c>, as <c>.ci/run</c> sets, it fails them instead, so CI cannot pass without the data.
/// </summary>
public static class RealData
{
    /// <summary>Set to 1 (or true) to turn a missing data set into a failure.</summary>
    public const string RequireVariable = "METASPEC_REQUIRE_DATA";

    /// <summary>A folder holding the two Omniglot archives, instead of ../shared/data/omniglot beside the repository root.</summary>
    public const string OmniglotVariable = "METASPEC_OMNIGLOT_DIR";

    /// <summary>A folder holding the four Fashion-MNIST files, instead of Debian's /usr/share/datasets/fashion-mnist.</summary>
    public const string FashionMnistVariable = "METASPEC_FASHION_MNIST_DIR";

    /// <summary>Where Debian's dataset-fashion-mnist package installs the files.</summary>
    public const string DebianFashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    private static readonly string[] OmniglotFiles = ["images_background.npz", "images_evaluation.npz"];

    private static readonly string[] FashionMnistFiles =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>Whether a missing data set fails the tests rather than skipping them.</summary>
    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable)?.Trim().ToLowerInvariant() is "1" or "true";

    /// <summary>Where the tests look for <paramref name="set"/> (which may not exist).</summary>
    public static string Location(RealDataSet set) => set switch
    {
        RealDataSet.Omniglot => FromVariable(OmniglotVariable)
            ?? Path.GetFullPath(Path.Combine(RepositoryRoot() ?? ".", "..", "shared", "data", "omniglot")),
        RealDataSet.FashionMnist => FromVariable(FashionMnistVariable) ?? DebianFashionMnistDirectory,
        _ => throw new ArgumentOutOfRangeException(nameof(set), set, "Unknown data set."),
    };

    /// <summary>Whether the location of <paramref name="set"/> is the default one (not chosen by an environment variable).</summary>
    public static bool AtDefaultLocation(RealDataSet set) =>
        FromVariable(set == RealDataSet.Omniglot ? OmniglotVariable : FashionMnistVariable) is null;

    /// <summary>Null when <paramref name="set"/> is complete; otherwise what is missing, where it comes from and how to point the tests at it.</summary>
    public static string? Missing(RealDataSet set)
    {
        string folder = Location(set);
        if (set == RealDataSet.Omniglot)
        {
            var absent = OmniglotFiles.Where(f => !File.Exists(Path.Combine(folder, f))).ToList();
            return absent.Count == 0 ? null :
                $"Omniglot data not found: {string.Join(" and ", absent)} missing in {folder}. The files are Lake et al.'s " +
                "release (github.com/brendenlake/omniglot) converted to NumPy archives (docs/data.md says how); put them in " +
                $"../shared/data/omniglot beside the repository root, or set {OmniglotVariable} to their folder.";
        }
        var missing = FashionMnistFiles
            .Where(f => !File.Exists(Path.Combine(folder, f + ".gz")) && !File.Exists(Path.Combine(folder, f)))
            .ToList();
        return missing.Count == 0 ? null :
            $"Fashion-MNIST data not found: {string.Join(", ", missing.Select(f => f + ".gz"))} missing in {folder}. " +
            "Install Debian's package with 'apt-get install dataset-fashion-mnist' (docs/data.md), or set " +
            $"{FashionMnistVariable} to a folder holding the four IDX files of github.com/zalandoresearch/fashion-mnist.";
    }

    /// <summary>The reason a test of <paramref name="set"/> is skipped, or null when it runs (data present, or required).</summary>
    public static string? SkipReason(RealDataSet set)
    {
        if (Required) return null;
        string? missing = Missing(set);
        return missing is null ? null : $"{missing} (Skipped; {RequireVariable}=1 makes this a failure, as in .ci/run.)";
    }

    /// <summary>The folder of <paramref name="set"/>; fails the test, naming what is missing, when it is incomplete.</summary>
    public static string Directory(RealDataSet set)
    {
        string? missing = Missing(set);
        if (missing is not null) Assert.Fail(missing + (Required ? $" ({RequireVariable} is set: missing data fails.)" : ""));
        return Location(set);
    }

    /// <summary>The folder holding MetaSpec.sln, found by walking up from the test assembly; null outside a checkout.</summary>
    public static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MetaSpec.sln"))) return dir.FullName;
        return null;
    }

    private static string? FromVariable(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? Path.GetFullPath(value) : null;
}
