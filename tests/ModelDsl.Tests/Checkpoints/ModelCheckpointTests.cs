using ModelDsl.Checkpoints;
using ModelDsl.Tests.Models;

namespace ModelDsl.Tests.Checkpoints;

public sealed class ModelCheckpointTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "modeldsl-ckpt-" + Guid.NewGuid().ToString("N"));

    public ModelCheckpointTests() => Directory.CreateDirectory(_dir);
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Saved_weights_load_into_a_fresh_model_and_give_the_same_predictions()
    {
        string path = Path.Combine(_dir, "tiny.safetensors");
        using var a = new TinyCharLstm(vocabulary: 7, new ModelOptions { Seed = 1 });
        a.Save(path, new Dictionary<string, string> { ["tokenizer"] = "abc" });
        using var b = new TinyCharLstm(vocabulary: 7, new ModelOptions { Seed = 2 });
        Assert.NotEqual(a.Parameters.ToArray(), b.Parameters.ToArray());
        var metadata = b.Load(path);
        Assert.Equal(a.Parameters.ToArray(), b.Parameters.ToArray());
        Assert.Equal("abc", metadata["tokenizer"]);
        Assert.Contains("\"schema_version\":1", metadata[Model.ConfigMetadataKey]);
        Assert.Equal(7, Model.ReadVocabulary(path));

        var window = new[] { 1, 2, 3, 4, 5 };
        var pa = new float[7];
        var pb = new float[7];
        a.Predict(window, pa);
        b.Predict(window, pb);
        Assert.Equal(pa, pb);
    }

    [Fact]
    public void Weights_holding_NaN_or_infinity_are_refused_naming_the_tensor_unless_allowed()
    {
        string goodPath = Path.Combine(_dir, "good.safetensors");
        string path = Path.Combine(_dir, "non-finite.safetensors");
        using (var saved = new TinyCharLstm(vocabulary: 7, new ModelOptions { Seed = 1 })) saved.Save(goodPath);
        var good = SafeTensors.Read(goodPath);
        using var model = new TinyCharLstm(vocabulary: 7, new ModelOptions { Seed = 2 });
        var before = model.Parameters.ToArray();
        foreach (var (tensor, index, value) in new[] { ("lstm.recurrent_kernel", 5, float.NaN), ("dense.bias", 0, float.PositiveInfinity), ("lstm.kernel", 12, float.NegativeInfinity) })
        {
            var tensors = good.Tensors.Select(t => t.Name != tensor ? t : t with { Data = t.Data.Select((x, i) => i == index ? value : x).ToArray() }).ToList();
            SafeTensors.Write(path, tensors, good.Metadata);
            var e = Assert.Throws<CheckpointFormatException>(() => model.Load(path));
            Assert.Contains($"'{tensor}'", e.Message);
            Assert.Contains($"index {index}", e.Message);
            Assert.Contains("'" + path + "'", e.Message);
            Assert.Equal(before, model.Parameters.ToArray());

            // The explicit opt-in loads it as it is, to inspect a run that diverged.
            model.Load(path, allowNonFinite: true);
            Assert.Equal(value, model.Parameter(tensor)[index]);
            Assert.Equal(tensors.First(t => t.Name == tensor).Data, model.Parameter(tensor).ToArray());
            before.CopyTo(model.Parameters);
        }
    }

    [Fact]
    public void Tensors_are_named_and_shaped_as_keras_names_them()
    {
        string path = Path.Combine(_dir, "seed.safetensors");
        using var model = new SeedCharLstm(vocabulary: 57);
        model.Save(path);
        var file = SafeTensors.Read(path);
        Assert.Equal(new[] { "lstm.kernel", "lstm.recurrent_kernel", "lstm.bias", "dense.kernel", "dense.bias" }, file.Tensors.Select(t => t.Name));
        Assert.Equal(new[] { 57, 512 }, file["lstm.kernel"].Shape);
        Assert.Equal(new[] { 128, 512 }, file["lstm.recurrent_kernel"].Shape);
        Assert.Equal(new[] { 512 }, file["lstm.bias"].Shape);
        Assert.Equal(new[] { 128, 57 }, file["dense.kernel"].Shape);
    }

    [Fact]
    public void Loading_into_a_model_of_other_shapes_names_the_first_mismatched_tensor_and_changes_nothing()
    {
        string path = Path.Combine(_dir, "v7.safetensors");
        using var saved = new TinyCharLstm(vocabulary: 7);
        saved.Save(path);
        using var other = new TinyCharLstm(vocabulary: 9);
        var before = other.Parameters.ToArray();
        var e = Assert.Throws<CheckpointMismatchException>(() => other.Load(path));
        Assert.Contains("'lstm.kernel'", e.Message);
        Assert.Contains("[7, 32]", e.Message);
        Assert.Equal(before, other.Parameters.ToArray());

        using var different = new TinyStack();
        var e2 = Assert.Throws<CheckpointMismatchException>(() => different.Load(path));
        Assert.Contains("embedding.embeddings", e2.Message);
    }

    [Fact]
    public void A_corrupted_checkpoint_gives_a_format_error_not_a_crash()
    {
        string path = Path.Combine(_dir, "broken.safetensors");
        using var model = new TinyCharLstm(vocabulary: 7);
        model.Save(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 10)]);
        Assert.Throws<CheckpointFormatException>(() => model.Load(path));
    }

    [Fact]
    public void A_model_checkpoint_reads_back_with_an_independent_parser_written_from_the_format_spec()
    {
        // The spec: u64 little-endian header size N, N bytes of JSON {name: {dtype, shape, data_offsets [begin, end)}},
        // then the byte buffer; offsets are relative to the buffer. Nothing from ModelDsl.Checkpoints is used here.
        string path = Path.Combine(_dir, "spec.safetensors");
        using var model = new TinyStack();
        model.Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        ulong n = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.True(n % 8 == 0 && 8 + (long)n <= bytes.Length);
        using var header = System.Text.Json.JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        long bufferStart = 8 + (long)n, expectedBegin = 0;
        foreach (var tensor in model.ParameterTensors)
        {
            var entry = header.RootElement.GetProperty(tensor.Name);
            Assert.Equal("F32", entry.GetProperty("dtype").GetString());
            var shape = entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            long rows = tensor.Rows.Evaluate(1, model.Vocabulary), cols = tensor.Cols.Evaluate(1, model.Vocabulary);
            Assert.Equal(tensor.IsVector ? new[] { cols } : new[] { rows, cols }, shape);
            var offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.Equal(expectedBegin, offsets[0]);
            Assert.Equal(offsets[0] + 4 * rows * cols, offsets[1]);
            var values = new float[rows * cols];
            Buffer.BlockCopy(bytes, (int)(bufferStart + offsets[0]), values, 0, values.Length * 4);
            Assert.Equal(model.Parameter(tensor.Name).ToArray(), values);
            expectedBegin = offsets[1];
        }
        Assert.Equal(bytes.Length, bufferStart + expectedBegin);
        Assert.Contains("schema_version", header.RootElement.GetProperty("__metadata__").GetProperty(Model.ConfigMetadataKey).GetString());
    }
}

/// <summary>The configuration saved beside the weights records every layer's declared arguments.</summary>
public sealed class ConfigurationTests
{
    private static System.Text.Json.Nodes.JsonNode Layer(Model model, int index) =>
        System.Text.Json.Nodes.JsonNode.Parse(model.ConfigJson())!["layers"]![index]!;

    [Fact]
    public void The_transformer_layers_record_their_arguments()
    {
        using var decoder = new Models.TinySeedDecoder(new ModelOptions { Seed = 1 });
        var position = Layer(decoder, 1);
        Assert.Equal(("PositionalEmbedding", 6, 6, true), ((string)position["kind"]!, (int)position["dimension"]!, (int)position["length"]!, (bool)position["mask_zero"]!));
        var block = Layer(decoder, 2);
        Assert.Equal(("TransformerDecoder", 2, 10, 4, true), ((string)block["kind"]!, (int)block["heads"]!, (int)block["hidden"]!, (int)block["key_size"]!, (bool)block["attend_to_input"]!));

        using var encoder = new Models.TinyEncoderClassifier(new ModelOptions { Seed = 1 });
        var embedding = Layer(encoder, 1);
        Assert.Equal((4, true, true), ((int)embedding["dimension"]!, (bool)embedding["mask_zero"]!, (bool)embedding["trainable"]!));
        var attention = Layer(encoder, 2);
        Assert.Equal(("MultiHeadAttention", 2, false), ((string)attention["kind"]!, (int)attention["heads"]!, (bool)attention["causal"]!));

        using var frozen = new Models.FrozenEmbedding(new ModelOptions { Seed = 1 });
        Assert.False((bool)Layer(frozen, 1)["trainable"]!);
    }
}
