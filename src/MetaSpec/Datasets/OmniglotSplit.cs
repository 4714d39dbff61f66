namespace MetaSpec.Datasets;

/// <summary>The two halves of Omniglot (Lake et al. 2015); by convention background for meta-training, evaluation for meta-testing.</summary>
public enum OmniglotSplit
{
    /// <summary>images_background.npz: 964 characters of 30 alphabets.</summary>
    Background,

    /// <summary>images_evaluation.npz: 659 characters of 20 other alphabets.</summary>
    Evaluation,
}
