using System.Buffers;

namespace ModelDsl.Data;

/// <summary>
/// What the one-record-per-line readers (<see cref="LabelledText"/>, <see cref="SequencePairs"/>) share: a strict UTF-8
/// file, a leading byte-order mark dropped, lines split at <see cref="LineEnds"/>, blank lines skipped, and a bad line
/// either thrown (naming the line number and an excerpt) or collected.
/// </summary>
internal static class RecordLines
{
    /// <summary>Parses one line into a record, or returns why it is bad.</summary>
    public delegate string? LineParser(ReadOnlySpan<char> line, int lineNumber);

    /// <summary>The file's text, decoded strictly; <paramref name="what"/> names the kind of file in the not-found message.</summary>
    public static string ReadFile(string path, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{what} file not found: '{path}'.", path);
        var (chars, charsWritten, _) = ModelDsl.Text.TextNormalization.DecodeStrictUtf8(File.ReadAllBytes(path), $"'{path}'");
        return new string(chars, 0, charsWritten);
    }

    /// <summary>
    /// Calls <paramref name="parse"/> for every non-blank line; a bad line throws <see cref="InvalidDataException"/>
    /// unless <paramref name="skipBadLines"/>, then it joins <paramref name="badLines"/>. Returns the number of lines.
    /// </summary>
    public static int Parse(string text, LineEnds lineEnds, bool skipBadLines, string source, List<BadLine> badLines, LineParser parse)
    {
        ArgumentNullException.ThrowIfNull(text);
        ReadOnlySpan<char> rest = text.AsSpan();
        if (rest.StartsWith('\uFEFF')) rest = rest[1..];
        SearchValues<char> ends = lineEnds == LineEnds.Unicode ? UnicodeLineEnds : UniversalLineEnds;
        int lineNumber = 0;
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOfAny(ends);
            ReadOnlySpan<char> line = end < 0 ? rest : rest[..end];
            int next = end < 0 ? rest.Length : end + (rest[end] == '\r' && end + 1 < rest.Length && rest[end + 1] == '\n' ? 2 : 1);
            rest = rest[next..];
            lineNumber++;
            if (line.IsWhiteSpace()) continue;

            string? reason = parse(line, lineNumber);
            if (reason is null) continue;
            var bad = new BadLine(lineNumber, line.ToString(), reason);
            if (!skipBadLines)
                throw new InvalidDataException($"{source} line {lineNumber}: {reason}: \"{Shorten(bad.Text)}\".");
            badLines.Add(bad);
        }
        return lineNumber;
    }

    public static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";

    private static readonly SearchValues<char> UniversalLineEnds = SearchValues.Create("\n\r");
    private static readonly SearchValues<char> UnicodeLineEnds = SearchValues.Create("\n\r\u0085\u2028\u2029");
}
