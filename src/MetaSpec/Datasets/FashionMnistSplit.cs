namespace MetaSpec.Datasets;

/// <summary>Which Fashion-MNIST images <see cref="FashionMnist.Load(string, FashionMnistSplit, int)"/> returns.</summary>
public enum FashionMnistSplit
{
    /// <summary>The 60 000 images of the training files, all 10 classes (ordinary supervised use).</summary>
    Train,

    /// <summary>The 10 000 images of the t10k files, all 10 classes.</summary>
    Test,

    /// <summary>
    /// For few-shot learning: the first classes (labels 0..m−1, m = <c>metaTrainClasses</c>) with their images
    /// from both files (7 000 per class).
    /// </summary>
    MetaTrain,

    /// <summary>
    /// For few-shot learning: the remaining classes (labels m..9, renumbered 0..9−m) with their images from
    /// both files (7 000 per class).
    /// </summary>
    MetaTest,
}
