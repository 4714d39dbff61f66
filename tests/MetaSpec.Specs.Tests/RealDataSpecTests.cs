extern alias OmniglotProgram;
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
        using var scratch = new ScratchFolder();
        string output = SpecRunner.RunToSuccess(OmniglotProgram::MetaSpec.Specs.OmniglotSpec.Program.Run,
            [.. SpecProgramTests.TinyConvolutional, "--task-batch", "4", "--val-tasks", "5", "--out", scratch.Path, .. where]);
        // 964 background characters: every 10th (96) with its rotations for validation, the other 868 for training.
        Assert.Contains("3472 meta-train classes (868 background characters), 384 validation classes (every 10th background character), 2636 meta-test classes (evaluation)", output);
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
