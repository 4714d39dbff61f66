using MetaSpec.Datasets;
using MetaSpec.Tasks;

namespace MetaSpec.Tests.Tasks;

public class ClassificationEpisodesTests
{
    private const int Side = 2;

    /// <summary>
    /// Images that say who they are: pixel 0 = class, pixel 1 = a unique image id, pixels 2–3 = 0.5. Classes
    /// have different sizes and their images are interleaved in storage, so grouping by class is exercised.
    /// </summary>
    private static LabeledImages SyntheticImages(int classes, Func<int, int> imagesOfClass)
    {
        var labels = new List<int>();
        for (int round = 0; labels.Count < Enumerable.Range(0, classes).Sum(imagesOfClass); round++)
            for (int c = 0; c < classes; c++)
                if (round < imagesOfClass(c)) labels.Add(c);
        var pixels = new float[labels.Count * Side * Side];
        for (int i = 0; i < labels.Count; i++)
        {
            pixels[4 * i] = labels[i];
            pixels[4 * i + 1] = i;
            pixels[4 * i + 2] = pixels[4 * i + 3] = 0.5f;
        }
        return new LabeledImages(pixels, Side, Side, labels.ToArray(), classes);
    }

    private static (int Class, int Id) Identify(double[] inputs, int sample) => ((int)inputs[4 * sample], (int)inputs[4 * sample + 1]);

    [Fact]
    public void Episodes_have_distinct_classes_labelled_in_groups_with_disjoint_support_and_query()
    {
        var images = SyntheticImages(12, c => 8 + c);
        var episodes = new ClassificationEpisodes<double>(images, ways: 5, supportShots: 3, queryShots: 4);
        Assert.Equal(Shape.Image(1, Side, Side), episodes.InputShape);
        Assert.Equal((15, 20, 5 + 20), (episodes.SupportCount, episodes.QueryCount, episodes.DescriptorLength));
        var task = episodes.CreateTaskData();
        var random = new Random(12);
        for (int t = 0; t < 300; t++)
        {
            episodes.Sample(random, task);
            int[] classes = task.Descriptor[..5].Select(v => (int)v).ToArray();
            Assert.Equal(5, classes.Distinct().Count());
            Assert.All(classes, c => Assert.InRange(c, 0, 11));

            var seen = new HashSet<int>();
            for (int n = 0; n < 5; n++)
            {
                for (int k = 0; k < 3; k++)
                {
                    int sample = n * 3 + k;
                    Assert.Equal(n, task.SupportTargets[sample]);
                    var (cls, id) = Identify(task.SupportInputs, sample);
                    Assert.Equal(classes[n], cls);
                    Assert.True(seen.Add(id), $"image {id} drawn twice in one episode");
                }
                for (int q = 0; q < 4; q++)
                {
                    int sample = n * 4 + q;
                    Assert.Equal(n, task.QueryTargets[sample]);
                    var (cls, id) = Identify(task.QueryInputs, sample);
                    Assert.Equal(classes[n], cls);
                    Assert.True(seen.Add(id), $"image {id} drawn twice in one episode");
                    // The descriptor's query position points at this very image.
                    var copy = new double[4];
                    images.CopyImage(classes[n], (int)task.Descriptor[5 + n * 4 + q], copy.AsSpan());
                    Assert.Equal(id, (int)copy[1]);
                }
            }
            Assert.Equal(0.5, task.SupportInputs[2]);
        }
    }

    [Fact]
    public void Classes_labels_and_images_are_drawn_uniformly()
    {
        var images = SyntheticImages(6, _ => 5);
        var episodes = new ClassificationEpisodes<float>(images, ways: 3, supportShots: 1, queryShots: 1);
        var task = episodes.CreateTaskData();
        var random = new Random(13);
        var classCounts = new int[6];
        var labelOfClass0 = new int[3];
        var imageCounts = new Dictionary<int, int>();
        const int episodesDrawn = 6000;
        for (int t = 0; t < episodesDrawn; t++)
        {
            episodes.Sample(random, task);
            for (int n = 0; n < 3; n++)
            {
                int c = (int)task.Descriptor[n];
                classCounts[c]++;
                if (c == 0) labelOfClass0[n]++;
            }
            int id = (int)task.SupportInputs[1];
            imageCounts[id] = imageCounts.GetValueOrDefault(id) + 1;
        }
        // Each class appears in half the episodes (3 of 6), each label equally often, each image of a class equally often.
        Assert.All(classCounts, n => Assert.InRange(n, 2800, 3200));
        Assert.All(labelOfClass0, n => Assert.InRange(n, 850, 1150));
        Assert.Equal(30, imageCounts.Count);
        Assert.All(imageCounts.Values, n => Assert.InRange(n, 120, 280)); // mean 200
    }

    [Fact]
    public void Support_and_query_can_use_every_image_of_a_class()
    {
        var images = SyntheticImages(3, _ => 4);
        var episodes = new ClassificationEpisodes<double>(images, ways: 3, supportShots: 1, queryShots: 3);
        var task = episodes.CreateTaskData();
        episodes.Sample(new Random(14), task);
        var ids = Enumerable.Range(0, 3).Select(s => Identify(task.SupportInputs, s).Id)
            .Concat(Enumerable.Range(0, 9).Select(s => Identify(task.QueryInputs, s).Id));
        Assert.Equal(Enumerable.Range(0, 12), ids.Order());
    }

    [Fact]
    public void ResampleSupport_keeps_classes_labels_and_query_and_avoids_the_query_images()
    {
        var images = SyntheticImages(5, c => 7);
        var episodes = new ClassificationEpisodes<double>(images, ways: 4, supportShots: 2, queryShots: 3);
        var task = episodes.CreateTaskData();
        var random = new Random(15);
        episodes.Sample(random, task);
        double[] descriptor = [.. task.Descriptor], query = [.. task.QueryInputs], queryTargets = [.. task.QueryTargets];
        var queryIds = Enumerable.Range(0, 12).Select(s => Identify(query, s).Id).ToHashSet();
        var supportSeen = new HashSet<int>();
        for (int r = 0; r < 200; r++)
        {
            episodes.ResampleSupport(random, task);
            Assert.Equal(descriptor, task.Descriptor);
            Assert.Equal(query, task.QueryInputs);
            Assert.Equal(queryTargets, task.QueryTargets);
            var ids = new HashSet<int>();
            for (int n = 0; n < 4; n++)
            {
                for (int k = 0; k < 2; k++)
                {
                    int sample = n * 2 + k;
                    Assert.Equal(n, task.SupportTargets[sample]);
                    var (cls, id) = Identify(task.SupportInputs, sample);
                    Assert.Equal((int)descriptor[n], cls);
                    Assert.DoesNotContain(id, queryIds);
                    Assert.True(ids.Add(id));
                    supportSeen.Add(id);
                }
            }
        }
        // Every image outside the query (4 classes × (7 − 3)) turns up in some resampled support set.
        Assert.Equal(16, supportSeen.Count);
    }

    [Fact]
    public void A_tampered_descriptor_is_reported()
    {
        var episodes = new ClassificationEpisodes<double>(SyntheticImages(4, _ => 5), ways: 2, supportShots: 1, queryShots: 1);
        var task = episodes.CreateTaskData();
        episodes.Sample(new Random(16), task);
        task.Descriptor[0] = 7;
        var e = Assert.Throws<ArgumentException>(() => episodes.ResampleSupport(new Random(1), task));
        Assert.Contains("Descriptor[0]", e.Message);
    }

    [Fact]
    public void Rotated_classes_are_episodes_of_rotated_images()
    {
        // 3×3 images whose pixels are 1..9 plus 10·class, so each rotation is recognisable.
        const int classes = 2, perClass = 3;
        var pixels = new float[classes * perClass * 9];
        var labels = new int[classes * perClass];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = i / perClass;
            for (int p = 0; p < 9; p++) pixels[9 * i + p] = 10 * labels[i] + p + 1;
        }
        var images = new LabeledImages(pixels, 3, 3, labels, classes).WithRotatedClasses();
        Assert.Equal(8, images.ClassCount);
        var episodes = new ClassificationEpisodes<double>(images, ways: 8, supportShots: 1, queryShots: 1);
        var task = episodes.CreateTaskData();
        episodes.Sample(new Random(17), task);
        for (int n = 0; n < 8; n++)
        {
            int classId = (int)task.Descriptor[n];
            int baseClass = classId % classes, turns = classId / classes;
            double[] original = Enumerable.Range(1, 9).Select(p => 10.0 * baseClass + p).ToArray();
            double[] expected = Rotate(original, turns);
            Assert.Equal(expected, task.SupportInputs.AsSpan(9 * n, 9).ToArray());
        }
    }

    private static double[] Rotate(double[] image, int turns)
    {
        // numpy.rot90 once: out[i, j] = in[j, 2 − i].
        for (int t = 0; t < turns; t++)
        {
            var next = new double[9];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    next[3 * i + j] = image[3 * j + 2 - i];
            image = next;
        }
        return image;
    }

    [Fact]
    public void A_seed_reproduces_episodes()
    {
        var episodes = new ClassificationEpisodes<float>(SyntheticImages(10, _ => 6), ways: 5, supportShots: 1, queryShots: 2);
        var first = episodes.CreateTaskData();
        var second = episodes.CreateTaskData();
        episodes.Sample(new Random(18), first);
        episodes.Sample(new Random(18), second);
        Assert.Equal(first.Descriptor, second.Descriptor);
        Assert.Equal(first.SupportInputs, second.SupportInputs);
        Assert.Equal(first.QueryInputs, second.QueryInputs);
    }

    [Fact]
    public void Sampling_allocates_nothing_with_float_or_byte_images()
    {
        var floatImages = SyntheticImages(20, _ => 20).WithRotatedClasses();
        var byteImages = new LabeledImages(new byte[20 * 20 * 16], 4, 4, Enumerable.Range(0, 400).Select(i => i % 20).ToArray(), 20);
        var random = new Random(19);
        foreach (LabeledImages images in new[] { floatImages, byteImages })
        {
            var single = new ClassificationEpisodes<float>(images, ways: 5, supportShots: 5, queryShots: 15);
            var twice = new ClassificationEpisodes<double>(images, ways: 20, supportShots: 1, queryShots: 5);
            var singleTask = single.CreateTaskData();
            var doubleTask = twice.CreateTaskData();
            Assert.Equal(0, Allocations.Measure(() =>
            {
                for (int t = 0; t < 50; t++)
                {
                    single.Sample(random, singleTask);
                    single.ResampleSupport(random, singleTask);
                    twice.Sample(random, doubleTask);
                    twice.ResampleSupport(random, doubleTask);
                }
            }));
        }
    }

    [Fact]
    public void Impossible_episodes_are_rejected_naming_the_problem()
    {
        var images = SyntheticImages(4, c => c == 2 ? 3 : 6);
        var e = Assert.Throws<ArgumentException>(() => new ClassificationEpisodes<float>(images, ways: 2, supportShots: 2, queryShots: 2));
        Assert.Contains("Class 2 has 3 images", e.Message);
        var ways = Assert.Throws<ArgumentOutOfRangeException>(() => new ClassificationEpisodes<float>(images, ways: 5, supportShots: 1, queryShots: 1));
        Assert.Contains("4", ways.Message);
    }
}
