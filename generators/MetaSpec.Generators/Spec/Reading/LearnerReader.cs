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

        var inner = new InnerSpec(
            SymbolReading.ReadEnum(innerAttribute.ConstructorArguments[0]),
            SymbolReading.Named(innerAttribute, "Steps", 1),
            SymbolReading.Named(innerAttribute, "StepSize", 0.01),
            SymbolReading.Named(innerAttribute, "Smoothness", 0.0),
            SymbolReading.Named(innerAttribute, "Proximal", 0.0),
            SymbolReading.Named(innerAttribute, "ResampleSupport", false),
            SymbolReading.Named(innerAttribute, "LearnStepSizes", false),
            SymbolReading.Named(innerAttribute, "ResetAdaptedToZero", false));
        var outer = new OuterSpec(
            SymbolReading.ReadEnum(outerAttribute.ConstructorArguments[0]),
            SymbolReading.Named(outerAttribute, "LearningRate", 1e-3),
            SymbolReading.Named(outerAttribute, "TaskBatch", 4),
            SymbolReading.Named(outerAttribute, "Momentum", 0.0),
            SymbolReading.Named(outerAttribute, "ClipGradientNorm", 0.0));
        var method = HypergradientSpec.Default;
        if (SymbolReading.Find(type, SpecNames.HypergradientAttribute) is { } h)
            method = new HypergradientSpec(
                SymbolReading.ReadEnum(h.ConstructorArguments[0]),
                SymbolReading.NamedEnum(h, "Solver", method.Solver),
                SymbolReading.Named(h, "Iterations", method.Iterations),
                SymbolReading.Named(h, "NeumannStep", method.NeumannStep),
                SymbolReading.Named(h, "FiniteDifferenceStep", method.FiniteDifferenceStep),
                SymbolReading.Named(h, "Directions", method.Directions),
                SymbolReading.Named(h, "Smoothing", method.Smoothing));
        return new LearnerReadResult(new LearnerSpec(typeSpec, model, inner, outer, method), EquatableArray<SpecProblem>.Empty);
    }

    private static LearnerReadResult Fail(List<SpecProblem> problems) => new(null, problems.ToEquatableArray());
}
