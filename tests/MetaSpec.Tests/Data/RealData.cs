namespace MetaSpec.Tests.Data;

/// <summary>
/// Where the real data sets live. They are not in the repository: CI provides the shared folder beside the
/// repository root and installs the Debian package dataset-fashion-mnist. A missing data set fails the test
/// (it does not skip), so a CI machine without them cannot pass silently.
/// </summary>
public static class RealData
{
    public static string OmniglotDirectory()
    {
        string root = RepositoryRoot();
        string directory = Path.GetFullPath(Path.Combine(root, "..", "shared", "data", "omniglot"));
        if (!File.Exists(Path.Combine(directory, "images_background.npz")))
            Assert.Fail($"Omniglot data missing: expected {Path.Combine(directory, "images_background.npz")} (the shared folder beside the repository root {root}).");
        return directory;
    }

    public static string FashionMnistDirectory()
    {
        string directory = MetaSpec.Datasets.FashionMnist.DefaultDirectory;
        if (!File.Exists(Path.Combine(directory, "train-images-idx3-ubyte.gz")))
            Assert.Fail($"Fashion-MNIST data missing: expected the IDX files in {directory}; install them with 'apt-get install dataset-fashion-mnist'.");
        return directory;
    }

    /// <summary>The folder holding MetaSpec.sln, found by walking up from the test assembly.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "MetaSpec.sln"))) return dir.FullName;
        Assert.Fail($"No MetaSpec.sln above {AppContext.BaseDirectory}: cannot locate the repository root.");
        return "";
    }
}
