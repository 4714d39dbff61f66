using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace MetaSpec.Generators.Spec;

/// <summary>The outcome of reading a [MetaLearner] class: the spec, or the problems that prevent it.</summary>
internal sealed record LearnerReadResult(LearnerSpec? Learner, EquatableArray<SpecProblem> Problems);

/// <summary>
/// Reads a [MetaLearner(typeof(Model))] class with its [InnerProblem], [OuterProblem] and optional
/// [Hypergradient]. The defaults below must equal the attributes' own (a test compares them).
/// </summary>
internal static class LearnerReader
{
    public static LearnerReadResult Read(INamedTypeSymbol type, Compilation compilation, System.Threading.CancellationToken cancellation)
    {
        var problems = new List<SpecProblem>();
        var typeSpec = SymbolReading.ReadType(type, problems);
        var learner = SymbolReading.Find(type, SpecNames.MetaLearnerAttribute);
        var identifier = LocationInfo.From(type.Locations.FirstOrDefault());
        if (learner is null) return Fail(problems);

        ModelSpec? model = null;
        var modelType = learner.ConstructorArguments.FirstOrDefault().Value as INamedTypeSymbol;
        if (modelType is null || SymbolReading.Find(modelType, SpecNames.MetaModelAttribute) is null)
            problems.Add(SpecProblem.Of(SpecProblemKind.InvalidModel, SymbolReading.Where(learner) ?? identifier, type.Name,
                modelType?.ToDisplayString() ?? "(none)"));
        else
            // The model's own problems are reported where the model is declared, once; here they only stop generation.
            model = ModelReader.Read(modelType, compilation, cancellation).Model;

        var innerAttribute = SymbolReading.Find(type, SpecNames.InnerProblemAttribute);
        var outerAttribute = SymbolReading.Find(type, SpecNames.OuterProblemAttribute);
        if (innerAttribute is null) problems.Add(SpecProblem.Of(SpecProblemKind.MissingInnerProblem, identifier, type.Name));
        if (outerAttribute is null) problems.Add(SpecProblem.Of(SpecProblemKind.MissingOuterProblem, identifier, type.Name));
        if (typeSpec is null || model is null || innerAttribute is null || outerAttribute is null || problems.Count > 0) return Fail(problems);

        var inner = ReadInner(innerAttribute);
        var outer = ReadOuter(outerAttribute);
        var method = ReadHypergradient(SymbolReading.Find(type, SpecNames.HypergradientAttribute));
        return new LearnerReadResult(new LearnerSpec(typeSpec, model, inner, outer, method), EquatableArray<SpecProblem>.Empty);
    }

    /// <summary>[InnerProblem] with the attribute's defaults for what it leaves out.</summary>
    public static InnerSpec ReadInner(AttributeData attribute) => new(
        SymbolReading.ReadEnum(attribute.ConstructorArguments.FirstOrDefault()),
        SymbolReading.Named(attribute, "Steps", 1),
        SymbolReading.Named(attribute, "StepSize", 0.01),
        SymbolReading.Named(attribute, "Smoothness", 0.0),
        SymbolReading.Named(attribute, "Proximal", 0.0),
        SymbolReading.Named(attribute, "ResampleSupport", false),
        SymbolReading.Named(attribute, "LearnStepSizes", false),
        SymbolReading.Named(attribute, "ResetAdaptedToZero", false));

    /// <summary>[OuterProblem] with the attribute's defaults for what it leaves out.</summary>
    public static OuterSpec ReadOuter(AttributeData attribute) => new(
        SymbolReading.ReadEnum(attribute.ConstructorArguments.FirstOrDefault()),
        SymbolReading.Named(attribute, "LearningRate", 1e-3),
        SymbolReading.Named(attribute, "TaskBatch", 4),
        SymbolReading.Named(attribute, "Momentum", 0.0),
        SymbolReading.Named(attribute, "ClipGradientNorm", 0.0));

    /// <summary>[Hypergradient] with the attribute's defaults; <see cref="HypergradientSpec.Default"/> (Unrolled) when absent.</summary>
    public static HypergradientSpec ReadHypergradient(AttributeData? attribute)
    {
        var method = HypergradientSpec.Default;
        if (attribute is null) return method;
        return new HypergradientSpec(
            SymbolReading.ReadEnum(attribute.ConstructorArguments.FirstOrDefault()),
            SymbolReading.NamedEnum(attribute, "Solver", method.Solver),
            SymbolReading.Named(attribute, "Iterations", method.Iterations),
            SymbolReading.Named(attribute, "NeumannStep", method.NeumannStep),
            SymbolReading.Named(attribute, "FiniteDifferenceStep", method.FiniteDifferenceStep),
            SymbolReading.Named(attribute, "Directions", method.Directions),
            SymbolReading.Named(attribute, "Smoothing", method.Smoothing));
    }

    private static LearnerReadResult Fail(List<SpecProblem> problems) => new(null, problems.ToEquatableArray());
}
