namespace ModelDsl.Text;

/// <summary>Undoes a common mojibake: Windows-1252 text decoded as Latin-1, which turns its 0x80–0x9F punctuation into C1 control characters.</summary>
public static class Windows1252
{
    // Windows-1252 bytes 0x80–0x9F; the five it leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) stay as they are.
    private const string C1Replacements =
        "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F" +
        "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";

    /// <summary>
    /// Every C1 control character (U+0080–U+009F) replaced by the Windows-1252 character of the same byte value:
    /// U+0085 (NEL) becomes "…", U+0096 "–", U+0097 "—", U+0092 "’".
    /// </summary>
    public static string RepairC1Controls(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int first = text.AsSpan().IndexOfAnyInRange('\u0080', '\u009F');
        if (first < 0) return text;
        return string.Create(text.Length, text, static (span, source) =>
        {
            source.AsSpan().CopyTo(span);
            for (int i = 0; i < span.Length; i++)
            {
                if (span[i] is >= '\u0080' and <= '\u009F') span[i] = C1Replacements[span[i] - 0x80];
            }
        });
    }
}
