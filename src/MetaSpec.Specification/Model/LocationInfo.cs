using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace MetaSpec.Specification;

/// <summary>
/// Where a spec element is written, as plain values. A <see cref="Location"/> holds its syntax tree, which
/// changes with every edit and would keep the pipeline's models from ever comparing equal.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(SyntaxNode? node) => From(node?.GetLocation());

    public static LocationInfo? From(Location? location) =>
        location?.SourceTree is null ? null : new(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
}
