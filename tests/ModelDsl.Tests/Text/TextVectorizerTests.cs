using ModelDsl.Text;

namespace ModelDsl.Tests.Text;

/// <summary>
/// Keras TextVectorization: vocabulary by count descending, ties by token descending
/// (IndexLookup.finalize_state: np.lexsort((tokens, counts))[::-1]), then "" = 0 and [UNK] = 1 in front.
/// </summary>
public class TextVectorizerTests
{
    private static readonly string[] Texts =
    [
        "The cat sat on the mat.",
        "The dog ate my homework!",
        "A cat, a dog: friends?",
        "Don't stop-believing; the END.",
    ];

    [Fact]
    public void Adapt_VocabularyByCountThenTokenDescending()
    {
        var vectorizer = new TextVectorizer();
        vectorizer.Adapt(Texts);
        Assert.Equal(
            ["", "[UNK]", "the", "dog", "cat", "a", "stopbelieving", "sat", "on", "my", "mat", "homework", "friends", "end", "dont", "ate"],
            vectorizer.Vocabulary);
        Assert.Equal(16, vectorizer.VocabularySize);
        Assert.Equal(4, vectorizer.Index["cat"]);
    }

    [Fact]
    public void MaxTokens_CountsPaddingAndUnknown()
    {
        var vectorizer = new TextVectorizer(maxTokens: 6, outputSequenceLength: 7);
        vectorizer.Adapt(Texts);
        Assert.Equal(["", "[UNK]", "the", "dog", "cat", "a"], vectorizer.Vocabulary);
        Assert.Equal([2, 4, 1, 2, 1, 0, 0], vectorizer.Vectorize("The cat ate the homework"));
    }

    [Fact]
    public void OutputSequenceLength_PadsAndTruncatesAtTheEnd()
    {
        var padded = new TextVectorizer(outputSequenceLength: 7);
        padded.Adapt(Texts);
        Assert.Equal([2, 4, 15, 2, 11, 0, 0], padded.Vectorize("The cat ate the homework"));

        var truncated = new TextVectorizer(outputSequenceLength: 3);
        truncated.Adapt(Texts);
        Assert.Equal([2, 4, 15], truncated.Vectorize("The cat ate the homework"));

        var ragged = new TextVectorizer();
        ragged.Adapt(Texts);
        int[][] batch = ragged.Vectorize(["zebra dog", "the", ""]);
        Assert.Equal([1, 3], batch[0]);
        Assert.Equal([2, 0], batch[1]);
        Assert.Equal([0, 0], batch[2]);
    }

    [Fact]
    public void Standardize_LowersAsciiOnly_StripsPunctuationIncludingApostrophe()
    {
        var vectorizer = new TextVectorizer();
        Assert.Equal("ÉtÉ dont stopbelieving", vectorizer.Standardize("ÉTÉ Don't stop-believing!"));
        Assert.Equal(["a", "b", "c"], vectorizer.Tokenize("  a\tb\r\n\vc  "));
        Assert.Equal("Don't", new TextVectorizer(standardize: TextStandardization.None).Standardize("Don't"));
    }

    [Fact]
    public void Adapt_TieOrderIsCodePointOrder_NotUtf16()
    {
        // U+FF21 sorts below U+1F600 by code point (as in UTF-8 bytes) but above its surrogates in UTF-16 order.
        var vectorizer = new TextVectorizer(standardize: TextStandardization.None);
        vectorizer.Adapt(["\uFF21 \U0001F600 b"]);
        Assert.Equal(["", "[UNK]", "\U0001F600", "\uFF21", "b"], vectorizer.Vocabulary);
    }
}
