using System.Buffers.Binary;
using System.Text;
using ModelDsl.Checkpoints;
using Xunit;

namespace ModelDsl.Tests.Runtime;

public sealed class SafeTensorsTests
{
    private static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    /// <summary>A file from a raw header and data, with a header length that may lie.</summary>
    private static byte[] File(string header, byte[] data, ulong? claimedHeaderLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, claimedHeaderLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    private static CheckpointFormatException ReadMalformed(byte[] bytes)
    {
        using var directory = new TemporaryDirectory();
        string path = directory.File("bad.safetensors");
        System.IO.File.WriteAllBytes(path, bytes);
        return Assert.Throws<CheckpointFormatException>(() => SafeTensors.Read(path));
    }

    [Fact]
    public void RoundTripsTensorsAndMetadata()
    {
        using var directory = new TemporaryDirectory();
        string path = directory.File("model.safetensors");
        var rng = new ModelDsl.Numerics.Rng(30);
        TensorData[] tensors =
        [
            new("lstm/kernel", [3, 8], Enumerable.Range(0, 24).Select(_ => (float)rng.NextGaussian()).ToArray()),
            new("dense/bias", [5], [0f, -1.5f, float.Epsilon, float.MaxValue, -0f]),
            new("scalar", [], [42f]),
            new("empty", [0, 4], []),
            new("ünïcode \"name\"", [1], [1f]),
        ];
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["epoch"] = "3", ["note"] = "line\nbreak ✓" };

        SafeTensors.Write(path, tensors, metadata);
        var file = SafeTensors.Read(path);

        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(tensors.Select(t => t.Name), file.Tensors.Select(t => t.Name));
        foreach (var expected in tensors)
        {
            var actual = file[expected.Name];
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.Equal(expected.Data, actual.Data);
        }
        Assert.True(file.TryGetTensor("scalar", out _));
        Assert.Throws<CheckpointFormatException>(() => file["absent"]);
        Assert.Equal(["model.safetensors"], Directory.GetFiles(directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void ByteLayoutIsExactlyTheSafetensorsFormat()
    {
        using var directory = new TemporaryDirectory();
        string path = directory.File("tiny.safetensors");
        SafeTensors.Write(path, [new TensorData("a", [2], [1f, 2f]), new TensorData("b", [1, 1], [-3f])]);
        byte[] bytes = System.IO.File.ReadAllBytes(path);

        const string json = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]}}""";
        int padded = (json.Length + 7) / 8 * 8;
        Assert.Equal(112, padded); // 107 bytes of JSON, padded with 5 spaces
        Assert.Equal((ulong)padded, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(json + new string(' ', padded - json.Length), Encoding.UTF8.GetString(bytes, 8, padded));
        Assert.Equal(Floats(1f, 2f, -3f), bytes[(8 + padded)..]);
        Assert.Equal(8 + padded + 12, bytes.Length);
    }

    [Fact]
    public void WriteReplacesAnExistingFileAndLeavesNoTemporaryFile()
    {
        using var directory = new TemporaryDirectory();
        string path = directory.File("model.safetensors");
        System.IO.File.WriteAllText(path, "old checkpoint");
        SafeTensors.Write(path, [new TensorData("w", [1], [7f])]);
        Assert.Equal(7f, SafeTensors.Read(path)["w"].Data[0]);
        Assert.Single(Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void WriteRejectsInconsistentTensors()
    {
        using var directory = new TemporaryDirectory();
        string path = directory.File("model.safetensors");
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [new TensorData("w", [2, 2], [1f])]));
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [new TensorData("__metadata__", [1], [1f])]));
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [new TensorData("w", [1], [1f]), new TensorData("w", [1], [2f])]));
        Assert.Throws<ArgumentException>(() => SafeTensors.Write(path, [new TensorData("w", [-1], [])]));
        Assert.Empty(Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void ShorterThanTheLengthPrefixIsTruncated()
    {
        Assert.Contains("truncated", ReadMalformed([1, 0, 0]).Message);
    }

    [Fact]
    public void HeaderLengthBeyondTheFileIsRejected()
    {
        Assert.Contains("past the end", ReadMalformed(File("{}", [], claimedHeaderLength: 1000)).Message);
        Assert.Contains("past the end", ReadMalformed(File("{}", [], claimedHeaderLength: ulong.MaxValue)).Message);
    }

    [Theory]
    [InlineData("{\"a\":")]
    [InlineData("not json")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",}}")]
    public void InvalidJsonIsRejected(string header)
    {
        Assert.Contains("not valid JSON", ReadMalformed(File(header, [])).Message);
    }

    [Fact]
    public void OtherDtypesAreNamed()
    {
        var error = ReadMalformed(File("""{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}""", new byte[4]));
        Assert.Contains("F16", error.Message);
        Assert.Contains("'w'", error.Message);
    }

    [Fact]
    public void ShapeMustMatchTheByteLength()
    {
        var error = ReadMalformed(File("""{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", Floats(1f, 2f)));
        Assert.Contains("[3]", error.Message);
        Assert.Contains("12", error.Message);
    }

    [Fact]
    public void OffsetsOutOfRangeAreRejected()
    {
        Assert.Contains("out of range", ReadMalformed(File("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", Floats(1f, 2f))).Message);
        ReadMalformed(File("""{"w":{"dtype":"F32","shape":[0],"data_offsets":[-4,-4]}}""", []));
        ReadMalformed(File("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}""", Floats(1f, 2f)));
        ReadMalformed(File("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4.5]}}""", Floats(1f, 2f)));
        ReadMalformed(File("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", Floats(1f)));
    }

    [Fact]
    public void OverlappingTensorsAreRejected()
    {
        var error = ReadMalformed(File(
            """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""",
            Floats(1f, 2f, 3f)));
        Assert.Contains("overlaps", error.Message);
    }

    [Fact]
    public void GapsAndTrailingBytesAreRejected()
    {
        Assert.Contains("gap", ReadMalformed(File(
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""",
            Floats(1f, 2f, 3f))).Message);
        Assert.Contains("after the last tensor", ReadMalformed(File(
            """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", Floats(1f, 2f))).Message);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""{"w":[1]}""")]
    [InlineData("""{"w":{"shape":[1],"data_offsets":[0,4]}}""")]
    [InlineData("""{"w":{"dtype":"F32","data_offsets":[0,4]}}""")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1]}}""")]
    [InlineData("""{"__metadata__":{"epoch":3},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""")]
    [InlineData("""{"__metadata__":[],"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""")]
    [InlineData("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""")]
    [InlineData("""{"w":{"dtype":"F32","shape":[65536,65536,65536],"data_offsets":[0,4]}}""")]
    public void StructurallyWrongHeadersAreRejected(string header)
    {
        ReadMalformed(File(header, Floats(1f)));
    }

    [Fact]
    public void ErrorsAboutMalformedFilesStayShort()
    {
        // 100 000 empty tensors (a message of 870 kB before it was bounded): a well-formed file, but not this model's; the error names a few and counts the others.
        var header = new StringBuilder("{");
        for (int i = 0; i < 100_000; i++)
            header.Append(i == 0 ? "" : ",").Append("\"t").Append(i).Append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
        header.Append('}');
        using (var directory = new TemporaryDirectory())
        {
            string path = directory.File("many.safetensors");
            System.IO.File.WriteAllBytes(path, File(header.ToString(), []));
            using var model = new Models.TinyCharLstm(vocabulary: 7);
            var mismatch = Assert.Throws<CheckpointMismatchException>(() => model.Load(path));
            Assert.True(mismatch.Message.Length < 600, $"{mismatch.Message.Length} characters");
            Assert.Contains("'t0'", mismatch.Message);
            Assert.Contains("and 99995 more", mismatch.Message);
        }

        // Names, dtypes, shape entries and offsets a megabyte long are cut short in the message.
        string huge = new('x', 1_000_000);
        foreach (var text in new[]
        {
            $$$"""{"{{{huge}}}":{"dtype":"F16","shape":[1],"data_offsets":[0,4]}}""",
            $$$"""{"w":{"dtype":"{{{huge}}}","shape":[1],"data_offsets":[0,4]}}""",
            $$$"""{"w":{"dtype":"F32","shape":["{{{huge}}}"],"data_offsets":[0,4]}}""",
            $$$"""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,"{{{huge}}}"]}}""",
            $$$"""{"{{{huge}}}":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"{{{huge}}}":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""",
            $$$"""{"__metadata__":{"{{{huge}}}":1},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""",
            $$$"""{"{{{huge}}}":[1]}""",
        })
        {
            var error = ReadMalformed(File(text, Floats(1f)));
            Assert.True(error.Message.Length < 600, $"{error.Message.Length} characters: {error.Message[..200]}");
        }
    }

    [Fact]
    public void EveryTruncationOfAValidFileIsRejected()
    {
        using var directory = new TemporaryDirectory();
        string path = directory.File("model.safetensors");
        SafeTensors.Write(path, [new TensorData("a", [2, 3], [1f, 2f, 3f, 4f, 5f, 6f]), new TensorData("b", [2], [7f, 8f])],
            new Dictionary<string, string> { ["k"] = "v" });
        byte[] bytes = System.IO.File.ReadAllBytes(path);
        for (int length = 0; length < bytes.Length; length++)
            ReadMalformed(bytes[..length]);
    }
}
