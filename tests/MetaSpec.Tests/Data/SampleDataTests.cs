using System.Numerics.Tensors;
using MetaSpec.Datasets;
using MetaSpec.Tasks;

namespace MetaSpec.Tests.Data;

/// <summary>
/// The loaders and the episode sampler on complete data folders in the real files' formats, written here
/// (<see cref="SampleData"/>): what <see cref="RealDataTests"/> checks on the real data, on every machine.
/// </summary>
public sealed class SampleDataTests : IDisposable
{
    private readonly ScratchFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void Omniglot_folder_loads_both_splits_and_feeds_rotated_episodes()
    {
        SampleData.WriteOmniglot(folder.Path, backgroundCharacters: 6, evaluationCharacters: 4);
        LabeledImages background = Omniglot.Load(folder.Path, OmniglotSplit.Background);
        LabeledImages evaluation = Omniglot.Load(folder.Path, OmniglotSplit.Evaluation);
        Assert.Equal((6, 28, 28, 6 * 20), (background.ClassCount, background.Height, background.Width, background.StoredImageCount));
        Assert.Equal((4, 4 * 20), (evaluation.ClassCount, evaluation.StoredImageCount));

        // Ink is 1 after loading; the sample's two strokes cover a tenth to a fifth of the page.
        var pixels = new float[28 * 28];
        background.CopyImage(3, 7, pixels.AsSpan());
        Assert.Equal((0f, 1f), (TensorPrimitives.Min(pixels), TensorPrimitives.Max(pixels)));
        Assert.InRange(TensorPrimitives.Sum(pixels) / pixels.Length, 0.05f, 0.3f);

        var rotated = background.WithRotatedClasses();
        Assert.Equal(4 * 6, rotated.ClassCount);
        var episodes = new ClassificationEpisodes<float>(rotated, ways: 5, supportShots: 1, queryShots: 1);
        var task = episodes.CreateTaskData();
        episodes.Sample(new Random(5), task);
        Assert.Equal(5, task.Descriptor[..5].Distinct().Count());
        Assert.Contains(task.SupportInputs, v => v > 0.5f);
    }

    [Fact]
    public void Fashion_mnist_folder_loads_every_split_and_feeds_episodes_of_held_out_classes()
    {
        SampleData.WriteFashionMnist(folder.Path, trainPerClass: 12, testPerClass: 6);
        LabeledImages train = FashionMnist.Load(folder.Path, FashionMnistSplit.Train);
        LabeledImages test = FashionMnist.Load(folder.Path, FashionMnistSplit.Test);
        Assert.Equal((10, 28, 28, 120), (train.ClassCount, train.Height, train.Width, train.StoredImageCount));
        Assert.Equal((10, 60), (test.ClassCount, test.StoredImageCount));
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(12, train.ImageCountOf(c)));

        LabeledImages metaTest = FashionMnist.Load(folder.Path, FashionMnistSplit.MetaTest, metaTrainClasses: 6);
        Assert.Equal(4, metaTest.ClassCount);
        Assert.All(Enumerable.Range(0, 4), c => Assert.Equal(18, metaTest.ImageCountOf(c)));
        var episodes = new ClassificationEpisodes<double>(metaTest, ways: 3, supportShots: 5, queryShots: 5);
        var task = episodes.CreateTaskData();
        episodes.Sample(new Random(21), task);
        Assert.Equal(3, task.Descriptor[..3].Distinct().Count());
        Assert.All(task.SupportInputs, v => Assert.InRange(v, 0.0, 1.0));
    }
}
