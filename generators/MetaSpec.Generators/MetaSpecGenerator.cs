using System.Linq;
using MetaSpec.Generators.Emitter;
using MetaSpec.Specification;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MetaSpec.Generators;

/// <summary>
/// The MetaSpec source generator: [MetaModel] classes get their layout constants and network factory,
/// [MetaLearner] classes their trainer. Pipeline: attribute → equatable spec (Spec/) → emitter (Emitter/);
/// problems travel as data and are reported on their own output, so they never invalidate the sources; a spec with
/// problems gets a stub of its members (<see cref="StubEmitter"/>) so the build shows the problems, not their echoes.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class MetaSpecGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var modelReads = context.SyntaxProvider.ForAttributeWithMetadataName(
                SpecNames.MetaModelAttribute,
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, cancellation) => ModelReader.Read((INamedTypeSymbol)ctx.TargetSymbol, new SemanticModels(ctx.SemanticModel.Compilation, ctx.SemanticModel), cancellation))
            .WithTrackingName(GeneratorStepNames.ModelRead);
        var models = modelReads
            .Where(static r => r.Model is not null)
            .Select(static (r, _) => r.Model!)
            .WithTrackingName(GeneratorStepNames.Models);
        var modelStubs = modelReads
            .Where(static r => r.Stub is not null)
            .Select(static (r, _) => r.Stub!)
            .WithTrackingName(GeneratorStepNames.ModelStubs);
        var modelProblems = modelReads
            .Select(static (r, _) => r.Problems)
            .WithTrackingName(GeneratorStepNames.ModelProblems);

        var learnerReads = context.SyntaxProvider.ForAttributeWithMetadataName(
                SpecNames.MetaLearnerAttribute,
                static (node, _) => node is TypeDeclarationSyntax,
                static (ctx, cancellation) => LearnerReader.Read((INamedTypeSymbol)ctx.TargetSymbol, new SemanticModels(ctx.SemanticModel.Compilation, ctx.SemanticModel), cancellation))
            .WithTrackingName(GeneratorStepNames.LearnerRead);
        var learners = learnerReads
            .Where(static r => r.Learner is not null)
            .Select(static (r, _) => r.Learner!)
            .WithTrackingName(GeneratorStepNames.Learners);
        var learnerStubs = learnerReads
            .Where(static r => r.Stub is not null)
            .Select(static (r, _) => r.Stub!)
            .WithTrackingName(GeneratorStepNames.LearnerStubs);
        var learnerProblems = learnerReads
            .Select(static (r, _) => r.Problems)
            .WithTrackingName(GeneratorStepNames.LearnerProblems);

        context.RegisterSourceOutput(models, static (spc, model) =>
            spc.AddSource(EmitterCommon.HintName(model.Type), ModelEmitter.Emit(model)));
        context.RegisterSourceOutput(learners, static (spc, learner) =>
            spc.AddSource(EmitterCommon.HintName(learner.Type), LearnerEmitter.Emit(learner)));
        // A spec with errors still gets its members, throwing: the user's calls compile and the build shows the spec's diagnostics.
        context.RegisterSourceOutput(modelStubs, static (spc, stub) =>
            spc.AddSource(EmitterCommon.HintName(stub.Type), StubEmitter.Model(stub)));
        context.RegisterSourceOutput(learnerStubs, static (spc, stub) =>
            spc.AddSource(EmitterCommon.HintName(stub.Type), StubEmitter.Learner(stub)));
        // The torch half: only when MetaSpec.Torch is referenced, for the specs its backend computes (MSPEC018 says why not).
        context.RegisterSourceOutput(TorchLearners(context, learners), static (spc, learner) =>
            spc.AddSource(TorchEmitter.HintName(learner.Type), TorchEmitter.Emit(learner)));
        context.RegisterSourceOutput(modelProblems, static (spc, problems) => Report(spc, problems));
        context.RegisterSourceOutput(learnerProblems, static (spc, problems) => Report(spc, problems));
    }

    /// <summary>
    /// The learners to give a torch half: a "targets torch" flag read from the compilation's references (a bool, so an
    /// edit that keeps the references leaves it equal and everything after it cached), combined with each learner.
    /// </summary>
    private static IncrementalValuesProvider<LearnerSpec> TorchLearners(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<LearnerSpec> learners)
    {
        var targetsTorch = context.CompilationProvider
            .Select(static (compilation, _) => compilation.ReferencedAssemblyNames.Any(static a => a.Name == TorchSupport.AssemblyName))
            .WithTrackingName(GeneratorStepNames.TargetsTorch);
        return learners.Combine(targetsTorch)
            .Where(static pair => pair.Right && TorchEmitter.Supports(pair.Left))
            .Select(static (pair, _) => pair.Left)
            .WithTrackingName(GeneratorStepNames.TorchLearners);
    }

    private static void Report(SourceProductionContext context, EquatableArray<SpecProblem> problems)
    {
        foreach (var problem in problems) context.ReportDiagnostic(DiagnosticDescriptors.ToDiagnostic(problem));
    }
}
