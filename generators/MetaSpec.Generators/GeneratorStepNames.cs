namespace MetaSpec.Generators;

/// <summary>Names of the pipeline steps, for <c>WithTrackingName</c> and the caching tests.</summary>
internal static class GeneratorStepNames
{
    public const string ModelRead = nameof(ModelRead);
    public const string Models = nameof(Models);
    public const string ModelProblems = nameof(ModelProblems);
    public const string ModelStubs = nameof(ModelStubs);
    public const string LearnerRead = nameof(LearnerRead);
    public const string Learners = nameof(Learners);
    public const string LearnerProblems = nameof(LearnerProblems);
    public const string LearnerStubs = nameof(LearnerStubs);

    public const string TargetsTorch = nameof(TargetsTorch);
    public const string TorchLearners = nameof(TorchLearners);

    public static readonly string[] All = [ModelRead, Models, ModelProblems, ModelStubs, LearnerRead, Learners, LearnerProblems, LearnerStubs];

    /// <summary>The torch half's steps (outputs only where MetaSpec.Torch is referenced and a learner is supported).</summary>
    public static readonly string[] Torch = [TargetsTorch, TorchLearners];
}
