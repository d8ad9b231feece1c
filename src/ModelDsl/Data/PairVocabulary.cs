namespace ModelDsl.Data;

/// <summary>
/// The vocabulary of one side (source or target) of a sequence-to-sequence task, characters or words, with four
/// reserved ids: <see cref="PaddingId"/> 0, <see cref="StartId"/> 1, <see cref="EndId"/> 2, <see cref="UnknownId"/> 3.
/// The other tokens follow from 4 in order of first appearance in the texts it was built from, so the same texts
/// always give the same ids.
/// </summary>
/// <remarks>
/// Keras's <c>lstm_seq2seq</c> marks start and end with the characters "\t" and "\n" and pads with " "; reserved ids
/// keep those characters free for the data and make padding id 0, what a masking embedding expects.
/// </remarks>
public sealed class PairVocabulary
{
    /// <summary>Fills an encoding after its end; id 0.</summary>
    public const int PaddingId = 0;
    /// <summary>The first decoder input (Keras's "\t"); id 1.</summary>
    public const int StartId = 1;
    /// <summary>Ends a target (Keras's "\n"); id 2.</summary>
    public const int EndId = 2;
    /// <summary>A token not seen when the vocabulary was built; id 3.</summary>
    public const int UnknownId = 3;
    /// <summary>Number of reserved ids; the first token of the texts gets this id.</summary>
    public const int ReservedCount = 4;

    private static readonly string[] ReservedTokens = ["<pad>", "<start>", "<end>", "<unk>"];

    private readonly List<string> _tokens;
    private readonly Dictionary<string, int> _ids;

    private PairVocabulary(TokenLevel level, List<string> tokens, Dictionary<string, int> ids)
    {
        Level = level;
        _tokens = tokens;
        _ids = ids;
    }

    /// <summary>The vocabulary of <paramref name="texts"/>: the reserved ids, then each token in order of first appearance.</summary>
    public static PairVocabulary Build(IEnumerable<string> texts, TokenLevel level)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (level is not (TokenLevel.Char or TokenLevel.Word))
            throw new ArgumentOutOfRangeException(nameof(level), level, "The level must be Char or Word.");
        var tokens = new List<string>(ReservedTokens);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string text in texts)
        {
            ArgumentNullException.ThrowIfNull(text, nameof(texts));
            foreach (string token in Tokenize(text, level))
            {
                if (ids.TryAdd(token, tokens.Count)) tokens.Add(token);
            }
        }
        return new PairVocabulary(level, tokens, ids);
    }

    /// <summary>Characters or words.</summary>
    public TokenLevel Level { get; }

    /// <summary>Number of ids, the reserved four included: the size of the embedding or one-hot input and of the softmax output.</summary>
    public int Size => _tokens.Count;

    /// <summary>The id of <paramref name="token"/>, or <see cref="UnknownId"/> when the texts did not hold it.</summary>
    /// <remarks>The reserved names ("&lt;pad&gt;", …) are not looked up: in the texts they are ordinary tokens.</remarks>
    public int Id(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _ids.TryGetValue(token, out int id) ? id : UnknownId;
    }

    /// <summary>Whether the texts the vocabulary was built from held <paramref name="token"/>.</summary>
    public bool Contains(string token) => _ids.ContainsKey(token);

    /// <summary>The token of <paramref name="id"/>; the reserved ids read "&lt;pad&gt;", "&lt;start&gt;", "&lt;end&gt;", "&lt;unk&gt;".</summary>
    public string Token(int id)
    {
        if ((uint)id >= (uint)_tokens.Count)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id must be in [0, {_tokens.Count}).");
        return _tokens[id];
    }

    /// <summary>The tokens of <paramref name="text"/> at this vocabulary's level.</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Tokenize(text, Level);
    }

    /// <summary>How many ids <paramref name="text"/> encodes to, with <paramref name="addStart"/> and <paramref name="addEnd"/> counted.</summary>
    public int EncodedLength(string text, bool addStart = false, bool addEnd = false) =>
        Tokenize(text).Count + (addStart ? 1 : 0) + (addEnd ? 1 : 0);

    /// <summary>
    /// The ids of <paramref name="text"/>, between <see cref="StartId"/> and <see cref="EndId"/> when
    /// <paramref name="addStartEnd"/>, padded with <see cref="PaddingId"/> to <paramref name="length"/>. A token not in
    /// the vocabulary becomes <see cref="UnknownId"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The encoding is longer than <paramref name="length"/>.</exception>
    public int[] Encode(string text, int length, bool addStartEnd = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var ids = new int[length];
        Encode(text, ids, addStartEnd, addStartEnd);
        return ids;
    }

    /// <summary>
    /// Writes the ids of <paramref name="text"/> into <paramref name="destination"/>, after <see cref="StartId"/> when
    /// <paramref name="addStart"/> and followed by <see cref="EndId"/> when <paramref name="addEnd"/>, and pads the rest
    /// with <see cref="PaddingId"/>: decoder inputs take the start alone, decoder targets the end alone.
    /// </summary>
    /// <exception cref="ArgumentException">The encoding is longer than <paramref name="destination"/>.</exception>
    public void Encode(string text, Span<int> destination, bool addStart, bool addEnd)
    {
        IReadOnlyList<string> tokens = Tokenize(text);
        int needed = tokens.Count + (addStart ? 1 : 0) + (addEnd ? 1 : 0);
        if (needed > destination.Length)
        {
            string marks = addStart && addEnd ? " with the start and end ids" : addStart ? " with the start id" : addEnd ? " with the end id" : "";
            throw new ArgumentException(
                $"The text \"{Shorten(text)}\" encodes to {needed} ids{marks} ({tokens.Count} {(Level == TokenLevel.Char ? "characters" : "words")}), " +
                $"longer than the length {destination.Length}; give a length of at least {needed} or shorten the text.", nameof(text));
        }
        int next = 0;
        if (addStart) destination[next++] = StartId;
        foreach (string token in tokens) destination[next++] = Id(token);
        if (addEnd) destination[next++] = EndId;
        destination[next..].Fill(PaddingId);
    }

    /// <summary>
    /// The text of <paramref name="ids"/>: stops at the first <see cref="EndId"/>, skips <see cref="StartId"/> and
    /// <see cref="PaddingId"/>, writes <see cref="UnknownId"/> as "&lt;unk&gt;"; words are joined by one space.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var tokens = new List<string>();
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)_tokens.Count)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id at position {i} must be in [0, {_tokens.Count}).");
            if (id == EndId) break;
            if (id is PaddingId or StartId) continue;
            tokens.Add(_tokens[id]);
        }
        return string.Join(Level == TokenLevel.Char ? "" : " ", tokens);
    }

    private static IReadOnlyList<string> Tokenize(string text, TokenLevel level) => level == TokenLevel.Char
        ? text.Select(c => c.ToString()).ToArray()
        : text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
