namespace ModelDsl.Data;

/// <summary>Which characters end a line of a labelled-text file.</summary>
public enum LineEnds
{
    /// <summary>
    /// LF, CRLF and CR: Python's universal newlines, what <c>open(path)</c> and <c>for line in f</c> give the Keras seeds.
    /// NEL (U+0085), U+2028 and U+2029 stay inside the sentence.
    /// </summary>
    Universal,

    /// <summary>
    /// Also NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR (U+2029), as Python's <c>str.splitlines</c>
    /// and <see cref="Text.TextNormalization.ReadCorpus"/> do. Wrong for imdb_labelled.txt, whose two NELs are
    /// Windows-1252 ellipses inside sentences.
    /// </summary>
    Unicode,
}
