using Microsoft.CodeAnalysis;
using MetaSpec.Generators.Spec;

namespace MetaSpec.Analyzers;

/// <summary>The DSL's attribute types, resolved once per compilation; null when MetaSpec is not referenced.</summary>
internal sealed class SpecTypes
{
    private SpecTypes(Compilation compilation, INamedTypeSymbol metaLearner, INamedTypeSymbol metaModel)
    {
        Compilation = compilation;
        MetaLearner = metaLearner;
        MetaModel = metaModel;
        InnerProblem = compilation.GetTypeByMetadataName(SpecNames.InnerProblemAttribute);
        OuterProblem = compilation.GetTypeByMetadataName(SpecNames.OuterProblemAttribute);
        Hypergradient = compilation.GetTypeByMetadataName(SpecNames.HypergradientAttribute);
        Adapt = compilation.GetTypeByMetadataName(SpecNames.AdaptAttribute);
    }

    public Compilation Compilation { get; }
    public INamedTypeSymbol MetaLearner { get; }
    public INamedTypeSymbol MetaModel { get; }
    public INamedTypeSymbol? InnerProblem { get; }
    public INamedTypeSymbol? OuterProblem { get; }
    public INamedTypeSymbol? Hypergradient { get; }
    public INamedTypeSymbol? Adapt { get; }

    public static SpecTypes? Resolve(Compilation compilation) =>
        compilation.GetTypeByMetadataName(SpecNames.MetaLearnerAttribute) is { } learner
        && compilation.GetTypeByMetadataName(SpecNames.MetaModelAttribute) is { } model
            ? new SpecTypes(compilation, learner, model)
            : null;

    public AttributeData? Find(ISymbol symbol, INamedTypeSymbol? attributeType)
    {
        if (attributeType is null) return null;
        foreach (var attribute in symbol.GetAttributes())
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeType)) return attribute;
        return null;
    }
}
