using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace MetaSpec.Specification;

/// <summary>The outcome of reading a [MetaLearner] class: the spec, or the problems that prevent it.</summary>
internal sealed record LearnerReadResult(LearnerSpec? Learner, EquatableArray<SpecProblem> Problems, StubSpec? Stub = null);

/// <summary>
/// Reads a [MetaLearner(typeof(Model))] class with its [InnerProblem], [OuterProblem] and optional
/// [Hypergradient] and [Geometry]. Defaults come from <see cref="SpecDefaults"/>, as the attributes' own do (a test compares them).
/// </summary>
internal static class LearnerReader
{
    public static LearnerReadResult Read(INamedTypeSymbol type, SemanticModels models, System.Threading.CancellationToken cancellation)
    {
        var problems = new List<SpecProblem>();
        var learner = SymbolReading.Find(type, SpecNames.MetaLearnerAttribute);
        // A class with [MetaModel] too is reported once, by the model reader.
        if (learner is null || SymbolReading.Find(type, SpecNames.MetaModelAttribute) is not null) return Fail(problems, null);
        var typeSpec = SymbolReading.ReadType(type, problems);
        // A class the generated half cannot derive from the runtime base gets no stub either (it could not take one).
        if (typeSpec is not null && !SymbolReading.CheckPlainLearnerClass(type, problems)) typeSpec = null;
        var identifier = LocationInfo.From(type.Locations.FirstOrDefault());
        SymbolReading.CheckGeneratedMembers(type, GeneratedMembers.LearnerDeclared, GeneratedMembers.LearnerInherited, "meta-learner", problems);

        ModelSpec? model = null;
        var modelType = learner.ConstructorArguments.FirstOrDefault().Value as INamedTypeSymbol;
        if (modelType is null || SymbolReading.Find(modelType, SpecNames.MetaModelAttribute) is null)
            problems.Add(SpecProblem.Of(SpecProblemKind.InvalidModel, SymbolReading.Where(learner) ?? identifier, type.Name,
                modelType?.ToDisplayString() ?? "(none)"));
        else
            // The model's own problems are reported where the model is declared, once; here they only stop generation.
            model = ModelReader.Read(modelType, models, cancellation).Model;

        var innerAttribute = SymbolReading.Find(type, SpecNames.InnerProblemAttribute);
        var outerAttribute = SymbolReading.Find(type, SpecNames.OuterProblemAttribute);
        if (innerAttribute is null) problems.Add(SpecProblem.Of(SpecProblemKind.MissingInnerProblem, identifier, type.Name));
        if (outerAttribute is null) problems.Add(SpecProblem.Of(SpecProblemKind.MissingOuterProblem, identifier, type.Name));
        if (typeSpec is null || model is null || innerAttribute is null || outerAttribute is null || problems.Count > 0) return Fail(problems, typeSpec);

        var inner = ReadInner(innerAttribute);
        var outer = ReadOuter(outerAttribute);
        var method = ReadHypergradient(SymbolReading.Find(type, SpecNames.HypergradientAttribute));
        var geometry = ReadGeometry(SymbolReading.Find(type, SpecNames.GeometryAttribute));
        return new LearnerReadResult(new LearnerSpec(typeSpec, ModelReference.Of(model), inner, outer, method, geometry), EquatableArray<SpecProblem>.Empty);
    }

    /// <summary>[InnerProblem] with the attribute's defaults for what it leaves out.</summary>
    public static InnerSpec ReadInner(AttributeData attribute) => new(
        SymbolReading.ReadEnum(attribute.ConstructorArguments.FirstOrDefault()),
        SymbolReading.Named(attribute, "Steps", SpecDefaults.Steps),
        SymbolReading.Named(attribute, "StepSize", SpecDefaults.StepSize),
        SymbolReading.Named(attribute, "Smoothness", SpecDefaults.Smoothness),
        SymbolReading.Named(attribute, "Proximal", SpecDefaults.Proximal),
        SymbolReading.Named(attribute, "ResampleSupport", SpecDefaults.ResampleSupport),
        SymbolReading.Named(attribute, "LearnStepSizes", SpecDefaults.LearnStepSizes),
        SymbolReading.Named(attribute, "ResetAdaptedToZero", SpecDefaults.ResetAdaptedToZero));

    /// <summary>[OuterProblem] with the attribute's defaults for what it leaves out.</summary>
    public static OuterSpec ReadOuter(AttributeData attribute) => new(
        SymbolReading.ReadEnum(attribute.ConstructorArguments.FirstOrDefault()),
        SymbolReading.Named(attribute, "LearningRate", SpecDefaults.LearningRate),
        SymbolReading.Named(attribute, "TaskBatch", SpecDefaults.TaskBatch),
        SymbolReading.Named(attribute, "Momentum", SpecDefaults.Momentum),
        SymbolReading.Named(attribute, "ClipGradientNorm", SpecDefaults.ClipGradientNorm));

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

    /// <summary>[Geometry] with the attribute's defaults; <see cref="GeometrySpec.Default"/> (the identity) when absent.</summary>
    public static GeometrySpec ReadGeometry(AttributeData? attribute)
    {
        var geometry = GeometrySpec.Default;
        if (attribute is null) return geometry;
        return new GeometrySpec(
            SymbolReading.ReadEnum(attribute.ConstructorArguments.FirstOrDefault()),
            SymbolReading.Named(attribute, "Embedding", geometry.Embedding),
            SymbolReading.Named(attribute, "Hidden", geometry.Hidden),
            SymbolReading.Named(attribute, "DenseOutput", geometry.DenseOutput));
    }

    private static LearnerReadResult Fail(List<SpecProblem> problems, TypeSpec? type) =>
        new(null, problems.ToEquatableArray(), type is null ? null : SymbolReading.Stub(type, problems));
}
