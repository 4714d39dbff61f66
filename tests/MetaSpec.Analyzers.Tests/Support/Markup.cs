using Microsoft.CodeAnalysis.Text;

namespace MetaSpec.Analyzers.Tests.Support;

/// <summary>An expected diagnostic: its ID (null: the test's default ID) and where it points.</summary>
internal readonly record struct ExpectedDiagnostic(string? Id, TextSpan Span);

/// <summary>
/// Test sources mark expected diagnostics in place: <c>[|span|]</c> for the rule under test, <c>{|MSPEC001:span|}</c>
/// for a named ID. Markers do not nest; <see cref="Parse"/> returns the plain source and the marked spans.
/// </summary>
internal static class Markup
{
    public static (string Source, List<ExpectedDiagnostic> Expected) Parse(string marked)
    {
        var text = new System.Text.StringBuilder(marked.Length);
        var expected = new List<ExpectedDiagnostic>();
        int i = 0;
        while (i < marked.Length)
        {
            if (At(marked, i, "[|"))
            {
                int end = marked.IndexOf("|]", i + 2, StringComparison.Ordinal);
                Close(null, marked.Substring(i + 2, end - i - 2));
                i = end + 2;
            }
            else if (At(marked, i, "{|"))
            {
                int colon = marked.IndexOf(':', i + 2);
                int end = marked.IndexOf("|}", colon, StringComparison.Ordinal);
                Close(marked.Substring(i + 2, colon - i - 2), marked.Substring(colon + 1, end - colon - 1));
                i = end + 2;
            }
            else
            {
                text.Append(marked[i++]);
            }
        }
        return (text.ToString(), expected);

        void Close(string? id, string content)
        {
            expected.Add(new ExpectedDiagnostic(id, new TextSpan(text.Length, content.Length)));
            text.Append(content);
        }
    }

    private static bool At(string text, int index, string token) => string.CompareOrdinal(text, index, token, 0, token.Length) == 0;
}
