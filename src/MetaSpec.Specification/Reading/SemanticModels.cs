using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;

namespace MetaSpec.Specification;

/// <summary>
/// One semantic model per syntax tree of a compilation, created on first use. The readers need a tree's semantic
/// model only to see a layer's <c>new(...)</c> as an operation (its arguments with the defaults filled in); asking
/// the compilation for a fresh one per field would rebuild the binder state each time.
/// </summary>
internal sealed class SemanticModels
{
    private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _models = new();

    public SemanticModels(Compilation compilation, SemanticModel? known = null)
    {
        Compilation = compilation;
        if (known is not null) _models[known.SyntaxTree] = known;
    }

    public Compilation Compilation { get; }

    public SemanticModel For(SyntaxTree tree) => _models.GetOrAdd(tree, t => Compilation.GetSemanticModel(t));
}
