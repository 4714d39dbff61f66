using System.Collections.Immutable;
using System.Composition;
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
/// MSPEC001: sets [InnerProblem]'s StepSize to c/(N·L), floored to three significant digits. The analyzer
/// computes the literal (it knows c from .editorconfig) and passes it in the diagnostic's properties, so the
/// fix and the rule cannot disagree.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(StepSizeCodeFixProvider)), Shared]
public sealed class StepSizeCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIdentifiers.StepSizeTooLarge);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(StepSizeAnalyzer.SuggestedStepSizeProperty, out string? literal) || literal is null) continue;
            var node = root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            var attribute = node?.FirstAncestorOrSelf<AttributeSyntax>();
            if (attribute is null) continue;
            context.RegisterCodeFix(
                CodeAction.Create($"Set StepSize = {literal}", c => SetStepSize(context.Document, attribute, literal, c), nameof(StepSizeCodeFixProvider)),
                diagnostic);
        }
    }

    private static async Task<Document> SetStepSize(Document document, AttributeSyntax attribute, string literal, CancellationToken cancellation)
    {
        var root = await document.GetSyntaxRootAsync(cancellation).ConfigureAwait(false);
        var value = SyntaxFactory.ParseExpression(literal);
        var list = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
        AttributeArgumentSyntax? existing = null;
        foreach (var argument in list.Arguments)
            if (argument.NameEquals?.Name.Identifier.ValueText == "StepSize") existing = argument;
        var updated = existing is not null
            ? list.ReplaceNode(existing, existing.WithExpression(value.WithTriviaFrom(existing.Expression)))
            : list.AddArguments(SyntaxFactory.AttributeArgument(SyntaxFactory.NameEquals("StepSize"), null, value));
        return document.WithSyntaxRoot(root!.ReplaceNode(attribute, attribute.WithArgumentList(updated)));
    }
}
