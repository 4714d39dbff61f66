using System.Threading;
using MetaSpec.Generators.Spec;
using Microsoft.CodeAnalysis;

namespace MetaSpec.Analyzers;

/// <summary>
/// A [MetaLearner] class as the rules see it: its attributes (for locations) and their values read by the
/// generator's own readers (<see cref="LearnerReader"/>, <see cref="ModelReader"/>), so that a setting means
/// the same thing to the analyzers, the generated code and the runtime.
/// </summary>
internal sealed class LearnerDeclaration
{
    private LearnerDeclaration(INamedTypeSymbol type, AttributeData innerAttribute, AttributeData? outerAttribute,
        AttributeData? hypergradientAttribute, ModelSpec? model)
    {
        Type = type;
        InnerAttribute = innerAttribute;
        OuterAttribute = outerAttribute;
        HypergradientAttribute = hypergradientAttribute;
        Inner = LearnerReader.ReadInner(innerAttribute);
        Outer = outerAttribute is null ? null : LearnerReader.ReadOuter(outerAttribute);
        Method = LearnerReader.ReadHypergradient(hypergradientAttribute);
        Model = model;
    }

    public INamedTypeSymbol Type { get; }
    public AttributeData InnerAttribute { get; }
    public AttributeData? OuterAttribute { get; }
    public AttributeData? HypergradientAttribute { get; }
    public InnerSpec Inner { get; }
    public OuterSpec? Outer { get; }
    public HypergradientSpec Method { get; }

    /// <summary>The laid-out model; null when it cannot be read (the generator reports why, at the model).</summary>
    public ModelSpec? Model { get; }

    /// <summary>
    /// Reads a class carrying [MetaLearner] and [InnerProblem]; null otherwise (a missing [InnerProblem] is the
    /// generator's MSPEC107). The model is read only when <paramref name="withModel"/>: most rules do not need it.
    /// </summary>
    public static LearnerDeclaration? Read(INamedTypeSymbol type, SpecTypes types, bool withModel, CancellationToken cancellation)
    {
        var learner = types.Find(type, types.MetaLearner);
        var inner = types.Find(type, types.InnerProblem);
        if (learner is null || inner is null) return null;
        ModelSpec? model = null;
        if (withModel && learner.ConstructorArguments.Length == 1 && learner.ConstructorArguments[0].Value is INamedTypeSymbol modelType
            && types.Find(modelType, types.MetaModel) is not null)
            model = ModelReader.Read(modelType, types.Compilation, cancellation).Model;
        return new LearnerDeclaration(type, inner, types.Find(type, types.OuterProblem), types.Find(type, types.Hypergradient), model);
    }

    /// <summary>The method's member name ("Unrolled", …); null for a cast to no member.</summary>
    public string? MethodName => Method.Method.Name;
}
