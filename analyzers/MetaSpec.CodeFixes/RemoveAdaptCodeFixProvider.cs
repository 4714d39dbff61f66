using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using MetaSpec.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MetaSpec.CodeFixes;

/// <summary>
/// MSPEC005/MSPEC006: removes an [Adapt] that marks nothing adaptable (the attribute list too when it held only
/// that attribute). Which layer should adapt instead is the user's decision; the fix only removes the mistake.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveAdaptCodeFixProvider)), Shared]
public sealed class RemoveAdaptCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(RuleIdentifiers.AdaptOnNonLayer, RuleIdentifiers.AdaptedLayerWithoutParameters);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true)?.FirstAncestorOrSelf<AttributeSyntax>() is not { } attribute) continue;
            context.RegisterCodeFix(
                CodeAction.Create("Remove [Adapt]", c => Remove(context.Document, attribute, c), nameof(RemoveAdaptCodeFixProvider)),
                diagnostic);
        }
    }

    private static async Task<Document> Remove(Document document, AttributeSyntax attribute, CancellationToken cancellation)
    {
        var root = await document.GetSyntaxRootAsync(cancellation).ConfigureAwait(false);
        if (attribute.Parent is AttributeListSyntax { Attributes.Count: 1, Parent: MemberDeclarationSyntax member } list)
        {
            // The list goes with its own spacing; the member keeps the list's leading trivia (indentation, comments).
            var updated = member.RemoveNode(list, SyntaxRemoveOptions.KeepNoTrivia)!;
            if (member.AttributeLists.IndexOf(list) == 0) updated = updated.WithLeadingTrivia(list.GetLeadingTrivia());
            return document.WithSyntaxRoot(root!.ReplaceNode(member, updated));
        }
        return document.WithSyntaxRoot(root!.RemoveNode(attribute, SyntaxRemoveOptions.KeepNoTrivia)!);
    }
}
