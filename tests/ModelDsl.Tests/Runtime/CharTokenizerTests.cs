using ModelDsl.Text;
using Xunit;

namespace ModelDsl.Tests.Runtime;

public sealed class CharTokenizerTests
{
    [Fact]
    public void VocabularyIsTheSortedDistinctCharactersAsInPython()
    {
        // sorted(list(set("hello world\n"))) == ['\n', ' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']
        var tokenizer = CharTokenizer.FromText("hello world\n");
        Assert.Equal("\n dehlorw", new string(tokenizer.Characters.ToArray()));
        Assert.Equal(9, tokenizer.Size);
        Assert.Equal('h', tokenizer[4]);
        Assert.Equal(4, tokenizer.Encode('h'));
    }

    [Fact]
    public void OrderIsOrdinalNotCultural()
    {
        var tokenizer = CharTokenizer.FromText("béaBA_\u00e9z");
        Assert.Equal("AB_abz\u00e9", new string(tokenizer.Characters.ToArray()));
    }

    [Fact]
    public void EncodeDecodeRoundTrips()
    {
        const string text = "the quick brown fox\r\n\tjumps";
        var tokenizer = CharTokenizer.FromText(text);
        int[] ids = tokenizer.Encode(text);
        Assert.All(ids, id => Assert.InRange(id, 0, tokenizer.Size - 1));
        Assert.Equal(text, tokenizer.Decode(ids));

        string longText = string.Concat(Enumerable.Repeat(text, 200));
        Assert.Equal(longText, tokenizer.Decode(tokenizer.Encode(longText)));
    }

    [Fact]
    public void UnknownCharacterErrorNamesTheCharacterCodePointAndPosition()
    {
        var tokenizer = CharTokenizer.FromText("abc");
        var error = Assert.Throws<ArgumentException>(() => tokenizer.Encode("abXc"));
        Assert.Contains("'X'", error.Message);
        Assert.Contains("U+0058", error.Message);
        Assert.Contains("position 2", error.Message);

        var single = Assert.Throws<ArgumentException>(() => tokenizer.Encode('\u2603'));
        Assert.Contains("U+2603", single.Message);

        Assert.False(tokenizer.TryEncode('z', out _));
        Assert.False(tokenizer.TryEncode('\uFFFF', out _));
        Assert.True(tokenizer.TryEncode('b', out int id));
        Assert.Equal(1, id);
    }

    [Fact]
    public void DecodeAndIndexerRejectIdsOutsideTheVocabulary()
    {
        var tokenizer = CharTokenizer.FromText("ab");
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([0, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([-1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer[2]);
    }

    [Fact]
    public void JsonRoundTripsEveryCharacterIncludingControlsAndLoneSurrogates()
    {
        string text = "\0\u0001\t\n\r \"\\/aZ\u007f\u0085\u00e9\u2028\u2029\ud800\udbff\udc00\udfff\ue000\ufeff\uffff";
        var tokenizer = CharTokenizer.FromText(text);
        string json = tokenizer.ToJson();
        var restored = CharTokenizer.FromJson(json);
        Assert.Equal(tokenizer.Characters, restored.Characters);
        Assert.Equal(text.Length, restored.Size);
        Assert.Equal(tokenizer.Encode(text), restored.Encode(text));
        // The JSON itself is plain ASCII and parses with a standard parser.
        Assert.All(json, c => Assert.InRange(c, ' ', '~'));
        using var document = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(text.Length, document.RootElement.GetProperty("characters").GetArrayLength());
    }

    [Fact]
    public void JsonAcceptsTheCharactersAsOneString()
    {
        var tokenizer = CharTokenizer.FromJson("""{"characters":"\n abc"}""");
        Assert.Equal("\n abc", new string(tokenizer.Characters.ToArray()));
    }

    [Theory]
    [InlineData("""{"characters":["b","a"]}""")]
    [InlineData("""{"characters":["a","a"]}""")]
    [InlineData("""{"characters":["ab"]}""")]
    [InlineData("""{"vocabulary":["a"]}""")]
    [InlineData("""["a"]""")]
    [InlineData("""{"characters":[1]}""")]
    [InlineData("""{"characters":["a"}""")]
    public void MalformedJsonIsAFormatException(string json)
    {
        Assert.Throws<FormatException>(() => CharTokenizer.FromJson(json));
    }

    [Fact]
    public void EmptyTextGivesAnEmptyVocabulary()
    {
        var tokenizer = CharTokenizer.FromText("");
        Assert.Equal(0, tokenizer.Size);
        Assert.Equal(0, CharTokenizer.FromJson(tokenizer.ToJson()).Size);
    }
}
