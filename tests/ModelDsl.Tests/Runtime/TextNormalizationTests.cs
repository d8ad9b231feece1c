using System.Text;
using ModelDsl.Text;
using Xunit;

namespace ModelDsl.Tests.Runtime;

public sealed class TextNormalizationTests
{
    private static string ReadBytes(byte[] bytes, bool lowerCase = false)
    {
        using var directory = new TemporaryDirectory();
        string path = directory.File("corpus.txt");
        File.WriteAllBytes(path, bytes);
        return TextNormalization.ReadCorpus(path, lowerCase);
    }

    private static string Read(string text, bool lowerCase = false) => ReadBytes(Encoding.UTF8.GetBytes(text), lowerCase);

    [Fact]
    public void EveryLineEndBecomesLineFeed()
    {
        Assert.Equal("a\nb\nc\nd\ne\nf\n\ng", Read("a\r\nb\rc\u0085d\u2028e\u2029f\r\r\ng"));
        Assert.Equal("\n\n", Read("\r\n\r"));
    }

    [Fact]
    public void ByteOrderMarkIsStripped()
    {
        Assert.Equal("abc", ReadBytes([0xEF, 0xBB, 0xBF, (byte)'a', (byte)'b', (byte)'c']));
        // Only a leading one is an encoding marker.
        Assert.Equal("a\ufeffb", Read("a\ufeffb"));
    }

    [Fact]
    public void LowerCasesInvariantlyWhenAsked()
    {
        Assert.Equal("ÉTÉ Über", Read("ÉTÉ Über"));
        Assert.Equal("été über", Read("ÉTÉ Über", lowerCase: true));
    }

    [Fact]
    public void CharactersBeyondTheBasicPlaneDecode()
    {
        Assert.Equal("a\U0001F600b", Read("a\U0001F600b"));
    }

    [Fact]
    public void InvalidUtf8NamesTheByteOffset()
    {
        var error = Assert.Throws<InvalidDataException>(() => ReadBytes([(byte)'a', (byte)'b', 0xFF, (byte)'c']));
        Assert.Contains("byte offset 2", error.Message);

        // Offsets count the byte-order mark; a truncated sequence at the end is invalid too.
        var truncated = Assert.Throws<InvalidDataException>(() => ReadBytes([0xEF, 0xBB, 0xBF, (byte)'a', 0xC3]));
        Assert.Contains("byte offset 4", truncated.Message);

        // An encoded surrogate (CESU-8) is not UTF-8.
        Assert.Throws<InvalidDataException>(() => ReadBytes([(byte)'x', 0xED, 0xA0, 0x80]));
    }

    [Fact]
    public void EmptyFileIsAClearError()
    {
        var empty = Assert.Throws<InvalidDataException>(() => ReadBytes([]));
        Assert.Contains("empty", empty.Message);
        var bomOnly = Assert.Throws<InvalidDataException>(() => ReadBytes([0xEF, 0xBB, 0xBF]));
        Assert.Contains("empty", bomOnly.Message);
    }

    [Fact]
    public void MissingFileIsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => TextNormalization.ReadCorpus("/nonexistent/modeldsl/corpus.txt", false));
    }

    [Fact]
    public void SharedCorporaReadAsDocumented()
    {
        string? nietzsche = SharedData.Find("nietzsche.txt");
        if (nietzsche is not null)
        {
            string text = TextNormalization.ReadCorpus(nietzsche, lowerCase: true);
            Assert.Equal(600_901, text.Length);
            Assert.Equal(59, CharTokenizer.FromText(text).Size);
        }

        string? imdb = SharedData.Find("imdb_labelled.txt");
        if (imdb is not null)
        {
            // Starts with a byte-order mark and has NEL line ends: neither survives.
            string text = TextNormalization.ReadCorpus(imdb, lowerCase: false);
            Assert.DoesNotContain('\ufeff', text);
            Assert.DoesNotContain('\u0085', text);
            Assert.DoesNotContain('\r', text);
            Assert.StartsWith("A very", text, StringComparison.Ordinal);
        }
    }
}
