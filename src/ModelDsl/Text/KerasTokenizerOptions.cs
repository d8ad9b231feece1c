namespace ModelDsl.Text;

/// <summary>Settings of <see cref="KerasTokenizer"/>; the defaults are those of Keras 2's <c>Tokenizer()</c>.</summary>
public sealed record KerasTokenizerOptions
{
    /// <summary>Keras's default <c>filters</c>: ASCII punctuation except the apostrophe, plus tab and line feed.</summary>
    public const string DefaultFilters = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n";

    /// <summary>The characters <see cref="PunctuationAsTokens"/> keeps as tokens: <see cref="DefaultFilters"/> less tab and line feed.</summary>
    public const string DefaultPunctuation = "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~";

    /// <summary>Characters replaced by <see cref="Split"/> before splitting (Keras <c>filters</c>).</summary>
    public string Filters { get; init; } = DefaultFilters;

    /// <summary>Lower-case the text first (Keras <c>lower</c>), with <see cref="string.ToLowerInvariant()"/>.</summary>
    public bool Lower { get; init; } = true;

    /// <summary>The separator (Keras <c>split</c>); runs of it give empty words, which are dropped.</summary>
    public string Split { get; init; } = " ";

    /// <summary>
    /// Keep only the words of index below this (Keras <c>num_words</c>: the <c>num_words - 1</c> most frequent,
    /// the OOV token included). Applies when texts become sequences; the index itself keeps every word.
    /// Null or 0: no limit.
    /// </summary>
    public int? NumWords { get; init; }

    /// <summary>A token given index 1 that stands for every dropped or unknown word (Keras <c>oov_token</c>); null: such words are dropped.</summary>
    public string? OovToken { get; init; }

    /// <summary>
    /// The word-level language model's spacing rule: each character of <see cref="Punctuation"/> is surrounded by
    /// <see cref="Split"/> and removed from <see cref="Filters"/>, so "end." gives the tokens "end" and ".".
    /// Equivalent to Keras on <c>re.sub(r'([p])', r' \1 ', text)</c> with filters that exclude those characters.
    /// </summary>
    public bool PunctuationAsTokens { get; init; }

    /// <summary>The characters kept as tokens by <see cref="PunctuationAsTokens"/>.</summary>
    public string Punctuation { get; init; } = DefaultPunctuation;
}
