using System.Text;
using ModelDsl.Data;

namespace ModelDsl.Tests.Data;

public class SequencePairsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "modeldsl-pairs-" + Guid.NewGuid().ToString("N"));

    public SequencePairsTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Read_AnkiLines_WithBomCrlfAndAttribution()
    {
        string text = "Go.\tVa !\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272 (CM) & #1158250 (Wittydev)\r\n"
                      + "Hi.\tSalut !\r\n"
                      + "\r\n"
                      + "Run!\tCours !\tCC-BY\textra column\r\n";
        string path = Write("fra.txt", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)]);

        var data = SequencePairs.Read(path);

        Assert.Equal([new SequencePair("Go.", "Va !"), new SequencePair("Hi.", "Salut !"), new SequencePair("Run!", "Cours !")], data.Pairs);
        Assert.Equal([1, 2, 4], data.LineNumbers);
        Assert.Equal(4, data.LineCount);
        Assert.Empty(data.BadLines);
    }

    [Fact]
    public void Parse_CrAndLfLineEnds_KeepsSpacesInTexts()
    {
        var data = SequencePairs.Parse("a \tb\rc\t d \nlast\tone");
        Assert.Equal([new SequencePair("a ", "b"), new SequencePair("c", " d "), new SequencePair("last", "one")], data.Pairs);
        Assert.Equal(3, data.LineCount);
    }

    [Theory]
    [InlineData("ok\tfine\nno tab here\n", 2, "no tab")]
    [InlineData("ok\tfine\n\nok\tfine\n\tmissing source\n", 4, "the source (before the first tab) is empty")]
    [InlineData("missing target\t \n", 1, "the target (after the first tab) is empty")]
    [InlineData("missing target\t\tattribution\n", 1, "the target (after the first tab) is empty")]
    public void Parse_BadLine_ThrowsNamingTheLine(string text, int line, string reason)
    {
        var error = Assert.Throws<InvalidDataException>(() => SequencePairs.Parse(text, sourceName: "'fra.txt'"));
        Assert.StartsWith($"'fra.txt' line {line}: {reason}", error.Message);
    }

    [Fact]
    public void Parse_SkipBadLines_CollectsThemWithNumbers()
    {
        var data = SequencePairs.Parse("a\tb\nbroken\n\tx\nc\td\ny\t\n", new SequencePairsOptions { SkipBadLines = true });
        Assert.Equal([new SequencePair("a", "b"), new SequencePair("c", "d")], data.Pairs);
        Assert.Equal([1, 4], data.LineNumbers);
        Assert.Equal([2, 3, 5], data.BadLines.Select(b => b.LineNumber));
        Assert.Equal(["broken", "\tx", "y\t"], data.BadLines.Select(b => b.Text));
        Assert.Equal(5, data.LineCount);
    }

    [Fact]
    public void Parse_UnicodeLineEnds_OnlyWhenAsked()
    {
        var universal = SequencePairs.Parse("a\tb\u2028c\td");
        Assert.Equal([new SequencePair("a", "b\u2028c")], universal.Pairs); // the second tab starts the ignored column
        var unicode = SequencePairs.Parse("a\tb\u2028c\td", new SequencePairsOptions { LineEnds = LineEnds.Unicode });
        Assert.Equal([new SequencePair("a", "b"), new SequencePair("c", "d")], unicode.Pairs);
    }

    [Fact]
    public void Read_InvalidUtf8_Throws()
    {
        string path = Write("bad.txt", [(byte)'a', (byte)'\t', 0xC3, 0x28]);
        Assert.Throws<InvalidDataException>(() => SequencePairs.Read(path));
    }

    [Fact]
    public void Read_MissingFile_SaysWhich()
    {
        var error = Assert.Throws<FileNotFoundException>(() => SequencePairs.Read(Path.Combine(_folder, "nope.txt")));
        Assert.Contains("nope.txt", error.Message);
    }

    [Fact]
    public void FromPairs_RefusesAnEmptyTarget()
    {
        var error = Assert.Throws<ArgumentException>(() => SequencePairs.FromPairs([new SequencePair("a", "b"), new SequencePair("c", "")]));
        Assert.Contains("Pair 1 has an empty target", error.Message);
        var pairs = SequencePairs.FromPairs([new SequencePair("a", "b")]);
        Assert.Equal([1], pairs.LineNumbers);
    }
}
