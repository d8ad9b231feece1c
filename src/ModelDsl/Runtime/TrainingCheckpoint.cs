using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelDsl.Training;

namespace ModelDsl.Runtime;

/// <summary>
/// What <see cref="Model.Fit"/> needs, beyond the weights and the optimizer's state tensors, to continue a run exactly:
/// the optimizer's configuration and step count, where in the data it stopped, and the random streams. Stored as JSON
/// under <see cref="MetadataKey"/> in the checkpoint's safetensors header.
/// </summary>
internal sealed class TrainingCheckpoint
{
    public const string MetadataKey = "modeldsl.training";
    private const int SchemaVersion = 1;

    public required string OptimizerConfig { get; init; }
    public required long OptimizerStep { get; init; }
    /// <summary>The 1-based epoch of the next batch, and that batch's index within the epoch (may equal the epoch's step count: only the epoch's end is left).</summary>
    public required int Epoch { get; init; }
    public required int Batch { get; init; }
    /// <summary>What the data position means: the run must be resumed with the same values.</summary>
    public required int BatchSize { get; init; }
    public required int TrainWindows { get; init; }
    public required int StepsPerEpoch { get; init; }
    public required bool Shuffled { get; init; }
    /// <summary>The shuffle stream when this Fit call began: replaying the epochs' shuffles from it rebuilds the batch order.</summary>
    public required ulong[] ShuffleRngAtFitStart { get; init; }
    public required ulong[] ShuffleRng { get; init; }
    public required ulong[] DropoutRng { get; init; }
    public required ulong[] SamplingRng { get; init; }
    /// <summary>The running sums of the current epoch, so its reported loss is the same as without the interruption.</summary>
    public required double EpochLossSum { get; init; }
    public required long EpochRows { get; init; }
    public required int EpochSkipped { get; init; }
    public required IReadOnlyList<EpochResult> History { get; init; }

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteNumber("schema_version", SchemaVersion);
            json.WritePropertyName("optimizer");
            json.WriteRawValue(OptimizerConfig);
            json.WriteNumber("optimizer_step", OptimizerStep);
            json.WriteNumber("epoch", Epoch);
            json.WriteNumber("batch", Batch);
            json.WriteNumber("batch_size", BatchSize);
            json.WriteNumber("train_windows", TrainWindows);
            json.WriteNumber("steps_per_epoch", StepsPerEpoch);
            json.WriteBoolean("shuffle", Shuffled);
            json.WriteStartObject("rng");
            WriteState(json, "shuffle_at_fit_start", ShuffleRngAtFitStart);
            WriteState(json, "shuffle", ShuffleRng);
            WriteState(json, "dropout", DropoutRng);
            WriteState(json, "sampling", SamplingRng);
            json.WriteEndObject();
            WriteDouble(json, "epoch_loss_sum", EpochLossSum);
            json.WriteNumber("epoch_rows", EpochRows);
            json.WriteNumber("epoch_skipped", EpochSkipped);
            json.WriteStartArray("history");
            foreach (var e in History)
            {
                json.WriteStartObject();
                json.WriteNumber("epoch", e.Epoch);
                WriteDouble(json, "loss", e.TrainingLoss);
                if (e.ValidationLoss is { } v) WriteDouble(json, "val_loss", v);
                else json.WriteNull("val_loss");
                json.WriteNumber("elapsed_seconds", e.Elapsed.TotalSeconds);
                json.WriteNumber("skipped_batches", e.SkippedBatches);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <exception cref="FormatException">Any field missing, of the wrong type or out of range.</exception>
    public static TrainingCheckpoint FromJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            int version = root.GetProperty("schema_version").GetInt32();
            if (version != SchemaVersion)
                throw new FormatException($"training state schema version {version}; this ModelDsl reads version {SchemaVersion}");
            var rng = root.GetProperty("rng");
            var history = new List<EpochResult>();
            foreach (var e in root.GetProperty("history").EnumerateArray())
            {
                var val = e.GetProperty("val_loss");
                history.Add(new EpochResult(
                    e.GetProperty("epoch").GetInt32(),
                    ReadDouble(e.GetProperty("loss")),
                    val.ValueKind == JsonValueKind.Null ? null : ReadDouble(val),
                    TimeSpan.FromSeconds(e.GetProperty("elapsed_seconds").GetDouble()))
                { SkippedBatches = e.GetProperty("skipped_batches").GetInt32() });
            }
            var checkpoint = new TrainingCheckpoint
            {
                OptimizerConfig = root.GetProperty("optimizer").GetRawText(),
                OptimizerStep = root.GetProperty("optimizer_step").GetInt64(),
                Epoch = root.GetProperty("epoch").GetInt32(),
                Batch = root.GetProperty("batch").GetInt32(),
                BatchSize = root.GetProperty("batch_size").GetInt32(),
                TrainWindows = root.GetProperty("train_windows").GetInt32(),
                StepsPerEpoch = root.GetProperty("steps_per_epoch").GetInt32(),
                Shuffled = root.GetProperty("shuffle").GetBoolean(),
                ShuffleRngAtFitStart = ReadState(rng, "shuffle_at_fit_start"),
                ShuffleRng = ReadState(rng, "shuffle"),
                DropoutRng = ReadState(rng, "dropout"),
                SamplingRng = ReadState(rng, "sampling"),
                EpochLossSum = ReadDouble(root.GetProperty("epoch_loss_sum")),
                EpochRows = root.GetProperty("epoch_rows").GetInt64(),
                EpochSkipped = root.GetProperty("epoch_skipped").GetInt32(),
                History = history,
            };
            if (checkpoint.OptimizerStep < 0 || checkpoint.Epoch < 1 || checkpoint.Batch < 0 || checkpoint.BatchSize < 1
                || checkpoint.TrainWindows < 1 || checkpoint.StepsPerEpoch < 1 || checkpoint.Batch > checkpoint.StepsPerEpoch
                || checkpoint.EpochRows < 0 || checkpoint.EpochSkipped < 0)
                throw new FormatException("a step count, epoch, batch or size is out of range");
            return checkpoint;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException(e.Message, e);
        }
    }

    private static void WriteState(Utf8JsonWriter json, string name, ulong[] state)
    {
        // Hex strings: JSON numbers past 2^53 lose digits in most readers.
        json.WriteStartArray(name);
        foreach (var word in state) json.WriteStringValue(word.ToString("x16", CultureInfo.InvariantCulture));
        json.WriteEndArray();
    }

    private static ulong[] ReadState(JsonElement rng, string name)
    {
        var words = rng.GetProperty(name).EnumerateArray()
            .Select(w => ulong.TryParse(w.GetString(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var x)
                ? x : throw new FormatException($"rng.{name} holds {w.GetRawText()}, not a 64-bit hex word"))
            .ToArray();
        if (words.Length != 4 || words.All(w => w == 0))
            throw new FormatException($"rng.{name} is not a valid xoshiro256** state (four words, not all zero)");
        return words;
    }

    // A skipped epoch's loss may be NaN, which JSON numbers cannot hold.
    private static void WriteDouble(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
    }

    private static double ReadDouble(JsonElement e) =>
        e.ValueKind == JsonValueKind.String ? double.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetDouble();
}
