using System.Text;
using ModelDsl.Data;

namespace ModelDsl.Tests.Text;

public class LabelledTextTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "modeldsl-labelled-" + Guid.NewGuid().ToString("N"));

    public LabelledTextTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Utf8WithBom(string text) => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)];

    [Fact]
    public void Imdb_999Records_500Positive_499Negative_NelStaysInsideSentences()
    {
        string? dir = TestData.Directory();
        if (dir is null) return; // the shared corpus is absent
        string path = Path.Combine(dir, "imdb_labelled.txt");

        var data = LabelledText.Read(path);
        // 999 LF-terminated lines: the file has 999 records, not 1,000.
        Assert.Equal(999, data.Sentences.Count);
        Assert.Equal(999, data.LineCount);
        Assert.Empty(data.BadLines);
        Assert.Equal(new Dictionary<int, int> { [0] = 499, [1] = 500 }, data.LabelCounts);
        Assert.StartsWith("A very, very, very slow-moving", data.Sentences[0].Sentence); // BOM dropped
        // Its two NELs are Windows-1252 ellipses (byte 0x85) inside sentences, not line ends.
        Assert.Equal(new LabelledSentence("The script is\u0085was there a script?  ", 0, 178), data.Sentences[177]);
        Assert.Equal(967, data.Sentences.Single(s => s.Sentence.StartsWith("Definitely worth seeing\u0085 it's")).LineNumber);

        var repaired = LabelledText.Read(path, new LabelledTextOptions { RepairWindows1252 = true });
        Assert.Equal("The script is…was there a script?  ", repaired.Sentences[177].Sentence);
        Assert.DoesNotContain(repaired.Sentences, s => s.Sentence.Any(c => c is >= '\u0080' and <= '\u009F'));
    }

    [Fact]
    public void Imdb_WithNelAsLineEnd_BreaksTwoSentences()
    {
        string? dir = TestData.Directory();
        if (dir is null) return;
        string path = Path.Combine(dir, "imdb_labelled.txt");

        var error = Assert.Throws<InvalidDataException>(() => LabelledText.Read(path, new LabelledTextOptions { LineEnds = LineEnds.Unicode }));
        Assert.Contains("line 178: no tab", error.Message);

        var data = LabelledText.Read(path, new LabelledTextOptions { LineEnds = LineEnds.Unicode, SkipBadLines = true });
        Assert.Equal(1001, data.LineCount);
        Assert.Equal([178, 968], data.BadLines.Select(b => b.LineNumber));
        Assert.Equal(["The script is", "Definitely worth seeing"], data.BadLines.Select(b => b.Text));
        Assert.Equal(999, data.Sentences.Count); // the fragments after the NELs keep the labels
        Assert.Equal("was there a script?  ", data.Sentences[177].Sentence);
    }

    [Fact]
    public void SyntheticFile_BomCrlfCrLfAndNel()
    {
        string path = Write("mixed.txt", Utf8WithBom("Good film.\t1\r\nBad\u0085one\t0\rFine\t 1 \n\r\nLast one\t0"));

        var universal = LabelledText.Read(path);
        Assert.Equal(
            [
                new LabelledSentence("Good film.", 1, 1),
                new LabelledSentence("Bad\u0085one", 0, 2),
                new LabelledSentence("Fine", 1, 3),
                new LabelledSentence("Last one", 0, 5),
            ],
            universal.Sentences);
        Assert.Equal(5, universal.LineCount); // line 4 is blank

        string nelPath = Write("nel.txt", Utf8WithBom("Good film.\t1\u0085Bad one\t0\u2028Meh\t0\u2029Ok\t1\r\n"));
        var unicode = LabelledText.Read(nelPath, new LabelledTextOptions { LineEnds = LineEnds.Unicode });
        Assert.Equal(["Good film.", "Bad one", "Meh", "Ok"], unicode.Sentences.Select(s => s.Sentence));
        Assert.Equal([1, 2, 3, 4], unicode.Sentences.Select(s => s.LineNumber));
        Assert.Equal(4, unicode.LineCount);
    }

    [Theory]
    [InlineData("ok\t1\nno tab here\n", 2, "no tab between the sentence and the label")]
    [InlineData("ok\t1\nok\t0\nbad\tpositive\n", 3, "the label \"positive\" is not an integer")]
    [InlineData("\t1\n", 1, "the sentence is empty")]
    [InlineData("ok\t1\n\n  \nsentence\t\n", 4, "no label after the tab")]
    public void BadLine_ErrorNamesTheLine(string text, int line, string reason)
    {
        string path = Write("bad.txt", Encoding.UTF8.GetBytes(text));
        var error = Assert.Throws<InvalidDataException>(() => LabelledText.Read(path));
        Assert.Contains($"line {line}: {reason}", error.Message);

        var skipped = LabelledText.Read(path, new LabelledTextOptions { SkipBadLines = true });
        var bad = Assert.Single(skipped.BadLines);
        Assert.Equal((line, reason), (bad.LineNumber, bad.Reason));
    }

    [Fact]
    public void InvalidUtf8_ErrorGivesTheByteOffset()
    {
        string path = Write("latin1.txt", [(byte)'o', (byte)'k', (byte)'\t', (byte)'1', (byte)'\n', 0x85, (byte)'\t', (byte)'0']);
        var error = Assert.Throws<InvalidDataException>(() => LabelledText.Read(path));
        Assert.Contains("byte offset 5", error.Message);
    }

    [Fact]
    public void Split_IsDeterministic_DisjointAndComplete()
    {
        var text = string.Concat(Enumerable.Range(0, 10).Select(i => $"sentence {i}\t{i % 2}\n"));
        var data = LabelledText.Parse(text);

        var (train, test) = data.Split(0.25, seed: 7);
        Assert.Equal(3, test.Count); // ceil(0.25 * 10), as scikit-learn
        Assert.Equal(7, train.Count);
        Assert.Equal(Enumerable.Range(1, 10), train.Concat(test).Select(s => s.LineNumber).Order());

        var again = data.Split(0.25, seed: 7);
        Assert.Equal(test, again.Test);
        Assert.Equal(train, again.Train);
        Assert.NotEqual(test.Concat(train), data.Split(0.25, seed: 8).Test.Concat(data.Split(0.25, seed: 8).Train));
    }
}
