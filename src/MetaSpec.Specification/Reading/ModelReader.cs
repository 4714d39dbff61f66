using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace MetaSpec.Specification;

/// <summary>The outcome of reading a [MetaModel] class: the laid-out model, or the problems that prevent it.</summary>
internal sealed record ModelReadResult(ModelSpec? Model, EquatableArray<SpecProblem> Problems, StubSpec? Stub = null);

/// <summary>
/// Reads a [MetaModel] class: its input shape, its layer fields in declaration order with their constant
/// arguments, the [Adapt] marks, then places the layers (<see cref="ModelLayout"/>). Also finds the names the
/// generated code would declare twice, so they are reported on the user's line rather than as CS0102 in obj/.
/// </summary>
internal static class ModelReader
{
    public static ModelReadResult Read(INamedTypeSymbol type, SemanticModels models, System.Threading.CancellationToken cancellation)
    {
        var problems = new List<SpecProblem>();
        var identifier = LocationInfo.From(type.Locations.FirstOrDefault());
        if (SymbolReading.Find(type, SpecNames.MetaLearnerAttribute) is not null)
        {
            // Both halves would declare ParameterCount and share a hint name: say so once, here, and generate neither.
            problems.Add(SpecProblem.Of(SpecProblemKind.ModelAndLearner, identifier, type.Name));
            return Fail(problems, null);
        }
        var typeSpec = SymbolReading.ReadType(type, problems);
        var attribute = SymbolReading.Find(type, SpecNames.MetaModelAttribute);
        var layers = ReadLayers(type, models, problems, cancellation);
        SymbolReading.CheckGeneratedMembers(type, GeneratedMembers.Model, [], "model", problems);
        CheckLayerNames(layers, problems);
        if (typeSpec is null || attribute is null || problems.Count > 0) return Fail(problems, typeSpec);

        var dimensions = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Kind == TypedConstantKind.Array
            ? attribute.ConstructorArguments[0].Values.Select(v => v.Value is int i ? i : 0).ToList()
            : new List<int>();
        var input = ModelLayout.InputShape(dimensions, out string? inputError);
        if (input is null)
        {
            problems.Add(SpecProblem.Of(SpecProblemKind.InvalidLayout, SymbolReading.Where(attribute), type.Name, inputError!));
            return Fail(problems, typeSpec);
        }
        if (layers.Count == 0)
        {
            problems.Add(SpecProblem.Of(SpecProblemKind.InvalidLayout, identifier, type.Name, "it declares no layer fields"));
            return Fail(problems, typeSpec);
        }
        var placed = ModelLayout.Place(input.Value, layers.Select(l => l.Layer).ToList(), out int failed, out string? error);
        if (placed is null)
        {
            problems.Add(SpecProblem.Of(SpecProblemKind.InvalidLayout, layers[failed].Location, type.Name, error!));
            return Fail(problems, typeSpec);
        }
        int count = placed.Sum(p => p.ParameterCount);
        if (count == 0)
        {
            problems.Add(SpecProblem.Of(SpecProblemKind.NoParameters, identifier, type.Name));
            return Fail(problems, typeSpec);
        }
        var output = placed[placed.Count - 1].Output;
        return new ModelReadResult(new ModelSpec(typeSpec, input.Value, output, count, placed.ToEquatableArray()), EquatableArray<SpecProblem>.Empty);
    }

    private static ModelReadResult Fail(List<SpecProblem> problems, TypeSpec? type) =>
        new(null, problems.ToEquatableArray(), type is null ? null : SymbolReading.Stub(type, problems));

    /// <summary>A layer as read, with where its field is written (kept beside the model, never inside it).</summary>
    private readonly record struct ReadLayer(LayerSpec Layer, LocationInfo? Location);

    /// <summary>Instance fields in source order (file, then position), each read as a layer declaration.</summary>
    private static List<ReadLayer> ReadLayers(INamedTypeSymbol type, SemanticModels models, List<SpecProblem> problems,
        System.Threading.CancellationToken cancellation)
    {
        var fields = type.GetMembers().OfType<IFieldSymbol>()
            .Where(f => !f.IsStatic && !f.IsConst && !f.IsImplicitlyDeclared && f.Locations.Length > 0)
            .OrderBy(f => f.Locations[0].SourceTree?.FilePath ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Locations[0].SourceSpan.Start);
        var layers = new List<ReadLayer>();
        foreach (var field in fields)
        {
            cancellation.ThrowIfCancellationRequested();
            if (field.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellation) is not VariableDeclaratorSyntax declarator) continue;
            var location = LocationInfo.From(declarator.Identifier.GetLocation());
            var layer = ReadLayerField(field, declarator, location, models, problems, cancellation);
            if (layer is not null) layers.Add(new ReadLayer(layer, location));
        }
        return layers;
    }

    /// <summary>
    /// Names the generated code derives from layer fields must stay distinct: an activation layer is named
    /// <c>{field}_{activation}</c> in the network, and a field's Layout constants drop leading underscores.
    /// </summary>
    private static void CheckLayerNames(List<ReadLayer> layers, List<SpecProblem> problems)
    {
        var activationLayers = new Dictionary<string, LayerSpec>(StringComparer.Ordinal);
        foreach (var read in layers)
            if (read.Layer.Activation != ActivationKind.None)
                activationLayers[LayerNames.ActivationLayer(read.Layer.Name, read.Layer.Activation)] = read.Layer;
        var stems = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var read in layers)
        {
            string name = read.Layer.Name;
            if (activationLayers.TryGetValue(name, out var owner))
                problems.Add(SpecProblem.Of(SpecProblemKind.ActivationNameClash, read.Location, name, owner.Name, owner.Activation.ToString()));
            string stem = LayerNames.Pascal(name);
            if (stems.TryGetValue(stem, out string? first))
                problems.Add(SpecProblem.Of(SpecProblemKind.LayoutNameClash, read.Location, name, first, stem + "Offset"));
            else
                stems[stem] = name;
        }
    }

    private static LayerSpec? ReadLayerField(IFieldSymbol field, VariableDeclaratorSyntax declarator, LocationInfo? location, SemanticModels models,
        List<SpecProblem> problems, System.Threading.CancellationToken cancellation)
    {
        var typeSyntax = (declarator.Parent as VariableDeclarationSyntax)?.Type;
        LayerKind? kind = field.Type is INamedTypeSymbol named && SymbolReading.FullName(named) is var full
            && full.StartsWith(SpecNames.Namespace + ".", StringComparison.Ordinal)
            && Enum.TryParse(full.Substring(SpecNames.Namespace.Length + 1), out LayerKind parsed)
            && Enum.IsDefined(typeof(LayerKind), parsed) ? parsed : null;
        if (kind is null)
        {
            problems.Add(SpecProblem.Of(SpecProblemKind.UnknownLayerType, LocationInfo.From(typeSyntax) ?? location, field.Name,
                field.Type.ToDisplayString()));
            return null;
        }
        var creation = declarator.Initializer is { } initializer
            ? models.For(declarator.SyntaxTree).GetOperation(initializer.Value, cancellation) as IObjectCreationOperation
            : null;
        if (creation is null)
        {
            problems.Add(SpecProblem.Of(SpecProblemKind.LayerNotCreated, location, field.Name, field.Type.Name));
            return null;
        }

        // Arguments include the defaults the call left out (ArgumentKind.DefaultValue), so every parameter is here.
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        bool constant = true;
        foreach (var argument in creation.Arguments)
        {
            if (argument.Parameter is null) continue;
            var value = argument.Value.ConstantValue;
            if (!value.HasValue)
            {
                problems.Add(SpecProblem.Of(SpecProblemKind.NonConstantLayerArgument, LocationInfo.From(argument.Syntax) ?? location,
                    field.Name, argument.Parameter.Name));
                constant = false;
                continue;
            }
            values[argument.Parameter.Name] = value.Value;
        }
        if (!constant) return null;

        int Int(string name, int fallback) => values.TryGetValue(name, out var v) && v is int i ? i : fallback;
        bool adapted = SymbolReading.Find(field, SpecNames.AdaptAttribute) is not null;
        var activation = (ActivationKind)Int("activation", 0);
        return kind.Value switch
        {
            LayerKind.Dense => new LayerSpec(field.Name, LayerKind.Dense, adapted, Int("outputs", 0), 0, 0, 0,
                !values.TryGetValue("bias", out var bias) || bias is not false, 0, activation),
            LayerKind.Conv2d => new LayerSpec(field.Name, LayerKind.Conv2d, adapted, Int("outChannels", 0), Int("kernelSize", 0),
                Int("stride", 1), Int("padding", 0), true, 0, activation),
            LayerKind.BatchNorm2d => new LayerSpec(field.Name, LayerKind.BatchNorm2d, adapted, 0, 0, 0, 0, true,
                values.TryGetValue("epsilon", out var eps) && eps is double e ? e : SpecDefaults.BatchNormEpsilon, activation),
            // MaxPool2d's stride 0 means "the window size", as the declaration's Stride property resolves it.
            LayerKind.MaxPool2d => new LayerSpec(field.Name, LayerKind.MaxPool2d, adapted, 0, Int("kernelSize", 0),
                Int("stride", 0) == 0 ? Int("kernelSize", 0) : Int("stride", 0), 0, true, 0, ActivationKind.None),
            _ => new LayerSpec(field.Name, LayerKind.Flatten, adapted, 0, 0, 0, 0, true, 0, ActivationKind.None),
        };
    }
}
