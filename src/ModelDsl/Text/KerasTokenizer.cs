using System.Text;

namespace ModelDsl.Text;

/// <summary>
/// Word tokenizer with the behaviour of Keras 2's <c>keras.preprocessing.text.Tokenizer</c> (word level):
/// lower-case, replace every filter character by the separator, split, drop empty words; index words from 1
/// by count, most frequent first, ties in first-seen order; 0 is never a word's index.
/// </summary>
/// <remarks>
/// Lower-casing is <see cref="string.ToLowerInvariant()"/>: simple case mapping, equal to Python's
/// <c>str.lower</c> except on a few characters it maps to two (U+0130, İ). <c>char_level</c> is not offered:
/// <see cref="CharTokenizer"/> is the character vocabulary.
/// </remarks>
public sealed class KerasTokenizer
{
    private readonly OrderedDictionary<string, int> _wordCounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _wordDocs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _wordIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _indexWord = new();
    private readonly HashSet<char> _filters;
    private readonly HashSet<char> _punctuation;

    public KerasTokenizer(KerasTokenizerOptions? options = null)
    {
        Options = options ?? new KerasTokenizerOptions();
        ArgumentNullException.ThrowIfNull(Options.Filters, "options.Filters");
        ArgumentNullException.ThrowIfNull(Options.Punctuation, "options.Punctuation");
        ArgumentException.ThrowIfNullOrEmpty(Options.Split, "options.Split");
        if (Options.NumWords is < 0)
            throw new ArgumentOutOfRangeException(nameof(options), Options.NumWords, "NumWords must be null, 0 (no limit) or positive.");
        _punctuation = Options.PunctuationAsTokens ? [.. Options.Punctuation] : [];
        _filters = [.. Options.Filters.Where(c => !_punctuation.Contains(c))];
    }

    public KerasTokenizerOptions Options { get; }

    /// <summary>Texts seen by <see cref="FitOnTexts"/> so far (Keras <c>document_count</c>).</summary>
    public int DocumentCount { get; private set; }

    /// <summary>Occurrences of each word, in first-seen order (Keras <c>word_counts</c>, an OrderedDict).</summary>
    public IReadOnlyDictionary<string, int> WordCounts => _wordCounts;

    /// <summary>Number of texts each word occurs in (Keras <c>word_docs</c>).</summary>
    public IReadOnlyDictionary<string, int> WordDocs => _wordDocs;

    /// <summary>Word → index, from 1, the OOV token first when there is one (Keras <c>word_index</c>).</summary>
    public IReadOnlyDictionary<string, int> WordIndex => _wordIndex;

    /// <summary>Index → word (Keras <c>index_word</c>).</summary>
    public IReadOnlyDictionary<int, string> IndexWord => _indexWord;

    /// <summary>
    /// Rows an embedding of this tokenizer's ids needs: <see cref="KerasTokenizerOptions.NumWords"/> when set,
    /// else the largest index plus one (row 0 being padding).
    /// </summary>
    public int SequenceVocabularySize => Options.NumWords is > 0 and int n ? n : _indexWord.Count == 0 ? 1 : _indexWord.Keys.Max() + 1;

    /// <summary>Keras <c>text_to_word_sequence</c> with these options (and the punctuation spacing rule when enabled).</summary>
    public List<string> TextToWordSequence(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Options.Lower) text = text.ToLowerInvariant();
        var translated = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (_punctuation.Contains(c)) translated.Append(Options.Split).Append(c).Append(Options.Split);
            else if (_filters.Contains(c)) translated.Append(Options.Split);
            else translated.Append(c);
        }
        var words = new List<string>();
        foreach (string word in translated.ToString().Split(Options.Split, StringSplitOptions.None))
        {
            if (word.Length > 0) words.Add(word);
        }
        return words;
    }

    /// <summary>
    /// Counts the words of <paramref name="texts"/> and rebuilds the index (Keras <c>fit_on_texts</c>); may be
    /// called again to add texts.
    /// </summary>
    public void FitOnTexts(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        foreach (string text in texts)
        {
            DocumentCount++;
            var words = TextToWordSequence(text);
            foreach (string word in words)
                _wordCounts[word] = _wordCounts.TryGetValue(word, out int count) ? count + 1 : 1;
            foreach (string word in new HashSet<string>(words, StringComparer.Ordinal))
                _wordDocs[word] = _wordDocs.GetValueOrDefault(word) + 1;
        }

        // Python's sort(key=count, reverse=True) is stable: ties keep their first-seen order, as OrderByDescending does.
        var sorted = new List<string>(_wordCounts.Count + 1);
        if (Options.OovToken is not null) sorted.Add(Options.OovToken);
        sorted.AddRange(_wordCounts.OrderByDescending(pair => pair.Value).Select(pair => pair.Key));

        // dict(zip(sorted_voc, range(1, ...))): a word listed twice (the OOV token also seen in the texts) keeps its later index,
        // while index_word keeps both indices.
        _wordIndex.Clear();
        for (int i = 0; i < sorted.Count; i++) _wordIndex[sorted[i]] = i + 1;
        _indexWord.Clear();
        foreach (var (word, index) in _wordIndex) _indexWord[index] = word;
    }

    /// <summary>
    /// The ids of the words of <paramref name="text"/> (Keras <c>texts_to_sequences</c>): unknown words and words of
    /// index ≥ <see cref="KerasTokenizerOptions.NumWords"/> become the OOV index, or are dropped without an OOV token.
    /// </summary>
    public int[] TextToSequence(string text)
    {
        int? oovIndex = OovIndex;
        int numWords = Options.NumWords ?? 0;
        var ids = new List<int>();
        foreach (string word in TextToWordSequence(text))
        {
            if (_wordIndex.TryGetValue(word, out int index))
            {
                if (numWords > 0 && index >= numWords)
                {
                    if (oovIndex is int oov) ids.Add(oov);
                }
                else
                {
                    ids.Add(index);
                }
            }
            else if (oovIndex is int oov)
            {
                ids.Add(oov);
            }
        }
        return [.. ids];
    }

    /// <summary><see cref="TextToSequence"/> for each text.</summary>
    public List<int[]> TextsToSequences(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return texts.Select(TextToSequence).ToList();
    }

    /// <summary>The words of <paramref name="ids"/> joined by spaces (Keras <c>sequences_to_texts</c>), with the same num_words and OOV rules.</summary>
    public string SequenceToText(ReadOnlySpan<int> ids)
    {
        int? oovIndex = OovIndex;
        int numWords = Options.NumWords ?? 0;
        var words = new List<string>(ids.Length);
        foreach (int id in ids)
        {
            if (_indexWord.TryGetValue(id, out string? word))
            {
                if (numWords > 0 && id >= numWords)
                {
                    if (oovIndex is int oov) words.Add(_indexWord[oov]);
                }
                else
                {
                    words.Add(word);
                }
            }
            else if (oovIndex is int oov)
            {
                words.Add(_indexWord[oov]);
            }
        }
        return string.Join(' ', words);
    }

    private int? OovIndex =>
        Options.OovToken is not null && _wordIndex.TryGetValue(Options.OovToken, out int index) ? index : null;
}
