using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MetaSpec.Analyzers;

/// <summary>Where an attribute's settings are written, so diagnostics point at the value to change.</summary>
internal static class AttributeArguments
{
    /// <summary>The attribute as written, e.g. <c>InnerProblem(LossKind.MeanSquaredError, Steps = 5)</c>.</summary>
    public static AttributeSyntax? Syntax(AttributeData attribute, CancellationToken cancellation) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(cancellation) as AttributeSyntax;

    /// <summary>The named argument <c>Name = value</c>, or null when the attribute leaves it at its default.</summary>
    public static AttributeArgumentSyntax? Named(AttributeData attribute, string name, CancellationToken cancellation)
    {
        if (Syntax(attribute, cancellation)?.ArgumentList is not { } list) return null;
        foreach (var argument in list.Arguments)
            if (argument.NameEquals?.Name.Identifier.ValueText == name) return argument;
        return null;
    }

    /// <summary>The named argument's location, or the whole attribute's when the setting is not written.</summary>
    public static Location Location(AttributeData attribute, string name, CancellationToken cancellation) =>
        Named(attribute, name, cancellation)?.GetLocation()
        ?? Syntax(attribute, cancellation)?.GetLocation()
        ?? Microsoft.CodeAnalysis.Location.None;

    /// <summary>The first positional argument (the loss, the optimiser, the method), or the attribute.</summary>
    public static Location First(AttributeData attribute, CancellationToken cancellation)
    {
        var syntax = Syntax(attribute, cancellation);
        if (syntax?.ArgumentList is { Arguments.Count: > 0 } list && list.Arguments[0].NameEquals is null) return list.Arguments[0].GetLocation();
        return syntax?.GetLocation() ?? Microsoft.CodeAnalysis.Location.None;
    }
}
