using ModelDsl.Data;

namespace ModelDsl.Tests.Data;

public class PairVocabularyTests
{
    [Fact]
    public void Char_ReservedIdsThenFirstAppearance()
    {
        var vocabulary = PairVocabulary.Build(["hello", "world"], TokenLevel.Char);

        Assert.Equal(["<pad>", "<start>", "<end>", "<unk>"], Enumerable.Range(0, 4).Select(vocabulary.Token));
        Assert.Equal("helowrd", string.Concat(Enumerable.Range(4, vocabulary.Size - 4).Select(vocabulary.Token)));
        Assert.Equal(11, vocabulary.Size);
        Assert.Equal(4, vocabulary.Id("h"));
        Assert.Equal(7, vocabulary.Id("o"));
        Assert.Equal(PairVocabulary.UnknownId, vocabulary.Id("z"));
        Assert.False(vocabulary.Contains("z"));
        Assert.Throws<ArgumentOutOfRangeException>(() => vocabulary.Token(11));
    }

    [Fact]
    public void Word_SplitsOnWhiteSpace()
    {
        var vocabulary = PairVocabulary.Build(["the cat  sat", "\tthe dog\n"], TokenLevel.Word);
        Assert.Equal(["the", "cat", "sat", "dog"], Enumerable.Range(4, vocabulary.Size - 4).Select(vocabulary.Token));
        Assert.Equal(["the", "dog"], vocabulary.Tokenize(" the  dog "));
    }

    [Fact]
    public void Encode_PadsWithZero_AndAddsStartEnd()
    {
        var vocabulary = PairVocabulary.Build(["abc"], TokenLevel.Char);
        Assert.Equal([4, 5, 6, 0, 0], vocabulary.Encode("abc", 5));
        Assert.Equal([1, 4, 5, 6, 2, 0], vocabulary.Encode("abc", 6, addStartEnd: true));
        Assert.Equal([6, 3, 4, 0], vocabulary.Encode("cxa", 4)); // x is unknown
        Assert.Equal(5, vocabulary.EncodedLength("abc", addStart: true, addEnd: true));
    }

    [Fact]
    public void Encode_TooLong_IsRefusedNamingBothLengths()
    {
        var vocabulary = PairVocabulary.Build(["abc"], TokenLevel.Char);
        var error = Assert.Throws<ArgumentException>(() => vocabulary.Encode("abc", 4, addStartEnd: true));
        Assert.Contains("encodes to 5 ids with the start and end ids", error.Message);
        Assert.Contains("longer than the length 4", error.Message);
        Assert.Equal([4, 5, 6], vocabulary.Encode("abc", 3)); // exactly fits
    }

    [Theory]
    [InlineData(TokenLevel.Char, "Va !")]
    [InlineData(TokenLevel.Word, "je suis là")]
    public void EncodeDecode_RoundTrip(TokenLevel level, string text)
    {
        var vocabulary = PairVocabulary.Build(["Va !", "je suis là", "Salut !"], level);
        int[] ids = vocabulary.Encode(text, 20, addStartEnd: true);
        Assert.Equal(text, vocabulary.Decode(ids));
    }

    [Fact]
    public void Decode_StopsAtEnd_SkipsStartAndPadding_ShowsUnknown()
    {
        var vocabulary = PairVocabulary.Build(["the cat sat"], TokenLevel.Word);
        Assert.Equal("the <unk> cat", vocabulary.Decode([1, 4, 0, 3, 5, 2, 6, 6]));
        Assert.Equal("the cat sat", vocabulary.Decode([4, 5, 6]));
        Assert.Throws<ArgumentOutOfRangeException>(() => vocabulary.Decode([4, 7]));
    }

    [Fact]
    public void Build_IsDeterministic()
    {
        string[] texts = ["zyx", "abc", "xaq"];
        var first = PairVocabulary.Build(texts, TokenLevel.Char);
        var second = PairVocabulary.Build(texts, TokenLevel.Char);
        Assert.Equal(Enumerable.Range(0, first.Size).Select(first.Token), Enumerable.Range(0, second.Size).Select(second.Token));
        Assert.Equal("zyxabcq", string.Concat(Enumerable.Range(4, first.Size - 4).Select(first.Token)));
    }
}
