using System.Text.RegularExpressions;

namespace MetaSpec.Specs.Tests;

/// <summary>
/// The image specs on the real data sets (docs/data.md), with the tiny budget of <see cref="SpecProgramTests"/>.
/// Skipped with the reason when the data is absent; failed instead under METASPEC_REQUIRE_DATA=1 (.ci/run).
/// </summary>
public sealed class RealDataSpecTests
{
    [RealDataFact(RealDataSet.Omniglot)]
    public void Omniglot_meta_trains_and_tests_on_the_real_data()
    {
        string data = RealData.Directory(RealDataSet.Omniglot);
        // At the default place the spec must find ../shared/data/omniglot from the repository root by itself.
        string[] where = RealData.AtDefaultLocation(RealDataSet.Omniglot) ? [] : ["--data", data];
        string output = SpecRunner.RunToSuccess(OmniglotSpec.Program.Run, [.. SpecProgramTests.TinyConvolutional, .. where]);
        Assert.Contains("3856 meta-train classes (background), 2636 meta-test classes (evaluation)", output);
        Assert.Matches(new Regex($@"after 3 steps: accuracy {SpecProgramTests.Interval} %"), output);
    }

    [RealDataFact(RealDataSet.FashionMnist)]
    public void FashionMnist_prints_held_out_accuracy_on_the_real_data()
    {
        string data = RealData.Directory(RealDataSet.FashionMnist);
        string[] where = RealData.AtDefaultLocation(RealDataSet.FashionMnist) ? [] : ["--data", data];
        string output = SpecRunner.RunToSuccess(FashionMnistSpec.Program.Run, [.. SpecProgramTests.TinyConvolutional, .. where]);
        Assert.Contains("meta-test classes Shirt, Sneaker, Bag, Ankle boot", output);
        Assert.Matches(new Regex($@"after 5 steps: accuracy {SpecProgramTests.Interval} %"), output);
    }
}
