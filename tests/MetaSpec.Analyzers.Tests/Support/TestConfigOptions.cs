using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MetaSpec.Analyzers.Tests.Support;

/// <summary>
/// .editorconfig settings as the compiler hands them to analyzers: the same key/value pairs for every file (what a
/// <c>[*.cs]</c> section gives), or only globally (a global analyzer config).
/// </summary>
internal sealed class TestConfigOptionsProvider(IReadOnlyDictionary<string, string> fileOptions, IReadOnlyDictionary<string, string>? globalOptions = null)
    : AnalyzerConfigOptionsProvider
{
    private readonly TestConfigOptions _file = new(fileOptions);

    public override AnalyzerConfigOptions GlobalOptions { get; } = new TestConfigOptions(globalOptions ?? new Dictionary<string, string>());

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => _file;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _file;

    private sealed class TestConfigOptions(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);

        public override IEnumerable<string> Keys => values.Keys;
    }

    public static AnalyzerOptions Options(IReadOnlyDictionary<string, string>? file = null, IReadOnlyDictionary<string, string>? global = null) =>
        new([], new TestConfigOptionsProvider(file ?? new Dictionary<string, string>(), global));
}
