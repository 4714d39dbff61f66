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

    /// <summary>
    /// A learner's generated half derives from <see cref="SpecNames.LearnerBaseClass"/>&lt;float&gt; and its <c>Load</c>
    /// creates one with <c>new</c>, so the class must be a plain class: not static, abstract, a record or a struct, and
    /// without a base class of its own. Reports the first reason (<see cref="SpecProblemKind.NotPlainLearnerClass"/>)
    /// at the declaration that gives it and returns false.
    /// </summary>
    public static bool CheckPlainLearnerClass(INamedTypeSymbol type, List<SpecProblem> problems)
    {
        var declarations = type.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<TypeDeclarationSyntax>().ToList();
        // Point at the declaration that says it: the one with the modifier, or the base type as written.
        Location? Identifier(SyntaxKind? modifier = null) =>
            (declarations.FirstOrDefault(d => modifier is null || d.Modifiers.Any(modifier.Value)) ?? declarations.FirstOrDefault())?.Identifier.GetLocation();
        var baseType = OwnBaseClass(type);
        (string? reason, Location? at) = type switch
        {
            { IsStatic: true } => ("is static", Identifier(SyntaxKind.StaticKeyword)),
            { TypeKind: TypeKind.Struct, IsRecord: true } => ("is a record struct", Identifier()),
            { TypeKind: TypeKind.Struct } => ("is a struct", Identifier()),
            { TypeKind: not TypeKind.Class } => ($"is not a class but a {type.TypeKind.ToString().ToLowerInvariant()}", Identifier()),
            { IsRecord: true } => ("is a record", Identifier()),
            { IsAbstract: true } => ("is abstract", Identifier(SyntaxKind.AbstractKeyword)),
            _ when baseType is not null => ($"derives from '{baseType.ToDisplayString()}'", BaseTypeSyntax(declarations, baseType)?.GetLocation() ?? Identifier()),
            _ => (null, null),
        };
        if (reason is null) return true;
        problems.Add(SpecProblem.Of(SpecProblemKind.NotPlainLearnerClass, LocationInfo.From(at ?? type.Locations.FirstOrDefault()), type.Name, reason));
        return false;
    }

    /// <summary>The base class the user gave the learner, other than object and the runtime's SpecLearner&lt;float&gt; (which the generated half names too).</summary>
    private static INamedTypeSymbol? OwnBaseClass(INamedTypeSymbol type) => type.BaseType switch
    {
        null or { SpecialType: SpecialType.System_Object } => null,
        { TypeArguments.Length: 1 } b when b.TypeArguments[0].SpecialType == SpecialType.System_Single
            && FullName(b.OriginalDefinition) == SpecNames.LearnerBaseClassMetadata => null,
        var other => other,
    };

    /// <summary>Where a declaration names <paramref name="baseType"/> (the first type of a base list, by its simple name), if found.</summary>
    private static BaseTypeSyntax? BaseTypeSyntax(List<TypeDeclarationSyntax> declarations, INamedTypeSymbol baseType)
    {
        foreach (var declaration in declarations)
            if (declaration.BaseList?.Types.FirstOrDefault() is { } first && SimpleName(first.Type) == baseType.Name) return first;
        return null;
    }

    private static string? SimpleName(TypeSyntax type) => type switch
    {
        SimpleNameSyntax simple => simple.Identifier.ValueText,
        QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
        AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
        _ => null,
    };

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
