using System.Threading;
using MetaSpec.Specification;
using Microsoft.CodeAnalysis;

namespace MetaSpec.Analyzers;

/// <summary>
/// A [MetaLearner] class as the rules see it: its attributes (for locations) and their values read by the
/// generator's own readers (<see cref="LearnerReader"/>, <see cref="ModelReader"/>), so that a setting means
/// the same thing to the analyzers, the generated code and the runtime.
/// </summary>
internal sealed class LearnerDeclaration
{
    private LearnerDeclaration(INamedTypeSymbol type, INamedTypeSymbol? modelType, AttributeData innerAttribute, AttributeData? outerAttribute,
        AttributeData? hypergradientAttribute, AttributeData? geometryAttribute, ModelSpec? model)
    {
        Type = type;
        ModelType = modelType;
        InnerAttribute = innerAttribute;
        OuterAttribute = outerAttribute;
        HypergradientAttribute = hypergradientAttribute;
        GeometryAttribute = geometryAttribute;
        Inner = LearnerReader.ReadInner(innerAttribute);
        Outer = outerAttribute is null ? null : LearnerReader.ReadOuter(outerAttribute);
        Method = LearnerReader.ReadHypergradient(hypergradientAttribute);
        Geometry = LearnerReader.ReadGeometry(geometryAttribute);
        Model = model;
    }

    public INamedTypeSymbol Type { get; }

    /// <summary>The [MetaModel] class named by [MetaLearner]; null when it names none.</summary>
    public INamedTypeSymbol? ModelType { get; }

    public AttributeData InnerAttribute { get; }
    public AttributeData? OuterAttribute { get; }
    public AttributeData? HypergradientAttribute { get; }
    public AttributeData? GeometryAttribute { get; }
    public InnerSpec Inner { get; }
    public OuterSpec? Outer { get; }
    public HypergradientSpec Method { get; }

    /// <summary>[Geometry] as declared (the identity when absent; LearnStepSizes is not folded in).</summary>
    public GeometrySpec Geometry { get; }

    /// <summary>The chosen method; null for a cast to no member.</summary>
    public HypergradientMethod? Kind => Method.Kind;

    /// <summary>The laid-out model; null when it cannot be read (the generator reports why, at the model) or was not asked for.</summary>
    public ModelSpec? Model { get; }

    /// <summary>
    /// Reads a class carrying [MetaLearner] and [InnerProblem]; null otherwise (a missing [InnerProblem] is the
    /// generator's MSPEC107, [MetaModel] on the same class its MSPEC113). The model is laid out only when <paramref name="withModel"/>: most rules do not need it.
    /// </summary>
    public static LearnerDeclaration? Read(INamedTypeSymbol type, SpecTypes types, bool withModel, CancellationToken cancellation)
    {
        var learner = types.Find(type, types.MetaLearner);
        var inner = types.Find(type, types.InnerProblem);
        // A class that is also a [MetaModel] is the generator's MSPEC113, and no learner: nothing to judge here.
        if (learner is null || inner is null || types.Find(type, types.MetaModel) is not null) return null;
        var modelType = learner.ConstructorArguments.Length == 1 && learner.ConstructorArguments[0].Value is INamedTypeSymbol m
            && types.Find(m, types.MetaModel) is not null ? m : null;
        var model = withModel && modelType is not null ? types.ReadModel(modelType, cancellation).Model : null;
        return new LearnerDeclaration(type, modelType, inner, types.Find(type, types.OuterProblem), types.Find(type, types.Hypergradient),
            types.Find(type, types.Geometry), model);
    }
}
