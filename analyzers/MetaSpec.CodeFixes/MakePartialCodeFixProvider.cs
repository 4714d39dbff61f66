using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MetaSpec.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MetaSpec.CodeFixes;

/// <summary>
/// Fixes the generator's MSPEC101 ("spec class must be partial") by adding <c>partial</c> to the declaration it
/// points at (the spec class or an enclosing one). The generator owns the diagnostic, because it is what stops
/// generation and must appear even where analyzers are off; this fix is the user-facing half, so nothing is
/// reported twice. A generic spec class is not offered the fix: partial alone would not help.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFixProvider)), Shared]
public sealed class MakePartialCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.GeneratorNotPartial);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            var declaration = root?.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.FirstAncestorOrSelf<TypeDeclarationSyntax>();
            if (declaration is null || declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) continue;
            context.RegisterCodeFix(
                CodeAction.Create($"Make '{declaration.Identifier.ValueText}' partial", c => MakePartial(context.Document, declaration, c), nameof(MakePartialCodeFixProvider)),
                diagnostic);
        }
    }

    private static async Task<Document> MakePartial(Document document, TypeDeclarationSyntax declaration, CancellationToken cancellation)
    {
        var root = await document.GetSyntaxRootAsync(cancellation).ConfigureAwait(false);
        // 'partial' goes last among the modifiers, right before the keyword, as C# requires.
        TypeDeclarationSyntax updated;
        if (declaration.Modifiers.Count == 0)
        {
            var keyword = declaration.Keyword;
            updated = declaration
                .WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.Space))
                .WithModifiers(SyntaxFactory.TokenList(SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList())));
        }
        else
        {
            updated = declaration.WithModifiers(declaration.Modifiers.Add(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space)));
        }
        return document.WithSyntaxRoot(root!.ReplaceNode(declaration, updated));
    }
}
