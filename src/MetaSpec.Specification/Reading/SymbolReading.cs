using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MetaSpec.Specification;

/// <summary>Helpers shared by the model and learner readers.</summary>
internal static class SymbolReading
{
    /// <summary>
    /// The partial declaration to extend for <paramref name="type"/>, or a <see cref="SpecProblemKind.NotPartial"/>
    /// problem naming the first declaration (the type or an enclosing one) that cannot be extended.
    /// </summary>
    public static TypeSpec? ReadType(INamedTypeSymbol type, List<SpecProblem> problems)
    {
        var containing = new List<string>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (!CheckExtensible(outer, problems)) return null;
            containing.Insert(0, $"{Keyword(outer)} {outer.Name}");
        }
        if (!CheckExtensible(type, problems)) return null;
        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        return new TypeSpec(ns, type.Name, containing.ToEquatableArray(), Keyword(type));
    }

    private static bool CheckExtensible(INamedTypeSymbol type, List<SpecProblem> problems)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
            if (reference.GetSyntax() is TypeDeclarationSyntax declaration)
            {
                string? reason = !declaration.Modifiers.Any(SyntaxKind.PartialKeyword) ? "is not partial"
                    : type.TypeParameters.Length > 0 ? "is generic" : null;
                if (reason is not null)
                {
                    problems.Add(SpecProblem.Of(SpecProblemKind.NotPartial, LocationInfo.From(declaration.Identifier.GetLocation()), type.Name, reason));
                    return false;
                }
            }
        return true;
    }

    private static string Keyword(INamedTypeSymbol type) => (type.IsRecord, type.TypeKind) switch
    {
        (true, TypeKind.Struct) => "partial record struct",
        (true, _) => "partial record",
        (false, TypeKind.Struct) => "partial struct",
        (false, TypeKind.Interface) => "partial interface",
        _ => "partial class",
    };

    /// <summary>
    /// Reports each member of <paramref name="type"/> (declared in source, so never the generator's own output) whose
    /// name is one of <paramref name="generated"/> (the generated declaration would be CS0102) or of
    /// <paramref name="inherited"/> (it would hide the runtime base class's member), at the member's name.
    /// </summary>
    public static void CheckGeneratedMembers(INamedTypeSymbol type, string[] generated, string[] inherited, string kind, List<SpecProblem> problems)
    {
        foreach (string name in generated.Concat(inherited).Distinct())
            foreach (var member in type.GetMembers(name))
                // The analyzers read specs in compilations that hold the generated halves (*.g.cs): those are not clashes.
                if (!member.IsImplicitlyDeclared && member.Locations.FirstOrDefault() is { IsInSource: true } location
                    && location.SourceTree?.FilePath.EndsWith(".g.cs", System.StringComparison.OrdinalIgnoreCase) != true)
                {
                    string source = generated.Contains(name) ? "MetaSpec generates for" : $"{SpecNames.LearnerBaseClass}<float> gives";
                    problems.Add(SpecProblem.Of(SpecProblemKind.GeneratedMemberClash, LocationInfo.From(location), type.Name, name, kind, source));
                    break;
                }
    }

    /// <summary>The stub of a spec that failed: its type, less the generated members the user declared.</summary>
    public static StubSpec Stub(TypeSpec type, List<SpecProblem> problems)
    {
        var omitted = new List<string>();
        foreach (var problem in problems)
            if (problem.Kind == SpecProblemKind.GeneratedMemberClash) omitted.Add(problem.Arguments[1]);
        return new StubSpec(type, omitted.ToEquatableArray());
    }

    /// <summary>The attribute of the given metadata name on <paramref name="symbol"/>, if any.</summary>
    public static AttributeData? Find(ISymbol symbol, string metadataName) =>
        symbol.GetAttributes().FirstOrDefault(a => a.AttributeClass is { } c && FullName(c) == metadataName);

    public static string FullName(INamedTypeSymbol type) =>
        type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + type.MetadataName : type.MetadataName;

    public static LocationInfo? Where(AttributeData attribute) => LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax());

    /// <summary>A named argument's value, or <paramref name="fallback"/> (the attribute's own default) when not set.</summary>
    public static T Named<T>(AttributeData attribute, string name, T fallback)
    {
        foreach (var pair in attribute.NamedArguments)
            if (pair.Key == name && pair.Value.Value is T value) return value;
        return fallback;
    }

    /// <summary>An enum constant with the name of its member (null when the value is a cast to no member).</summary>
    public static EnumValue ReadEnum(TypedConstant constant)
    {
        int value = constant.Value is int i ? i : 0;
        string? name = constant.Type?.GetMembers().OfType<IFieldSymbol>()
            .FirstOrDefault(f => f.HasConstantValue && f.ConstantValue is int v && v == value)?.Name;
        return new EnumValue(name, value);
    }

    public static EnumValue NamedEnum(AttributeData attribute, string name, EnumValue fallback)
    {
        foreach (var pair in attribute.NamedArguments)
            if (pair.Key == name) return ReadEnum(pair.Value);
        return fallback;
    }
}
