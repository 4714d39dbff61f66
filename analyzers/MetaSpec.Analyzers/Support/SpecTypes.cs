using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using MetaSpec.Specification;

namespace MetaSpec.Analyzers;

/// <summary>
/// The DSL's attribute types, resolved once per compilation (null when MetaSpec is not referenced), with the
/// per-compilation caches the rules share: one semantic model per syntax tree and one read of each model class.
/// </summary>
internal sealed class SpecTypes
{
    private readonly ConcurrentDictionary<INamedTypeSymbol, ModelReadResult> _models = new(SymbolEqualityComparer.Default);

    private SpecTypes(Compilation compilation, INamedTypeSymbol metaLearner, INamedTypeSymbol metaModel)
    {
        Compilation = compilation;
        SemanticModels = new SemanticModels(compilation);
        MetaLearner = metaLearner;
        MetaModel = metaModel;
        InnerProblem = compilation.GetTypeByMetadataName(SpecNames.InnerProblemAttribute);
        OuterProblem = compilation.GetTypeByMetadataName(SpecNames.OuterProblemAttribute);
        Hypergradient = compilation.GetTypeByMetadataName(SpecNames.HypergradientAttribute);
        Geometry = compilation.GetTypeByMetadataName(SpecNames.GeometryAttribute);
        Adapt = compilation.GetTypeByMetadataName(SpecNames.AdaptAttribute);
        TargetsTorch = System.Linq.Enumerable.Any(compilation.ReferencedAssemblyNames, static a => a.Name == TorchSupport.AssemblyName);
    }

    public Compilation Compilation { get; }
    public SemanticModels SemanticModels { get; }
    public INamedTypeSymbol MetaLearner { get; }
    public INamedTypeSymbol MetaModel { get; }
    public INamedTypeSymbol? InnerProblem { get; }
    public INamedTypeSymbol? OuterProblem { get; }
    public INamedTypeSymbol? Hypergradient { get; }
    public INamedTypeSymbol? Geometry { get; }
    public INamedTypeSymbol? Adapt { get; }

    /// <summary>Whether the compilation references MetaSpec.Torch (the generator then emits torch halves).</summary>
    public bool TargetsTorch { get; }

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

    /// <summary>The model class read once per compilation with the generator's reader (several learners may share it).</summary>
    public ModelReadResult ReadModel(INamedTypeSymbol model, System.Threading.CancellationToken cancellation) =>
        _models.GetOrAdd(model, m => ModelReader.Read(m, SemanticModels, cancellation));

    /// <summary>Whether any instance field of <paramref name="model"/> carries [Adapt] (symbols only: no layout needed).</summary>
    public bool HasAdaptedField(INamedTypeSymbol model)
    {
        foreach (var member in model.GetMembers())
            if (member is IFieldSymbol { IsStatic: false, IsConst: false } field && Find(field, Adapt) is not null) return true;
        return false;
    }
}
