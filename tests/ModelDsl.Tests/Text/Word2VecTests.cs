using System.Buffers.Binary;
using System.Text;
using ModelDsl.Numerics;
using ModelDsl.Text;

namespace ModelDsl.Tests.Text;

public class Word2VecTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "modeldsl-w2v-" + Guid.NewGuid().ToString("N"));

    public Word2VecTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    // "été" checks UTF-8 words; "zebra" is in the file but not the vocabulary; "cat" and "<OOV>" are missing from the file.
    private static readonly List<KeyValuePair<string, float[]>> FileVectors =
    [
        new("the", [0.1f, -0.2f, 0.3f]),
        new("zebra", [9f, 9f, 9f]),
        new("dog", [1.5f, 2.25f, -3.125f]),
        new("été", [1e-7f, float.MaxValue, -0f]),
    ];

    private static readonly Dictionary<string, int> Index = new()
    {
        ["<OOV>"] = 1, ["the"] = 2, ["cat"] = 3, ["dog"] = 4, ["été"] = 5, ["rare"] = 6,
    };

    [Theory]
    [InlineData(Word2VecFormat.Text, true)]
    [InlineData(Word2VecFormat.Binary, true)]
    [InlineData(Word2VecFormat.Binary, false)]
    public void RoundTrip_AlignsRowsToTheIndex(Word2VecFormat format, bool lineEnds)
    {
        string path = PathOf("vectors");
        if (format == Word2VecFormat.Text) Word2Vec.WriteText(path, FileVectors);
        else Word2Vec.WriteBinary(path, FileVectors, lineEnds);
        Assert.Equal(format, Word2Vec.DetectFormat(path));

        // rows = 6: "rare" (index 6) is outside the matrix and ignored.
        var aligned = Word2Vec.LoadAligned(path, Index, rows: 6, MissingWordPolicy.Zeros);
        Assert.Equal((6, 3, 4), (aligned.Rows, aligned.Dimension, aligned.FileVectorCount));
        Assert.Equal(3, aligned.Found);
        Assert.Equal(["<OOV>", "cat"], aligned.MissingWords);
        Assert.Equal(new float[3], aligned.Row(0).ToArray());
        Assert.Equal(FileVectors[0].Value, aligned.Row(2).ToArray());
        Assert.Equal(new float[3], aligned.Row(3).ToArray());
        Assert.Equal(FileVectors[2].Value, aligned.Row(4).ToArray());
        Assert.Equal(FileVectors[3].Value, aligned.Row(5).ToArray()); // bit-exact, text included
        Assert.True(float.IsNegative(aligned.Row(5)[2]));
        Assert.Null(aligned.IdRemap);
    }

    [Fact]
    public void MissingWordPolicies()
    {
        string path = PathOf("vectors.txt");
        Word2Vec.WriteText(path, FileVectors[..3]);

        var mean = Word2Vec.LoadAligned(path, Index, 6, MissingWordPolicy.MeanVector);
        float[] expectedMean = [(0.1f + 9f + 1.5f) / 3, (-0.2f + 9f + 2.25f) / 3, (0.3f + 9f - 3.125f) / 3];
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(expectedMean[i], mean.Row(1)[i], 1e-6f);
            Assert.Equal(expectedMean[i], mean.Row(3)[i], 1e-6f);
            Assert.Equal(expectedMean[i], mean.Row(5)[i], 1e-6f); // "été" is missing from this file
        }
        Assert.Equal(new float[3], mean.Row(0).ToArray());

        var uniform = Word2Vec.LoadAligned(path, Index, 6, MissingWordPolicy.RandomUniform(0.05f), new Rng(1));
        var again = Word2Vec.LoadAligned(path, Index, 6, MissingWordPolicy.RandomUniform(0.05f), new Rng(1));
        Assert.Equal(uniform.Matrix, again.Matrix);
        Assert.All(uniform.Row(3).ToArray(), v => Assert.InRange(v, -0.05f, 0.05f));
        Assert.NotEqual(uniform.Row(1).ToArray(), uniform.Row(3).ToArray());
        Assert.Equal(FileVectors[0].Value, uniform.Row(2).ToArray());

        var shared = Word2Vec.LoadAligned(path, Index, 6, MissingWordPolicy.SharedUnknown(unknownRow: 1), new Rng(1));
        Assert.Equal(shared.Row(1).ToArray(), shared.Row(3).ToArray());
        Assert.Equal(shared.Row(1).ToArray(), shared.Row(5).ToArray());
        Assert.Equal([0, 1, 2, 1, 4, 1], shared.IdRemap!);

        var fromFile = Word2Vec.LoadAligned(path, Index, 6, MissingWordPolicy.SharedUnknown(1, unknownWord: "zebra"), new Rng(1));
        Assert.Equal([9f, 9f, 9f], fromFile.Row(3).ToArray());

        Assert.Throws<ArgumentNullException>(() => Word2Vec.LoadAligned(path, Index, 6, MissingWordPolicy.RandomUniform()));
    }

    [Fact]
    public void Text_WrongDimension_NamesTheLine()
    {
        string path = PathOf("bad.txt");
        File.WriteAllText(path, "3 2\nthe 0.1 0.2\ncat 0.3 0.4 0.5\ndog 1 2\n");
        var error = Assert.Throws<InvalidDataException>(() => Word2Vec.LoadAligned(path, Index, 6, MissingWordPolicy.Zeros));
        Assert.Contains("line 3: expected a word and 2 numbers (the header's dimension), found the word \"cat\" with 3 numbers", error.Message);
    }

    [Theory]
    [InlineData("3 2\nthe 0.1 0.2\ncat 0.3 x\n", "line 3: value 2 of \"cat\", \"x\", is not a number")]
    [InlineData("3 2\nthe 0.1 0.2\ncat 0.3 0.4\n", "truncated: it ends after 2 of the 3 vectors")]
    [InlineData("1 2\nthe 0.1 0.2\ncat 0.3 0.4\n", "line 3: more vectors than the 1")]
    [InlineData("the 0.1 0.2\n", "line 1 must be two integers")]
    [InlineData("3\n", "line 1 must be two integers")]
    [InlineData("2 2\nthe 0.1 0.2\n\ncat 0.3 0.4\n", "line 3: expected a word and 2 numbers (the header's dimension), found an empty line")]
    public void Text_FormatErrors(string content, string message)
    {
        string path = PathOf("bad.txt");
        File.WriteAllText(path, content);
        var error = Assert.Throws<InvalidDataException>(
            () => Word2Vec.LoadAligned(path, Index, 6, MissingWordPolicy.Zeros, format: Word2VecFormat.Text));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Text_AcceptsCrlfAndTrailingSpaces()
    {
        string path = PathOf("crlf.txt");
        File.WriteAllText(path, "2 2\r\nthe 0.5 -1 \r\ndog 2 3\r\n");
        var aligned = Word2Vec.LoadAligned(path, Index, 5, MissingWordPolicy.Zeros);
        Assert.Equal([0.5f, -1f], aligned.Row(2).ToArray());
        Assert.Equal([2f, 3f], aligned.Row(4).ToArray());
    }

    private static byte[] BinaryRecord(string word, float[] vector, bool lineEnd)
    {
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(word + " "));
        var number = new byte[4];
        foreach (float v in vector)
        {
            BinaryPrimitives.WriteSingleLittleEndian(number, v);
            bytes.AddRange(number);
        }
        if (lineEnd) bytes.Add((byte)'\n');
        return [.. bytes];
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Binary_HeaderDimensionTooSmall_NamesTheVectorThatOverran(bool lineEnds)
    {
        // Header says 3, vectors have 4 numbers: the bytes read as vector 2's word are the rest of vector 1.
        string path = PathOf("bad.bin");
        File.WriteAllBytes(path, [.. "2 3\n"u8, .. BinaryRecord("the", [0.5f, 0.25f, 1f, 2f], lineEnds), .. BinaryRecord("dog", [1f, 2f, 3f, 4f], lineEnds)]);
        var error = Assert.Throws<InvalidDataException>(
            () => Word2Vec.LoadAligned(path, Index, 6, MissingWordPolicy.Zeros, format: Word2VecFormat.Binary));
        Assert.Contains("vector 2 of 2 (byte offset 20)", error.Message);
        Assert.Contains("vector 1 (\"the\") is probably not 3 numbers long as the header says", error.Message);
    }

    [Fact]
    public void Binary_OneVectorTooLong_NamesIt()
    {
        // The original tool ends each vector with '\n': a vector not followed by one is caught where it is.
        string path = PathOf("bad.bin");
        File.WriteAllBytes(path,
        [
            .. "3 2\n"u8, .. BinaryRecord("the", [1f, 2f], true), .. BinaryRecord("dog", [1f, 2f, 3f], true),
            .. BinaryRecord("cat", [1f, 2f], true),
        ]);
        var error = Assert.Throws<InvalidDataException>(
            () => Word2Vec.LoadAligned(path, Index, 6, MissingWordPolicy.Zeros, format: Word2VecFormat.Binary));
        Assert.Contains("vector 2 of 3 (\"dog\", byte offset 17): no line end after its 2 numbers, as the earlier vectors have", error.Message);
    }

    [Fact]
    public void Binary_TruncatedAndBadHeader()
    {
        string path = PathOf("short.bin");
        byte[] whole = [.. "2 3\n"u8, .. BinaryRecord("the", [1f, 2f, 3f], true), .. BinaryRecord("dog", [1f, 2f, 3f], true)];
        File.WriteAllBytes(path, whole[..^6]);
        var error = Assert.Throws<InvalidDataException>(
            () => Word2Vec.LoadAligned(path, Index, 6, MissingWordPolicy.Zeros, format: Word2VecFormat.Binary));
        Assert.Contains("truncated: it ends inside vector 2 of the 2", error.Message);

        File.WriteAllBytes(path, [.. "2 x\n"u8, .. BinaryRecord("the", [1f, 2f, 3f], true)]);
        error = Assert.Throws<InvalidDataException>(
            () => Word2Vec.LoadAligned(path, Index, 6, MissingWordPolicy.Zeros, format: Word2VecFormat.Binary));
        Assert.Contains("the header must be two integers", error.Message);
    }

    [Fact]
    public void Binary_DuplicateWord_FirstVectorWins()
    {
        string path = PathOf("dup.bin");
        Word2Vec.WriteBinary(path, [new("dog", [1f, 1f]), new("dog", [2f, 2f])]);
        var aligned = Word2Vec.LoadAligned(path, Index, 5, MissingWordPolicy.Zeros);
        Assert.Equal([1f, 1f], aligned.Row(4).ToArray());
        Assert.Equal(1, aligned.DuplicateWords);
    }
}
