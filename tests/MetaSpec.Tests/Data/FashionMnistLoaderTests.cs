using MetaSpec.Datasets;

namespace MetaSpec.Tests.Data;

/// <summary>The Fashion-MNIST loader on small IDX files written here.</summary>
public sealed class FashionMnistLoaderTests : IDisposable
{
    private const int Pixels = 28 * 28;
    private const int ImagesMagic = 0x803, LabelsMagic = 0x801;
    private const int TrainCount = 23, TestCount = 12;
    private readonly ScratchFolder folder = new();

    public FashionMnistLoaderTests()
    {
        WriteSet("train", TrainCount, firstId: 0);
        WriteSet("t10k", TestCount, firstId: 100);
    }

    public void Dispose() => folder.Dispose();

    /// <summary>Image i has label i mod 10; its pixel 0 is 10·label + 5, pixel 1 a unique id, pixel 2 is 255.</summary>
    private void WriteSet(string prefix, int count, int firstId, bool compressed = true)
    {
        var labels = new byte[count];
        var pixels = new byte[count * Pixels];
        for (int i = 0; i < count; i++)
        {
            labels[i] = (byte)(i % 10);
            pixels[i * Pixels] = (byte)(10 * labels[i] + 5);
            pixels[i * Pixels + 1] = (byte)(firstId + i);
            pixels[i * Pixels + 2] = 255;
        }
        Write($"{prefix}-images-idx3-ubyte", DataFiles.Idx(ImagesMagic, [count, 28, 28], pixels), compressed);
        Write($"{prefix}-labels-idx1-ubyte", DataFiles.Idx(LabelsMagic, [count], labels), compressed);
    }

    private void Write(string name, byte[] content, bool compressed = true)
    {
        if (compressed) DataFiles.WriteGzip(folder.File(name + ".gz"), content);
        else File.WriteAllBytes(folder.File(name), content);
    }

    private static (int Label, int Id) Identify(LabeledImages images, int classId, int index)
    {
        var pixels = new double[Pixels];
        images.CopyImage(classId, index, pixels.AsSpan());
        Assert.Equal(1.0, pixels[2]);
        return ((int)Math.Round((pixels[0] * 255 - 5) / 10), (int)Math.Round(pixels[1] * 255));
    }

    [Fact]
    public void Train_and_test_files_load_with_ten_classes_and_unit_pixels()
    {
        LabeledImages train = FashionMnist.Load(folder.Path, FashionMnistSplit.Train);
        LabeledImages test = FashionMnist.Load(folder.Path, FashionMnistSplit.Test);
        Assert.Equal((10, 28, 28, TrainCount), (train.ClassCount, train.Height, train.Width, train.StoredImageCount));
        Assert.Equal(TestCount, test.StoredImageCount);
        Assert.True(train.StoresBytes);
        Assert.Equal(3, train.ImageCountOf(2)); // labels 2, 12, 22
        Assert.Equal([(2, 2), (2, 12), (2, 22)], Enumerable.Range(0, 3).Select(k => Identify(train, 2, k)));
        Assert.Equal((9, 109), Identify(test, 9, 0));
    }

    [Fact]
    public void Meta_splits_pool_both_files_and_renumber_the_test_classes()
    {
        LabeledImages metaTrain = FashionMnist.Load(folder.Path, FashionMnistSplit.MetaTrain);
        LabeledImages metaTest = FashionMnist.Load(folder.Path, FashionMnistSplit.MetaTest);
        Assert.Equal((5, 5), (metaTrain.ClassCount, metaTest.ClassCount));
        Assert.Equal([(1, 1), (1, 11), (1, 21), (1, 101), (1, 111)], Enumerable.Range(0, 5).Select(k => Identify(metaTrain, 1, k)));
        // Meta-test class 0 is label 5 (Sandal).
        Assert.Equal("Sandal", FashionMnist.ClassNames[5]);
        Assert.Equal([(5, 5), (5, 15), (5, 105)], Enumerable.Range(0, 3).Select(k => Identify(metaTest, 0, k)));

        LabeledImages sevenThree = FashionMnist.Load(folder.Path, FashionMnistSplit.MetaTest, metaTrainClasses: 7);
        Assert.Equal(3, sevenThree.ClassCount);
        Assert.Equal(7, Identify(sevenThree, 0, 0).Label);
        Assert.Throws<ArgumentOutOfRangeException>(() => FashionMnist.Load(folder.Path, FashionMnistSplit.MetaTrain, metaTrainClasses: 10));
    }

    [Fact]
    public void Uncompressed_files_are_read_too()
    {
        foreach (string file in Directory.GetFiles(folder.Path, "t10k*")) File.Delete(file);
        WriteSet("t10k", TestCount, firstId: 100, compressed: false);
        Assert.Equal(TestCount, FashionMnist.Load(folder.Path, FashionMnistSplit.Test).StoredImageCount);
    }

    [Fact]
    public void A_missing_file_names_the_path_and_the_package()
    {
        string path = folder.File("train-labels-idx1-ubyte.gz");
        File.Delete(path);
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(folder.Path, FashionMnistSplit.MetaTrain));
        Assert.Equal(path, e.FileName);
        Assert.Contains(path, e.Message);
        Assert.Contains("dataset-fashion-mnist", e.Message);
    }

    public static TheoryData<string, string, string> MalformedFiles => new()
    {
        // case, problem, file named in the message
        { "images bad magic", "bad magic 0x00000801", "train-images-idx3-ubyte.gz" },
        { "labels bad magic", "bad magic 0x00000803", "train-labels-idx1-ubyte.gz" },
        { "truncated header", "the file ends inside the IDX header", "train-images-idx3-ubyte.gz" },
        { "truncated images", "truncated data", "train-images-idx3-ubyte.gz" },
        { "truncated labels", "truncated data", "train-labels-idx1-ubyte.gz" },
        { "count mismatch", "shape mismatch: 22 images but 23 labels", "train-images-idx3-ubyte.gz" },
        { "wrong size", "shape mismatch: images are 27×27", "train-images-idx3-ubyte.gz" },
        { "label out of range", "label 10 of sample 3", "train-labels-idx1-ubyte.gz" },
        { "trailing bytes", "unexpected bytes", "train-images-idx3-ubyte.gz" },
        { "not gzip", "corrupt gzip data", "train-labels-idx1-ubyte.gz" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Malformed_files_are_reported_naming_the_file(string malformation, string problem, string file)
    {
        var labels = Enumerable.Range(0, TrainCount).Select(i => (byte)(i % 10)).ToArray();
        var pixels = new byte[TrainCount * Pixels];
        byte[] images = DataFiles.Idx(ImagesMagic, [TrainCount, 28, 28], pixels);
        byte[] labelFile = DataFiles.Idx(LabelsMagic, [TrainCount], labels);
        switch (malformation)
        {
            case "images bad magic": images = DataFiles.Idx(LabelsMagic, [TrainCount, 28, 28], pixels); break;
            case "labels bad magic": labelFile = DataFiles.Idx(ImagesMagic, [TrainCount], labels); break;
            case "truncated header": images = images[..10]; break;
            case "truncated images": images = images[..^1]; break;
            case "truncated labels": labelFile = labelFile[..^1]; break;
            case "count mismatch": images = DataFiles.Idx(ImagesMagic, [TrainCount - 1, 28, 28], pixels[..^Pixels]); break;
            case "wrong size": images = DataFiles.Idx(ImagesMagic, [TrainCount, 27, 27], new byte[TrainCount * 27 * 27]); break;
            case "label out of range": labels[3] = 10; labelFile = DataFiles.Idx(LabelsMagic, [TrainCount], labels); break;
            case "trailing bytes": images = [.. images, 7]; break;
        }
        Write("train-images-idx3-ubyte", images);
        if (malformation == "not gzip") File.WriteAllBytes(folder.File("train-labels-idx1-ubyte.gz"), "plain text, not gzip"u8.ToArray());
        else Write("train-labels-idx1-ubyte", labelFile);

        var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(folder.Path, FashionMnistSplit.Train));
        Assert.Contains(folder.File(file), e.Message);
        Assert.Contains(problem, e.Message);
    }
}
