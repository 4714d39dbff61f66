namespace MetaSpec.Specification;

/// <summary>A type to extend with a partial declaration: where it lives and how to reopen it.</summary>
/// <param name="Namespace">Containing namespace, or null for the global namespace.</param>
/// <param name="Name">The type's name.</param>
/// <param name="ContainingTypes">Enclosing types, outermost first, as "keyword Name" (e.g. "partial class Outer").</param>
/// <param name="Keyword">How to reopen the type itself: "partial class" or "partial record".</param>
internal sealed record TypeSpec(string? Namespace, string Name, EquatableArray<string> ContainingTypes, string Keyword = "partial class")
{
    /// <summary>The name with enclosing types, for hint names and messages: <c>Outer.Inner</c>.</summary>
    public string NestedName
    {
        get
        {
            var parts = new System.Collections.Generic.List<string>();
            foreach (string declaration in ContainingTypes) parts.Add(declaration.Substring(declaration.LastIndexOf(' ') + 1));
            parts.Add(Name);
            return string.Join(".", parts);
        }
    }

    /// <summary>A fully qualified reference, <c>global::Demo.Outer.Inner</c>.</summary>
    public string GlobalName => "global::" + (Namespace is null ? "" : Namespace + ".") + NestedName;
}

/// <summary>
/// A spec class whose spec has errors but which can still be extended: the generator gives it the members it would
/// have (throwing when used), so the user's code that calls them compiles and the build shows the spec's own
/// diagnostics instead of a cascade of "no such member" errors. <paramref name="Omitted"/> are members the user
/// declared with generated names (reported as MSPEC112), left out so the stub does not clash with them.
/// </summary>
internal sealed record StubSpec(TypeSpec Type, EquatableArray<string> Omitted);
