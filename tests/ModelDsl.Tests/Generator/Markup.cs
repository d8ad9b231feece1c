using Microsoft.CodeAnalysis.Text;

namespace ModelDsl.Tests.Generator;

/// <summary>
/// Source with expected diagnostics marked inline: <c>{|MDSL0007:Lstm(0)|}</c> expects MDSL0007 spanning exactly <c>Lstm(0)</c>.
/// Markers do not nest.
/// </summary>
internal sealed record Markup(string Source, IReadOnlyList<(string Id, TextSpan Span)> Expected)
{
    public static Markup Parse(string marked)
    {
        var source = new System.Text.StringBuilder();
        var expected = new List<(string, TextSpan)>();
        var position = 0;
        while (true)
        {
            var open = marked.IndexOf("{|", position, StringComparison.Ordinal);
            if (open < 0)
            {
                source.Append(marked, position, marked.Length - position);
                break;
            }

            var colon = marked.IndexOf(':', open);
            var close = marked.IndexOf("|}", colon, StringComparison.Ordinal);
            if (colon < 0 || close < 0)
            {
                throw new FormatException("Unclosed marker at " + open + " in:\n" + marked);
            }

            source.Append(marked, position, open - position);
            var id = marked.Substring(open + 2, colon - open - 2);
            var start = source.Length;
            source.Append(marked, colon + 1, close - colon - 1);
            expected.Add((id, TextSpan.FromBounds(start, source.Length)));
            position = close + 2;
        }

        return new Markup(source.ToString(), expected);
    }
}
