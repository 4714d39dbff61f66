using System.Diagnostics;
using System.Numerics.Tensors;
using MetaSpec.Datasets;
using MetaSpec.Tasks;
using Xunit.Abstractions;

namespace MetaSpec.Tests.Data;

/// <summary>
/// The loaders on the real data sets (docs/data.md). Without the data these are skipped with the reason, and fail
/// under METASPEC_REQUIRE_DATA=1, which .ci/run sets after installing it (see <see cref="RealData"/>); the formats
/// themselves are tested everywhere on small files (the loader tests, <see cref="SampleDataTests"/>).
/// </summary>
public class RealDataTests(ITestOutputHelper output)
{
    [RealDataTheory(RealDataSet.Omniglot)]
    [InlineData(OmniglotSplit.Background, 964)]
    [InlineData(OmniglotSplit.Evaluation, 659)]
    public void Omniglot_loads_twenty_28_by_28_drawings_per_character(OmniglotSplit split, int characters)
    {
        string directory = RealData.Directory(RealDataSet.Omniglot);
        var clock = Stopwatch.StartNew();
        LabeledImages images = Omniglot.Load(directory, split);
        clock.Stop();
        output.WriteLine($"Omniglot {split}: {clock.Elapsed.TotalSeconds:F2} s");

        Assert.Equal((characters, 28, 28, characters * 20), (images.ClassCount, images.Height, images.Width, images.StoredImageCount));
        Assert.Equal(20, images.MinImagesPerClass());
        var pixels = new float[28 * 28];
        double ink = 0;
        float min = float.MaxValue, max = float.MinValue;
        for (int c = 0; c < characters; c++)
        {
            Assert.Equal(20, images.ImageCountOf(c));
            for (int k = 0; k < 20; k++)
            {
                images.CopyImage(c, k, pixels.AsSpan());
                (min, max) = (Math.Min(min, TensorPrimitives.Min(pixels)), Math.Max(max, TensorPrimitives.Max(pixels)));
                ink += TensorPrimitives.Sum(pixels);
            }
        }
        // Ink is the foreground (1), about 9% of the page (the README: 91% of the bools are true = paper).
        Assert.Equal((0f, 1f), (min, max));
        double inkFraction = ink / (characters * 20.0 * 28 * 28);
        output.WriteLine($"ink fraction {inkFraction:F4}");
        Assert.InRange(inkFraction, 0.05, 0.15);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"Loading took {clock.Elapsed.TotalSeconds:F1} s; it should take a few.");
    }

    [RealDataFact(RealDataSet.Omniglot)]
    public void Omniglot_feeds_20_way_episodes_with_rotated_classes()
    {
        LabeledImages images = Omniglot.Load(RealData.Directory(RealDataSet.Omniglot), OmniglotSplit.Background).WithRotatedClasses();
        Assert.Equal(4 * 964, images.ClassCount);
        var episodes = new ClassificationEpisodes<float>(images, ways: 20, supportShots: 1, queryShots: 5);
        var task = episodes.CreateTaskData();
        episodes.Sample(new Random(20), task);
        Assert.Equal(20, task.Descriptor[..20].Distinct().Count());
        Assert.All(task.SupportInputs, v => Assert.InRange(v, 0f, 1f));
        Assert.Contains(task.SupportInputs, v => v > 0.5f);
    }

    [RealDataFact(RealDataSet.FashionMnist)]
    public void Fashion_mnist_loads_60000_training_and_10000_test_images_of_ten_classes()
    {
        string directory = RealData.Directory(RealDataSet.FashionMnist);
        var clock = Stopwatch.StartNew();
        LabeledImages train = FashionMnist.Load(directory, FashionMnistSplit.Train);
        LabeledImages test = FashionMnist.Load(directory, FashionMnistSplit.Test);
        clock.Stop();
        output.WriteLine($"Fashion-MNIST train + test: {clock.Elapsed.TotalSeconds:F2} s");

        Assert.Equal((10, 28, 28, 60000), (train.ClassCount, train.Height, train.Width, train.StoredImageCount));
        Assert.Equal((10, 10000), (test.ClassCount, test.StoredImageCount));
        for (int c = 0; c < 10; c++)
        {
            Assert.Equal(6000, train.ImageCountOf(c));
            Assert.Equal(1000, test.ImageCountOf(c));
        }
        var pixels = new float[28 * 28];
        float min = float.MaxValue, max = float.MinValue;
        for (int k = 0; k < 1000; k++)
        {
            test.CopyImage(k % 10, k, pixels.AsSpan());
            (min, max) = (Math.Min(min, TensorPrimitives.Min(pixels)), Math.Max(max, TensorPrimitives.Max(pixels)));
        }
        Assert.Equal((0f, 1f), (min, max));
    }

    [RealDataFact(RealDataSet.FashionMnist)]
    public void Fashion_mnist_meta_splits_have_five_classes_of_7000_images()
    {
        string directory = RealData.Directory(RealDataSet.FashionMnist);
        LabeledImages metaTrain = FashionMnist.Load(directory, FashionMnistSplit.MetaTrain);
        LabeledImages metaTest = FashionMnist.Load(directory, FashionMnistSplit.MetaTest);
        Assert.Equal((5, 5), (metaTrain.ClassCount, metaTest.ClassCount));
        Assert.All(Enumerable.Range(0, 5), c => Assert.Equal(7000, metaTest.ImageCountOf(c)));
        var episodes = new ClassificationEpisodes<double>(metaTest, ways: 5, supportShots: 5, queryShots: 15);
        var task = episodes.CreateTaskData();
        episodes.Sample(new Random(21), task);
        Assert.Equal(5, task.Descriptor[..5].Distinct().Count());
    }
}
