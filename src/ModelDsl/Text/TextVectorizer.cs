using System.Text;

namespace ModelDsl.Text;

/// <summary>
/// Word vectorizer with the behaviour of Keras's <c>TextVectorization</c> layer (Keras 2.6+ and 3) in
/// <c>output_mode="int"</c>: standardize, split on whitespace, look each token up in a vocabulary learnt by
/// <see cref="Adapt"/>, where index 0 is padding (<c>""</c>) and 1 is <c>[UNK]</c>.
/// </summary>
/// <remarks>
/// <see cref="Adapt"/> orders the vocabulary as Keras's <c>IndexLookup.finalize_state</c> does:
/// <c>np.lexsort((tokens, counts))[::-1]</c>, i.e. by count descending and, among equal counts, by token
/// descending (byte order of UTF-8, which is Unicode code-point order). Lower-casing touches ASCII letters only,
/// because Keras calls <c>tf.strings.lower</c> without an encoding; splitting is on runs of ASCII whitespace
/// (space, \t, \n, \v, \f, \r), as <c>tf.strings.split</c> does.
/// </remarks>
public sealed class TextVectorizer
{
    /// <summary>The padding token, index 0.</summary>
    public const string PaddingToken = "";

    /// <summary>The out-of-vocabulary token, index 1.</summary>
    public const string UnknownToken = "[UNK]";

    /// <summary>Characters removed by punctuation stripping: Keras's regex <c>[!"#$%&amp;()\*\+,-\./:;&lt;=&gt;?@\[\\\]^_`{|}~']</c>.</summary>
    public const string StrippedPunctuation = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~'";

    private readonly List<string> _vocabulary = [PaddingToken, UnknownToken];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal) { [PaddingToken] = 0, [UnknownToken] = 1 };

    /// <param name="maxTokens">Largest vocabulary, padding and [UNK] included (Keras <c>max_tokens</c>); null: no limit.</param>
    /// <param name="outputSequenceLength">Length every output is padded (with 0, at the end) or truncated (at the end) to; null: none.</param>
    public TextVectorizer(int? maxTokens = null, int? outputSequenceLength = null,
        TextStandardization standardize = TextStandardization.LowerAndStripPunctuation)
    {
        if (maxTokens is <= 1)
            throw new ArgumentOutOfRangeException(nameof(maxTokens), maxTokens, "maxTokens counts the padding and [UNK] tokens, so it must be at least 2 (or null).");
        if (outputSequenceLength is <= 0)
            throw new ArgumentOutOfRangeException(nameof(outputSequenceLength), outputSequenceLength, "outputSequenceLength must be positive (or null).");
        MaxTokens = maxTokens;
        OutputSequenceLength = outputSequenceLength;
        Standardization = standardize;
    }

    public int? MaxTokens { get; }

    public int? OutputSequenceLength { get; }

    public TextStandardization Standardization { get; }

    /// <summary>The vocabulary in index order, padding and [UNK] first (Keras <c>get_vocabulary()</c>).</summary>
    public IReadOnlyList<string> Vocabulary => _vocabulary;

    /// <summary>Token → index, padding and [UNK] included.</summary>
    public IReadOnlyDictionary<string, int> Index => _index;

    /// <summary>Keras <c>vocabulary_size()</c>: the rows an embedding of these ids needs.</summary>
    public int VocabularySize => _vocabulary.Count;

    /// <summary>Learns the vocabulary of <paramref name="texts"/>, replacing any earlier one (Keras <c>adapt</c>).</summary>
    public void Adapt(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string text in texts)
        {
            foreach (string token in Tokenize(text))
                counts[token] = counts.GetValueOrDefault(token) + 1;
        }
        // finalize_state removes the special tokens from the counts.
        counts.Remove(PaddingToken);
        counts.Remove(UnknownToken);

        var sorted = counts
            .Select(pair => (Token: pair.Key, Utf8: Encoding.UTF8.GetBytes(pair.Key), Count: pair.Value))
            .ToList();
        sorted.Sort((a, b) =>
        {
            int byCount = b.Count.CompareTo(a.Count);
            return byCount != 0 ? byCount : b.Utf8.AsSpan().SequenceCompareTo(a.Utf8);
        });
        int learned = MaxTokens is int max ? Math.Min(max - 2, sorted.Count) : sorted.Count;

        _vocabulary.RemoveRange(2, _vocabulary.Count - 2);
        _index.Clear();
        _index[PaddingToken] = 0;
        _index[UnknownToken] = 1;
        for (int i = 0; i < learned; i++)
        {
            _index[sorted[i].Token] = _vocabulary.Count;
            _vocabulary.Add(sorted[i].Token);
        }
    }

    /// <summary>The standardize step alone.</summary>
    public string Standardize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        bool lower = Standardization is TextStandardization.Lower or TextStandardization.LowerAndStripPunctuation;
        bool strip = Standardization is TextStandardization.StripPunctuation or TextStandardization.LowerAndStripPunctuation;
        var result = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (strip && StrippedPunctuation.Contains(c)) continue;
            result.Append(lower && c is >= 'A' and <= 'Z' ? (char)(c + ('a' - 'A')) : c);
        }
        return result.ToString();
    }

    /// <summary>Standardize, then split on runs of ASCII whitespace (leading and trailing whitespace gives no token).</summary>
    public string[] Tokenize(string text) =>
        Standardize(text).Split(AsciiWhitespace, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// The ids of <paramref name="text"/>: unknown tokens become 1; padded with 0 or truncated at the end to
    /// <see cref="OutputSequenceLength"/> when it is set.
    /// </summary>
    public int[] Vectorize(string text)
    {
        string[] tokens = Tokenize(text);
        int length = OutputSequenceLength ?? tokens.Length;
        var ids = new int[length];
        for (int i = 0; i < Math.Min(length, tokens.Length); i++)
            ids[i] = _index.TryGetValue(tokens[i], out int id) ? id : 1;
        return ids;
    }

    /// <summary>
    /// <see cref="Vectorize(string)"/> for a batch: rows of <see cref="OutputSequenceLength"/>, or, without one, of the
    /// batch's longest, padded with 0 at the end (Keras pads its ragged result to the bounding shape).
    /// </summary>
    public int[][] Vectorize(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var rows = texts.Select(Vectorize).ToArray();
        if (OutputSequenceLength is not null || rows.Length == 0) return rows;
        int longest = rows.Max(row => row.Length);
        for (int i = 0; i < rows.Length; i++)
        {
            if (rows[i].Length < longest) Array.Resize(ref rows[i], longest);
        }
        return rows;
    }

    private static readonly char[] AsciiWhitespace = [' ', '\t', '\n', '\v', '\f', '\r'];
}
