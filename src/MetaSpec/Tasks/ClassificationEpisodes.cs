using System.Numerics;
using MetaSpec.Datasets;

namespace MetaSpec.Tasks;

/// <summary>
/// N-way K-shot classification episodes (Vinyals et al. 2016; Finn et al. 2017): each task picks N distinct
/// classes of a <see cref="LabeledImages"/> set, gives them the labels 0..N−1 in random order, and draws K
/// support and Q query images per class, all distinct (support and query are disjoint).
/// </summary>
/// <remarks>
/// <para>Layout: samples are grouped by label; support sample n·K + k and query sample n·Q + q have label n.
/// Targets hold the label as a whole number in <typeparamref name="T"/>, as the cross-entropy loss reads it.</para>
/// <para>Descriptor: N + N·Q values. The first N are the chosen class ids in label order (label n is class
/// Descriptor[n]); then, for each label n, the positions within its class (0..<see cref="LabeledImages.ImageCountOf"/>−1)
/// of its Q query images. The query positions let <see cref="ResampleSupport"/> draw fresh support images
/// that avoid the current query set with no state outside the task, which keeps the instance immutable.</para>
/// <para>The instance is immutable: several threads may fill tasks at once, each with its own
/// <see cref="Random"/> and <see cref="TaskData{T}"/>. Sampling allocates nothing (its scratch is on the stack).</para>
/// </remarks>
public sealed class ClassificationEpisodes<T> : ITaskDistribution<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Upper bound on N and on K + Q: the sampler's scratch lives on the stack (4 bytes each), so it must
    /// stay small. Few-shot episodes are far below it.
    /// </summary>
    public const int MaxStackScratch = 2048;

    /// <summary>Episodes of <paramref name="ways"/> classes with <paramref name="supportShots"/> support and <paramref name="queryShots"/> query images per class.</summary>
    public ClassificationEpisodes(LabeledImages images, int ways, int supportShots, int queryShots)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(ways, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(supportShots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(queryShots, 1);
        if (ways > images.ClassCount)
            throw new ArgumentOutOfRangeException(nameof(ways), ways, $"A {ways}-way episode needs {ways} classes; the image set has {images.ClassCount}.");
        if (ways > MaxStackScratch || supportShots + queryShots > MaxStackScratch)
            throw new ArgumentOutOfRangeException(nameof(ways), $"Episodes are limited to {MaxStackScratch} ways and {MaxStackScratch} images per class.");
        for (int c = 0; c < images.BaseClassCount; c++)
        {
            if (images.ImageCountOf(c) < supportShots + queryShots)
                throw new ArgumentException(
                    $"Class {c} has {images.ImageCountOf(c)} images; {supportShots} support + {queryShots} query shots need {supportShots + queryShots} distinct images per class.",
                    nameof(images));
        }
        Images = images;
        Ways = ways;
        SupportShots = supportShots;
        QueryShots = queryShots;
        LabeledImages.PrepareConversion<T>(); // so that no sampling call pays for the one-time table
    }

    /// <summary>The images episodes are drawn from.</summary>
    public LabeledImages Images { get; }

    /// <summary>N: classes per episode.</summary>
    public int Ways { get; }

    /// <summary>K: support images per class.</summary>
    public int SupportShots { get; }

    /// <summary>Q: query images per class.</summary>
    public int QueryShots { get; }

    /// <inheritdoc/>
    public Shape InputShape => Images.ImageShape;

    /// <summary>1: the label.</summary>
    public int TargetSize => 1;

    /// <summary>N·K.</summary>
    public int SupportCount => Ways * SupportShots;

    /// <summary>N·Q.</summary>
    public int QueryCount => Ways * QueryShots;

    /// <summary>N + N·Q: class ids, then query positions (see the remarks).</summary>
    public int DescriptorLength => Ways + Ways * QueryShots;

    /// <inheritdoc/>
    public void Sample(Random random, TaskData<T> task)
    {
        ArgumentNullException.ThrowIfNull(random);
        TaskDataChecks.ShapedFor(task, this);
        int shotsPerClass = SupportShots + QueryShots;
        Span<int> scratch = stackalloc int[Math.Max(Ways, shotsPerClass)];

        // N distinct classes; the shuffle makes the label each one gets uniformly random.
        Span<int> classes = scratch[..Ways];
        Sampling.DistinctIntegers(random, Images.ClassCount, classes);
        random.Shuffle(classes);
        Span<double> descriptor = task.Descriptor;
        for (int n = 0; n < Ways; n++) descriptor[n] = classes[n];

        Span<int> positions = scratch[..shotsPerClass];
        for (int n = 0; n < Ways; n++)
        {
            int classId = (int)descriptor[n];
            // K + Q distinct images of the class, shuffled so which of them become the query is random too.
            Sampling.DistinctIntegers(random, Images.ImageCountOf(classId), positions);
            random.Shuffle(positions);
            T label = T.CreateTruncating(n);
            for (int k = 0; k < SupportShots; k++)
                WriteSample(classId, positions[k], label, n * SupportShots + k, task.SupportInputs, task.SupportTargets);
            for (int q = 0; q < QueryShots; q++)
            {
                int position = positions[SupportShots + q];
                descriptor[Ways + n * QueryShots + q] = position;
                WriteSample(classId, position, label, n * QueryShots + q, task.QueryInputs, task.QueryTargets);
            }
        }
    }

    /// <summary>
    /// Draws K fresh support images for each class of the episode, distinct from each other and from the
    /// episode's query images (they may repeat earlier support images). Labels and query are kept.
    /// </summary>
    public void ResampleSupport(Random random, TaskData<T> task)
    {
        ArgumentNullException.ThrowIfNull(random);
        TaskDataChecks.ShapedFor(task, this);
        Span<int> scratch = stackalloc int[SupportShots + QueryShots];
        Span<int> picks = scratch[..SupportShots];
        Span<int> queryPositions = scratch[SupportShots..];
        ReadOnlySpan<double> descriptor = task.Descriptor;
        for (int n = 0; n < Ways; n++)
        {
            int classId = ReadIndex(descriptor, n, Images.ClassCount, "class id");
            int imageCount = Images.ImageCountOf(classId);
            for (int q = 0; q < QueryShots; q++)
                queryPositions[q] = ReadIndex(descriptor, Ways + n * QueryShots + q, imageCount, "query position");
            queryPositions.Sort();

            // Draw ranks among the images that are not in the query, then map each rank to its position by
            // stepping over the (sorted) query positions at or before it.
            Sampling.DistinctIntegers(random, imageCount - QueryShots, picks);
            random.Shuffle(picks);
            T label = T.CreateTruncating(n);
            for (int k = 0; k < SupportShots; k++)
            {
                int position = picks[k];
                foreach (int excluded in queryPositions)
                {
                    if (excluded > position) break;
                    position++;
                }
                WriteSample(classId, position, label, n * SupportShots + k, task.SupportInputs, task.SupportTargets);
            }
        }
    }

    private void WriteSample(int classId, int position, T label, int sample, Span<T> inputs, Span<T> targets)
    {
        int size = Images.ImageSize;
        Images.CopyImage(classId, position, inputs.Slice(sample * size, size));
        targets[sample] = label;
    }

    private static int ReadIndex(ReadOnlySpan<double> descriptor, int at, int bound, string what)
    {
        double value = descriptor[at];
        if (!(value >= 0 && value < bound) || value != Math.Floor(value))
            throw new ArgumentException($"Descriptor[{at}] = {value} is not a valid {what} (a whole number in [0, {bound})); was the task drawn by this distribution?", "task");
        return (int)value;
    }
}
