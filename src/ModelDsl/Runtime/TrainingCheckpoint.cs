using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelDsl.Checkpoints;
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

    /// <summary>
    /// The training state in <paramref name="text"/>, every field read and checked before anything is returned: each one
    /// present, of its type and in its range, and the fields consistent with one another (see <see cref="Check"/>). The work
    /// is proportional to the length of the text, whatever numbers it holds.
    /// </summary>
    /// <exception cref="FormatException">Not JSON, or a field missing, of the wrong type, out of range or inconsistent; the
    /// message names the field in a few words.</exception>
    /// <param name="scoredPerRow">At most how many positions of one window a loss scores: 1, or the sequence length for a
    /// model with an output per position (<c>epoch_rows</c> then counts scored positions).</param>
    /// <param name="paddingIgnored">The loss leaves padding targets out, so a batch may score no position at all.</param>
    public static TrainingCheckpoint FromJson(string text, int scoredPerRow = 1, bool paddingIgnored = false)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not valid JSON ({Excerpt.Of(e.Message, 200)})", e);
        }
        using (document)
        {
            var checkpoint = Read(document.RootElement);
            checkpoint.Check(scoredPerRow, paddingIgnored);
            return checkpoint;
        }
    }

    private static TrainingCheckpoint Read(JsonElement root)
    {
        RequireKind(root, JsonValueKind.Object, "the training state");
        int version = Int(root, "schema_version", 0);
        if (version != SchemaVersion)
            throw new FormatException($"training state schema version {version}; this ModelDsl reads version {SchemaVersion}");
        var optimizer = Property(root, "optimizer");
        RequireKind(optimizer, JsonValueKind.Object, "optimizer");
        var rng = Property(root, "rng");
        RequireKind(rng, JsonValueKind.Object, "rng");
        var historyArray = Property(root, "history");
        RequireKind(historyArray, JsonValueKind.Array, "history");
        var history = new List<EpochResult>(historyArray.GetArrayLength());
        foreach (var e in historyArray.EnumerateArray())
        {
            string where = $"history[{history.Count}]";
            RequireKind(e, JsonValueKind.Object, where);
            var val = Property(e, "val_loss", where);
            double seconds = Double(e, "elapsed_seconds", where, allowText: false);
            // TimeSpan.FromSeconds throws past about 2.9e4 years: refuse long before, as a format error.
            if (!(seconds >= 0 && seconds <= MaxElapsedSeconds))
                throw new FormatException($"{where}.elapsed_seconds is {seconds.ToString(CultureInfo.InvariantCulture)}, not a time between 0 and {MaxElapsedSeconds:0e0} seconds");
            history.Add(new EpochResult(
                Int(e, "epoch", 1, where),
                Double(e, "loss", where),
                val.ValueKind == JsonValueKind.Null ? null : Double(e, "val_loss", where),
                TimeSpan.FromSeconds(seconds))
            { SkippedBatches = Int(e, "skipped_batches", 0, where) });
        }
        return new TrainingCheckpoint
        {
            OptimizerConfig = optimizer.GetRawText(),
            OptimizerStep = Long(root, "optimizer_step", 0),
            Epoch = Int(root, "epoch", 1),
            Batch = Int(root, "batch", 0),
            BatchSize = Int(root, "batch_size", 1),
            TrainWindows = Int(root, "train_windows", 1),
            StepsPerEpoch = Int(root, "steps_per_epoch", 1),
            Shuffled = Bool(root, "shuffle"),
            ShuffleRngAtFitStart = ReadState(rng, "shuffle_at_fit_start"),
            ShuffleRng = ReadState(rng, "shuffle"),
            DropoutRng = ReadState(rng, "dropout"),
            SamplingRng = ReadState(rng, "sampling"),
            EpochLossSum = Double(root, "epoch_loss_sum"),
            EpochRows = Long(root, "epoch_rows", 0),
            EpochSkipped = Int(root, "epoch_skipped", 0),
            History = history,
        };
    }

    /// <summary>The longest epoch a checkpoint may record: about 3 000 years, well inside <see cref="TimeSpan"/>.</summary>
    private const double MaxElapsedSeconds = 1e11;

    /// <summary>A cross-entropy is never negative; this allows for rounding in a probability a hair above 1.</summary>
    private const double LowestLoss = -1e-3;

    /// <summary>No loss computed from float32 outputs exceeds about twice <see cref="float.MaxValue"/> (a logit difference).</summary>
    private const double HighestLoss = 1e39;

    /// <summary>
    /// The fields agree with one another as every checkpoint <see cref="Model.Fit"/> writes does. In particular the epoch is
    /// one past the history it stores, so replaying the shuffles of the earlier epochs costs at most one shuffle per
    /// history entry in the file, never a number the file merely claims.
    /// </summary>
    private void Check(int scoredPerRow, bool paddingIgnored)
    {
        long batches = ((long)TrainWindows + BatchSize - 1) / BatchSize;
        if (BatchSize > TrainWindows)
            throw new FormatException($"batch_size {BatchSize} exceeds train_windows {TrainWindows} (a run's batch size is at most its windows)");
        if (StepsPerEpoch > batches)
            throw new FormatException($"steps_per_epoch {StepsPerEpoch} exceeds the {batches} batches of {TrainWindows} windows in batches of {BatchSize}");
        if (Batch > StepsPerEpoch)
            throw new FormatException($"batch {Batch} is past the epoch's {StepsPerEpoch} steps");
        if (History.Count != Epoch - 1)
            throw new FormatException($"epoch {Epoch} does not follow the {History.Count} finished epochs in the history (it must be {History.Count + 1})");
        long skippedBefore = 0;
        for (int i = 0; i < History.Count; i++)
        {
            var e = History[i];
            if (e.Epoch != i + 1)
                throw new FormatException($"history[{i}] is epoch {e.Epoch}, but the history numbers its epochs 1, 2, 3… (expected {i + 1})");
            if (e.SkippedBatches > StepsPerEpoch)
                throw new FormatException($"history[{i}] skipped {e.SkippedBatches} batches of an epoch of {StepsPerEpoch}");
            // An epoch whose batches were all skipped has no mean loss (NaN); any other has a finite one.
            bool allSkipped = e.SkippedBatches == StepsPerEpoch;
            if (allSkipped ? !double.IsNaN(e.TrainingLoss) : !(e.TrainingLoss >= LowestLoss && e.TrainingLoss <= HighestLoss))
                throw new FormatException($"history[{i}].loss is {Number(e.TrainingLoss)}, not {(allSkipped ? "NaN (every batch was skipped)" : "a loss between 0 and 1e39")}");
            // Evaluate may report NaN or +∞ for a model that overflows on the validation set, but never a negative loss.
            if (e.ValidationLoss is { } v && v < LowestLoss)
                throw new FormatException($"history[{i}].val_loss is {Number(v)}, below 0");
            skippedBefore += e.SkippedBatches;
        }
        // Each finished batch of this epoch was skipped or added its rows (1 to batch_size) and their loss to the sums.
        long trained = Batch - (long)EpochSkipped;
        if (trained < 0)
            throw new FormatException($"epoch_skipped {EpochSkipped} exceeds the {Batch} batches done in this epoch");
        if (EpochRows < (paddingIgnored ? 0 : trained) || EpochRows > trained * BatchSize * scoredPerRow)
            throw new FormatException($"epoch_rows {EpochRows} does not fit {trained} trained batches of at most {(long)BatchSize * scoredPerRow} scored positions");
        if (!(EpochRows == 0 ? EpochLossSum == 0 : EpochLossSum >= LowestLoss * EpochRows && EpochLossSum <= HighestLoss * EpochRows))
            throw new FormatException($"epoch_loss_sum {Number(EpochLossSum)} is not a sum of {EpochRows} losses between 0 and 1e39");
        // Every step of this run that was not skipped was one optimizer step; the optimizer may have taken more before.
        long steps = (long)(Epoch - 1) * StepsPerEpoch + Batch - skippedBefore - EpochSkipped;
        if (OptimizerStep < steps)
            throw new FormatException($"optimizer_step {OptimizerStep} is fewer than the {steps} steps this run has taken");
    }

    private static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    private static JsonElement Property(JsonElement parent, string name, string? where = null) =>
        parent.TryGetProperty(name, out var value) ? value : throw new FormatException($"{Path(where, name)} is missing");

    private static void RequireKind(JsonElement value, JsonValueKind kind, string what)
    {
        if (value.ValueKind != kind)
            throw new FormatException($"{what} is a JSON {value.ValueKind}, not {(kind == JsonValueKind.Array ? "an array" : "an object")}");
    }

    private static string Path(string? where, string name) => where is null ? name : $"{where}.{name}";

    private static int Int(JsonElement parent, string name, int min, string? where = null)
    {
        var value = Property(parent, name, where);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int x) || x < min)
            throw new FormatException($"{Path(where, name)} is {Excerpt.Of(value.GetRawText())}, not an integer from {min} to {int.MaxValue}");
        return x;
    }

    private static long Long(JsonElement parent, string name, long min)
    {
        var value = Property(parent, name);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long x) || x < min)
            throw new FormatException($"{name} is {Excerpt.Of(value.GetRawText())}, not an integer from {min} to {long.MaxValue}");
        return x;
    }

    private static bool Bool(JsonElement parent, string name)
    {
        var value = Property(parent, name);
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new FormatException($"{name} is {Excerpt.Of(value.GetRawText())}, not true or false"),
        };
    }

    /// <summary>A number, or (where <paramref name="allowText"/>) one written as text because JSON numbers cannot be NaN or ±∞.</summary>
    private static double Double(JsonElement parent, string name, string? where = null, bool allowText = true)
    {
        var value = Property(parent, name, where);
        double x = 0;
        bool ok = value.ValueKind == JsonValueKind.Number
            ? value.TryGetDouble(out x)
            : value.ValueKind == JsonValueKind.String && allowText
              && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out x);
        if (!ok)
            throw new FormatException($"{Path(where, name)} is {Excerpt.Of(value.GetRawText())}, not a number");
        return x;
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
        var state = Property(rng, name, "rng");
        if (state.ValueKind != JsonValueKind.Array || state.GetArrayLength() != 4)
            throw new FormatException($"rng.{name} is not a valid xoshiro256** state (an array of four hex words)");
        var words = new ulong[4];
        int i = 0;
        foreach (var w in state.EnumerateArray())
            if (w.ValueKind != JsonValueKind.String
                || !ulong.TryParse(w.GetString(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out words[i++]))
                throw new FormatException($"rng.{name} holds {Excerpt.Of(w.GetRawText())}, not a 64-bit hex word");
        if (words.All(w => w == 0))
            throw new FormatException($"rng.{name} is all zero, which is not a valid xoshiro256** state");
        return words;
    }

    // A skipped epoch's loss may be NaN, which JSON numbers cannot hold.
    private static void WriteDouble(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteString(name, value.ToString(CultureInfo.InvariantCulture));
    }
}
