using ModelDsl.Text;

namespace ModelDsl.Tests.Text;

/// <summary>
/// Keras 2's Tokenizer on a fixed text. Expected values worked out by hand from keras_preprocessing/text.py
/// (and checked against a line-by-line Python transcription of it): counts the(4), then cat, dog, a (2 each, a tie
/// kept in first-seen order: Python's sort(reverse=True) is stable), then the words seen once, in first-seen order.
/// </summary>
public class KerasTokenizerTests
{
    private static readonly string[] Texts =
    [
        "The cat sat on the mat.",
        "The dog ate my homework!",
        "A cat, a dog: friends?",
        "Don't stop-believing; the END.",
    ];

    private static readonly string[] Queries = ["The cat ate the homework", "a zebra ate a dog"];

    [Fact]
    public void WordIndex_ByCountDescending_TiesInFirstSeenOrder()
    {
        var tokenizer = new KerasTokenizer();
        tokenizer.FitOnTexts(Texts);

        string[] expected =
            ["the", "cat", "dog", "a", "sat", "on", "mat", "ate", "my", "homework", "friends", "don't", "stop", "believing", "end"];
        Assert.Equal(expected.Length, tokenizer.WordIndex.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(i + 1, tokenizer.WordIndex[expected[i]]);
            Assert.Equal(expected[i], tokenizer.IndexWord[i + 1]);
        }
    }

    [Fact]
    public void Counts_Docs_DocumentCount()
    {
        var tokenizer = new KerasTokenizer();
        tokenizer.FitOnTexts(Texts);

        Assert.Equal(4, tokenizer.DocumentCount);
        Assert.Equal(
            ["the", "cat", "sat", "on", "mat", "dog", "ate", "my", "homework", "a", "friends", "don't", "stop", "believing", "end"],
            tokenizer.WordCounts.Keys);
        Assert.Equal(4, tokenizer.WordCounts["the"]);
        Assert.Equal(2, tokenizer.WordCounts["a"]);
        Assert.Equal(3, tokenizer.WordDocs["the"]);
        Assert.Equal(1, tokenizer.WordDocs["a"]);
        Assert.Equal(2, tokenizer.WordDocs["dog"]);
    }

    [Fact]
    public void TextsToSequences_DropsUnknownWords()
    {
        var tokenizer = new KerasTokenizer();
        tokenizer.FitOnTexts(Texts);

        var sequences = tokenizer.TextsToSequences(Queries);
        Assert.Equal([1, 2, 8, 1, 10], sequences[0]);
        Assert.Equal([4, 8, 4, 3], sequences[1]); // "zebra" dropped
        Assert.Equal("the cat ate the homework", tokenizer.SequenceToText(sequences[0]));
    }

    [Fact]
    public void NumWords_KeepsIndicesBelowIt_IndexKeepsEveryWord()
    {
        var tokenizer = new KerasTokenizer(new KerasTokenizerOptions { NumWords = 5 });
        tokenizer.FitOnTexts(Texts);

        Assert.Equal(15, tokenizer.WordIndex.Count);
        var sequences = tokenizer.TextsToSequences(Queries);
        Assert.Equal([1, 2, 1], sequences[0]);
        Assert.Equal([4, 4, 3], sequences[1]);
        Assert.Equal(5, tokenizer.SequenceVocabularySize);
    }

    [Fact]
    public void OovToken_TakesIndexOne_AndReplacesUnknownAndRareWords()
    {
        var tokenizer = new KerasTokenizer(new KerasTokenizerOptions { OovToken = "<OOV>" });
        tokenizer.FitOnTexts(Texts);
        Assert.Equal(1, tokenizer.WordIndex["<OOV>"]);
        Assert.Equal(2, tokenizer.WordIndex["the"]);
        Assert.Equal(5, tokenizer.WordIndex["a"]);
        Assert.Equal(16, tokenizer.WordIndex["end"]);
        var all = tokenizer.TextsToSequences(Queries);
        Assert.Equal([2, 3, 9, 2, 11], all[0]);
        Assert.Equal([5, 1, 9, 5, 4], all[1]);

        var limited = new KerasTokenizer(new KerasTokenizerOptions { OovToken = "<OOV>", NumWords = 5 });
        limited.FitOnTexts(Texts);
        var sequences = limited.TextsToSequences(Queries);
        Assert.Equal([2, 3, 1, 2, 1], sequences[0]);
        Assert.Equal([1, 1, 1, 1, 4], sequences[1]);
        Assert.Equal("<OOV> <OOV> <OOV> <OOV> dog", limited.SequenceToText(sequences[1]));
    }

    [Fact]
    public void TextToWordSequence_LowersFiltersAndDropsEmptyWords()
    {
        var tokenizer = new KerasTokenizer();
        Assert.Equal(["hello", "world", "it's", "a", "b"], tokenizer.TextToWordSequence("Hello,  World!\tIt's a\nb--"));

        var keepCase = new KerasTokenizer(new KerasTokenizerOptions { Lower = false, Filters = "", Split = "|" });
        Assert.Equal(["A b.", "C"], keepCase.TextToWordSequence("A b.||C|"));
    }

    [Fact]
    public void PunctuationAsTokens_SpacesPunctuationAndKeepsIt()
    {
        var tokenizer = new KerasTokenizer(new KerasTokenizerOptions { PunctuationAsTokens = true });
        Assert.Equal(["don't", "stop", "-", "believing", ";", "the", "end", "."], tokenizer.TextToWordSequence("Don't stop-believing; the END."));

        tokenizer.FitOnTexts(Texts);
        string[] expected =
        [
            "the", "cat", ".", "dog", "a", "sat", "on", "mat", "ate", "my", "homework", "!", ",", ":", "friends", "?",
            "don't", "stop", "-", "believing", ";", "end",
        ];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(i + 1, tokenizer.WordIndex[expected[i]]);
        Assert.Equal(expected.Length, tokenizer.WordIndex.Count);
        Assert.Equal([18, 3], tokenizer.TextToSequence("Stop."));
    }

    [Fact]
    public void FitOnTexts_Twice_Accumulates()
    {
        var once = new KerasTokenizer();
        once.FitOnTexts(Texts);
        var twice = new KerasTokenizer();
        twice.FitOnTexts(Texts[..2]);
        twice.FitOnTexts(Texts[2..]);
        Assert.Equal(once.WordIndex.OrderBy(p => p.Value), twice.WordIndex.OrderBy(p => p.Value));
        Assert.Equal(4, twice.DocumentCount);
    }

    [Fact]
    public void ImdbSentences_MatchKerasVocabularySize()
    {
        string? dir = TestData.Directory();
        if (dir is null) return; // the shared corpus is absent: nothing to compare with
        var data = ModelDsl.Data.LabelledText.Read(Path.Combine(dir, "imdb_labelled.txt"));
        var tokenizer = new KerasTokenizer();
        tokenizer.FitOnTexts(data.Sentences.Select(s => s.Sentence));

        // From a Python transcription of Keras's Tokenizer over the file read with open() (universal newlines).
        Assert.Equal(3131, tokenizer.WordIndex.Count);
        string[] top = ["the", "and", "a", "of", "is", "this", "i", "it", "to", "in", "was", "movie"];
        for (int i = 0; i < top.Length; i++) Assert.Equal(i + 1, tokenizer.WordIndex[top[i]]);

        var report = SequenceLengthReport.Of(tokenizer.TextsToSequences(data.Sentences.Select(s => s.Sentence)), 20);
        Assert.Equal((999, 750, 34, 215, 73), (report.Count, report.Padded, report.Exact, report.Truncated, report.LongestLength));
        Assert.Equal(14.488488488488489, report.AverageLength, 1e-12);
        Assert.Equal("maxlen 20: 750 padded, 34 exact, 215 truncated (of 999); average length 14.5, longest 73", report.ToString());
    }
}
