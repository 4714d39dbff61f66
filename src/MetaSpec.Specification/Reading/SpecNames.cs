namespace MetaSpec.Specification;

/// <summary>Metadata names of the DSL's types in the MetaSpec runtime.</summary>
internal static class SpecNames
{
    public const string MetaModelAttribute = "MetaSpec.MetaModelAttribute";
    public const string MetaLearnerAttribute = "MetaSpec.MetaLearnerAttribute";
    public const string InnerProblemAttribute = "MetaSpec.InnerProblemAttribute";
    public const string OuterProblemAttribute = "MetaSpec.OuterProblemAttribute";
    public const string HypergradientAttribute = "MetaSpec.HypergradientAttribute";
    public const string GeometryAttribute = "MetaSpec.GeometryAttribute";
    public const string AdaptAttribute = "MetaSpec.AdaptAttribute";
    public const string Namespace = "MetaSpec";

    /// <summary>The runtime class every generated learner derives from (generic over the element type; learners use float).</summary>
    public const string LearnerBaseClass = "MetaSpec.Meta.SpecLearner";
    public const string LearnerBaseClassMetadata = LearnerBaseClass + "`1";
}
