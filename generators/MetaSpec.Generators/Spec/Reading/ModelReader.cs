using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace MetaSpec.Generators.Spec;

/// <summary>The outcome of reading a [MetaModel] class: the laid-out model, or the problems that prevent it.</summary>
internal sealed record ModelReadResult(ModelSpec? Model, EquatableArray<SpecProblem> Problems);

/// <summary>
/// Reads a [MetaModel] class: its input shape, its layer fields in declaration order with their constant
/// arguments, the [Adapt] marks, then places the layers (<see cref="ModelLayout"/>).
/// </summary>
internal static class ModelReader
{
    public static ModelReadResult Read(INamedTypeSymbol type, Compilation compilation, System.Threading.CancellationToken cancellation)
    {
        var problems = new List<SpecProblem>();
        var typeSpec = SymbolReading.ReadType(type, problems);
        var attribute = SymbolReading.Find(type, SpecNames.MetaModelAttribute);
        var layers = ReadLayers(type, compilation, problems, cancellation);
        if (typeSpec is null || attribute is null || problems.Count > 0) return Fail(problems);

        var dimensions = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Kind == TypedConstantKind.Array
            ? attribute.ConstructorArguments[0].Values.Select(v => v.Value is int i ? i : 0).ToList()
            : new List<int>();
        var input = ModelLayout.InputShape(dimensions, out string? inputError);
        if (input is null)
        {
            problems.Add(SpecProblem.Of(SpecProblemKind.InvalidLayout, SymbolReading.Where(attribute), type.Name, inputError!));
            return Fail(problems);
        }
        if (layers.Count == 0)
        {
            problems.Add(SpecProblem.Of(SpecProblemKind.InvalidLayout, LocationInfo.From(type.Locations.FirstOrDefault()), type.Name,
                "it declares no layer fields"));
            return Fail(problems);
        }
        var placed = ModelLayout.Place(input.Value, layers, out int failed, out string? error);
        if (placed is null)
        {
            problems.Add(SpecProblem.Of(SpecProblemKind.InvalidLayout, layers[failed].Location, type.Name, error!));
            return Fail(problems);
        }
        var output = placed[placed.Count - 1].Output;
        int count = placed.Sum(p => p.ParameterCount);
        return new ModelReadResult(new ModelSpec(typeSpec, input.Value, output, count, placed.ToEquatableArray()), EquatableArray<SpecProblem>.Empty);
    }

    private static ModelReadResult Fail(List<SpecProblem> problems) => new(null, problems.ToEquatableArray());

    /// <summary>Instance fields in source order (file, then position), each read as a layer declaration.</summary>
    private static List<LayerSpec> ReadLayers(INamedTypeSymbol type, Compilation compilation, List<SpecProblem> problems,
        System.Threading.CancellationToken cancellation)
    {
        var fields = type.GetMembers().OfType<IFieldSymbol>()
            .Where(f => !f.IsStatic && !f.IsConst && !f.IsImplicitlyDeclared && f.Locations.Length > 0)
            .OrderBy(f => f.Locations[0].SourceTree?.FilePath ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Locations[0].SourceSpan.Start);
        var layers = new List<LayerSpec>();
        foreach (var field in fields)
        {
            cancellation.ThrowIfCancellationRequested();
            if (field.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellation) is not VariableDeclaratorSyntax declarator) continue;
            var layer = ReadLayer(field, declarator, compilation, problems, cancellation);
            if (layer is not null) layers.Add(layer);
        }
        return layers;
    }

    private static LayerSpec? ReadLayer(IFieldSymbol field, VariableDeclaratorSyntax declarator, Compilation compilation,
        List<SpecProblem> problems, System.Threading.CancellationToken cancellation)
    {
        var typeSyntax = (declarator.Parent as VariableDeclarationSyntax)?.Type;
        var location = LocationInfo.From(declarator.Identifier.GetLocation());
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
            ? compilation.GetSemanticModel(declarator.SyntaxTree).GetOperation(initializer.Value, cancellation) as IObjectCreationOperation
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
                !values.TryGetValue("bias", out var bias) || bias is not false, 0, activation, location),
            LayerKind.Conv2d => new LayerSpec(field.Name, LayerKind.Conv2d, adapted, Int("outChannels", 0), Int("kernelSize", 0),
                Int("stride", 1), Int("padding", 0), true, 0, activation, location),
            LayerKind.BatchNorm2d => new LayerSpec(field.Name, LayerKind.BatchNorm2d, adapted, 0, 0, 0, 0, true,
                values.TryGetValue("epsilon", out var eps) && eps is double e ? e : 1e-5, activation, location),
            // MaxPool2d's stride 0 means "the window size", as the declaration's Stride property resolves it.
            LayerKind.MaxPool2d => new LayerSpec(field.Name, LayerKind.MaxPool2d, adapted, 0, Int("kernelSize", 0),
                Int("stride", 0) == 0 ? Int("kernelSize", 0) : Int("stride", 0), 0, true, 0, ActivationKind.None, location),
            _ => new LayerSpec(field.Name, LayerKind.Flatten, adapted, 0, 0, 0, 0, true, 0, ActivationKind.None, location),
        };
    }
}
