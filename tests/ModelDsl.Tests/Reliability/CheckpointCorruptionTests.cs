using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using ModelDsl.Checkpoints;
using ModelDsl.Data;
using ModelDsl.Tests.Models;
using ModelDsl.Tests.Runtime;
using ModelDsl.Training;

namespace ModelDsl.Tests.Reliability;

/// <summary>
/// A truncated or corrupted checkpoint, a wrong dtype, a header that lies about sizes: each is a clear
/// <see cref="CheckpointFormatException"/> (or <see cref="CheckpointMismatchException"/> when the file is well formed but
/// holds another model), never an out-of-range read or another exception, and the model is left as it was.
/// </summary>
public sealed class CheckpointCorruptionTests
{
    private static (byte[] Bytes, WindowDataset Data) TrainingCheckpoint(TemporaryDirectory dir)
    {
        var rng = new Numerics.Rng(31);
        var ids = new int[40];
        for (int i = 0; i < ids.Length; i++) ids[i] = rng.NextInt(9);
        var data = new WindowDataset(ids, 4, 1);
        using var model = new TinyStack(new ModelOptions { Seed = 31 });
        string path = dir.File("good.safetensors");
        model.Fit(data, new FitOptions { BatchSize = 8, StepsPerEpoch = 2, CheckpointPath = path });
        return (File.ReadAllBytes(path), data);
    }

    /// <summary>Loading and resuming from <paramref name="bytes"/> either works or throws a checkpoint exception, changing nothing.</summary>
    private static void LoadsOrFailsCleanly(string path, byte[] bytes, WindowDataset data, string what)
    {
        File.WriteAllBytes(path, bytes);
        using var model = new TinyStack(new ModelOptions { Seed = 5 });
        foreach (var attempt in new Action[] { () => model.Load(path), () => model.Fit(data, new FitOptions { BatchSize = 8, StepsPerEpoch = 2, ResumeFrom = path }) })
        {
            var before = model.Parameters.ToArray();
            try
            {
                attempt();
            }
            catch (Exception e) when (e is CheckpointFormatException or CheckpointMismatchException)
            {
                Assert.Contains("'" + path + "'", e.Message);
                Assert.Equal(before, model.Parameters.ToArray());
                Assert.Equal(0, model.Step);
            }
            catch (Exception e)
            {
                Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    [Fact]
    public void Every_truncation_of_a_training_checkpoint_is_a_format_error()
    {
        using var dir = new TemporaryDirectory();
        var (bytes, data) = TrainingCheckpoint(dir);
        string path = dir.File("cut.safetensors");
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var lengths = Enumerable.Range(0, 10).Concat(Enumerable.Range(headerEnd - 3, 6)).Concat(Enumerable.Range(0, 40).Select(i => i * bytes.Length / 40))
            .Append(bytes.Length - 1).Where(n => n >= 0 && n < bytes.Length).Distinct();
        using var model = new TinyStack();
        foreach (int length in lengths)
        {
            File.WriteAllBytes(path, bytes[..length]);
            var e = Assert.Throws<CheckpointFormatException>(() => model.Load(path));
            Assert.Contains("truncated", e.Message);
        }
    }

    [Fact]
    public void Random_byte_corruption_never_escapes_as_another_exception()
    {
        using var dir = new TemporaryDirectory();
        var (bytes, data) = TrainingCheckpoint(dir);
        string path = dir.File("flipped.safetensors");
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var rng = new Numerics.Rng(32);
        for (int trial = 0; trial < 150; trial++)
        {
            var corrupt = (byte[])bytes.Clone();
            // Mostly the length prefix and the JSON header, where a flip changes meaning rather than a weight.
            int at = trial % 5 == 0 ? rng.NextInt(bytes.Length) : rng.NextInt(headerEnd);
            corrupt[at] = (byte)(trial % 3 == 0 ? rng.NextInt(256) : corrupt[at] ^ (1 << rng.NextInt(8)));
            LoadsOrFailsCleanly(path, corrupt, data, $"byte {at} of {bytes.Length}");
        }
    }

    [Fact]
    public void A_wrong_dtype_and_a_header_that_lies_about_sizes_are_named()
    {
        using var dir = new TemporaryDirectory();
        var (bytes, data) = TrainingCheckpoint(dir);
        string path = dir.File("lying.safetensors");
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, headerLength);

        byte[] WithHeader(string text)
        {
            var h = Encoding.UTF8.GetBytes(text);
            var result = new byte[8 + h.Length + bytes.Length - 8 - headerLength];
            BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)h.Length);
            h.CopyTo(result, 8);
            bytes.AsSpan(8 + headerLength).CopyTo(result.AsSpan(8 + h.Length));
            return result;
        }

        string Message(byte[] file)
        {
            File.WriteAllBytes(path, file);
            using var model = new TinyStack();
            return Assert.Throws<CheckpointFormatException>(() => model.Load(path)).Message;
        }

        Assert.Contains("dtype F16", Message(WithHeader(ReplaceFirst(header, "\"F32\"", "\"F16\""))));
        // dense.bias is [9]: claiming [90] makes the shape need 360 bytes while its offsets span 36.
        Assert.Contains("needs 90 × 4 = 360 bytes", Message(WithHeader(header.Replace("\"shape\":[9]", "\"shape\":[90]"))));
        var longer = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(longer, (ulong)bytes.Length);
        Assert.Contains("runs past the end of the file", Message(longer));
        var huge = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(huge, ulong.MaxValue);
        Assert.Contains("runs past the end of the file", Message(huge));
        Assert.Contains("data_offsets [4, 264) span 260", Message(WithHeader(ReplaceFirst(header, "\"data_offsets\":[0,", "\"data_offsets\":[4,"))));
    }

    // ---- The training state: every field checked, and the whole file checked before anything is applied ----

    private const string TrainingKey = "modeldsl.training";

    /// <summary>
    /// 36 windows in batches of 8 cut to 3 steps per epoch, 3 epochs; the checkpoint of step 7 is epoch 3, batch 1, with two
    /// epochs of history: every part of the training state holds something.
    /// </summary>
    private static (SafeTensorsFile File, WindowDataset Data, FitOptions Options) MidRunCheckpoint(TemporaryDirectory dir)
    {
        var rng = new Numerics.Rng(41);
        var ids = new int[40];
        for (int i = 0; i < ids.Length; i++) ids[i] = rng.NextInt(9);
        var data = new WindowDataset(ids, 4, 1);
        var options = new FitOptions { Epochs = 3, BatchSize = 8, StepsPerEpoch = 3 };
        string path = dir.File("mid-run.safetensors");
        using (var model = new TinyStack(new ModelOptions { Seed = 41 }))
            model.Fit(data, options with { CheckpointPath = path, CheckpointEverySteps = 7 });
        return (SafeTensors.Read(path), data, options);
    }

    /// <summary>Weights, optimizer and its state and step, and the three random streams, to compare before and after.</summary>
    private static object Snapshot(Model model) => (
        string.Join(",", model.Parameters.ToArray()), model.Step, model.Optimizer, string.Join(",", model.OptimizerState.ToArray()),
        string.Join(",", model.DropoutRandom.GetState()), string.Join(",", model.ShuffleRandom.GetState()), string.Join(",", model.SamplingRandom.GetState()));

    /// <summary>A model that has trained (Adam, two steps), so a partly applied checkpoint would show in every part of it.</summary>
    private static TinyStack TrainedModel(WindowDataset data)
    {
        var model = new TinyStack(new ModelOptions { Seed = 5 });
        model.Fit(data, new FitOptions { BatchSize = 8, StepsPerEpoch = 2, Optimizer = new Adam(0.01f) });
        return model;
    }

    private static void WriteCheckpoint(string path, SafeTensorsFile good, string trainingJson, IReadOnlyList<TensorData>? tensors = null)
    {
        var metadata = new Dictionary<string, string>(good.Metadata) { [TrainingKey] = trainingJson };
        SafeTensors.Write(path, tensors ?? good.Tensors, metadata);
    }

    /// <summary>
    /// Resumes from <paramref name="path"/> into <paramref name="model"/> on another thread; returns what went wrong, or null
    /// when it was refused with a checkpoint exception naming the file, in a short message, and nothing changed. A resume
    /// still running after a minute is an error: that is a replay of numbers the file claims, not of its size.
    /// </summary>
    private static string? RefusalProblem(Model model, string path, WindowDataset data, FitOptions options, bool mayLoad = false)
    {
        var before = Snapshot(model);
        Exception? error = null;
        var attempt = Task.Run(() =>
        {
            try { model.Fit(data, options with { ResumeFrom = path }); }
            catch (Exception e) { error = e; }
        });
        if (!attempt.Wait(TimeSpan.FromSeconds(60)))
            return "still running after a minute";
        if (error is null)
            return mayLoad ? null : "loaded";
        if (error is not (CheckpointFormatException or CheckpointMismatchException))
            return $"{error.GetType().Name}: {Cut(error.Message)}";
        if (!error.Message.Contains("'" + path + "'"))
            return $"the message does not name the file: {Cut(error.Message)}";
        if (error.Message.Length > 600)
            return $"a message of {error.Message.Length} characters";
        if (!Equals(before, Snapshot(model)))
            return $"refused ({Cut(error.Message)}) but the model changed";
        return null;
    }

    private static string Cut(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private static string Edit(string json, Action<JsonObject> edit)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        edit(root);
        return root.ToJsonString();
    }

    private static JsonObject History(JsonObject root, int i) => root["history"]![i]!.AsObject();

    /// <summary>Each corruption of the training state, as a name and an edit of its JSON text.</summary>
    private static IEnumerable<(string Name, Func<string, string> Corrupt)> TrainingStateCorruptions(string good)
    {
        (string, Func<string, string>) Set(string name, Action<JsonObject> edit) => (name, json => Edit(json, edit));

        // Numbers out of range, in the billions, negative, of the wrong type.
        yield return Set("epoch 2000000000", o => o["epoch"] = 2_000_000_000);
        yield return Set("epoch 0", o => o["epoch"] = 0);
        yield return Set("epoch -3", o => o["epoch"] = -3);
        yield return Set("epoch 1e12", o => o["epoch"] = 1e12);
        yield return Set("epoch ahead of its history", o => o["epoch"] = 4);
        yield return Set("epoch behind its history", o => o["epoch"] = 2);
        yield return Set("epoch 3.5", o => o["epoch"] = 3.5);
        yield return Set("epoch \"3\"", o => o["epoch"] = "3");
        yield return Set("batch 2000000000", o => o["batch"] = 2_000_000_000);
        yield return Set("batch -1", o => o["batch"] = -1);
        yield return Set("batch past the epoch's steps", o => o["batch"] = 4);
        yield return Set("optimizer step -1", o => o["optimizer_step"] = -1);
        yield return Set("optimizer step below the steps taken", o => o["optimizer_step"] = 2);
        yield return Set("optimizer step 1e30", o => o["optimizer_step"] = 1e30);
        yield return Set("batch size 0", o => o["batch_size"] = 0);
        yield return Set("batch size 1e12", o => o["batch_size"] = 1e12);
        yield return Set("batch size above the windows", o => o["batch_size"] = 100);
        yield return Set("train windows -1", o => o["train_windows"] = -1);
        yield return Set("train windows 2000000000", o => o["train_windows"] = 2_000_000_000);
        yield return Set("steps per epoch 0", o => o["steps_per_epoch"] = 0);
        yield return Set("steps per epoch 2000000000", o => o["steps_per_epoch"] = 2_000_000_000);
        yield return Set("steps per epoch above the batches", o => o["steps_per_epoch"] = 6);
        yield return Set("shuffle \"yes\"", o => o["shuffle"] = "yes");
        yield return Set("shuffle null", o => o["shuffle"] = null);
        yield return Set("schema version 2", o => o["schema_version"] = 2);
        yield return Set("schema version \"1\"", o => o["schema_version"] = "1");

        // The current epoch's running sums.
        yield return Set("epoch loss sum NaN", o => o["epoch_loss_sum"] = "NaN");
        yield return Set("epoch loss sum Infinity", o => o["epoch_loss_sum"] = "Infinity");
        yield return Set("epoch loss sum -1", o => o["epoch_loss_sum"] = -1.0);
        yield return Set("epoch loss sum 1e300", o => o["epoch_loss_sum"] = 1e300);
        yield return Set("epoch loss sum \"abc\"", o => o["epoch_loss_sum"] = "abc");
        yield return Set("epoch rows -1", o => o["epoch_rows"] = -1);
        yield return Set("epoch rows 0 with a loss", o => o["epoch_rows"] = 0);
        yield return Set("epoch rows above the batches seen", o => o["epoch_rows"] = 100);
        yield return Set("epoch rows 1e15", o => o["epoch_rows"] = 1e15);
        yield return Set("epoch skipped -1", o => o["epoch_skipped"] = -1);
        yield return Set("epoch skipped above the batches seen", o => o["epoch_skipped"] = 2);

        // The history: epochs, losses and times.
        yield return Set("history epochs not increasing", o => History(o, 1)["epoch"] = 1);
        yield return Set("history epochs decreasing", o => History(o, 0)["epoch"] = 5);
        yield return Set("history skipping an epoch", o => History(o, 1)["epoch"] = 3);
        yield return Set("history empty", o => o["history"] = new JsonArray());
        yield return Set("history not an array", o => o["history"] = 7);
        yield return Set("history entry not an object", o => o["history"]![0] = 7);
        yield return Set("history loss NaN", o => History(o, 0)["loss"] = "NaN");
        yield return Set("history loss Infinity", o => History(o, 0)["loss"] = "Infinity");
        yield return Set("history loss -Infinity", o => History(o, 1)["loss"] = "-Infinity");
        yield return Set("history loss -5", o => History(o, 0)["loss"] = -5.0);
        yield return Set("history loss 1e300", o => History(o, 0)["loss"] = 1e300);
        yield return Set("history loss true", o => History(o, 0)["loss"] = true);
        yield return Set("history val_loss -7", o => History(o, 0)["val_loss"] = -7.0);
        yield return Set("history val_loss \"abc\"", o => History(o, 0)["val_loss"] = "abc");
        yield return Set("history elapsed 1e300 s", o => History(o, 0)["elapsed_seconds"] = 1e300);
        yield return Set("history elapsed 1e15 s", o => History(o, 0)["elapsed_seconds"] = 1e15);
        yield return Set("history elapsed -1 s", o => History(o, 1)["elapsed_seconds"] = -1.0);
        yield return Set("history elapsed \"NaN\"", o => History(o, 1)["elapsed_seconds"] = "NaN");
        yield return Set("history skipped -1", o => History(o, 0)["skipped_batches"] = -1);
        yield return Set("history skipped above the steps", o => History(o, 0)["skipped_batches"] = 4);
        yield return Set("history skipped 3e9", o => History(o, 0)["skipped_batches"] = 3e9);

        // Random streams.
        yield return Set("shuffle stream all zero", o => o["rng"]!["shuffle"] = new JsonArray("0000000000000000", "0000000000000000", "0000000000000000", "0000000000000000"));
        yield return Set("dropout stream all zero", o => o["rng"]!["dropout"] = new JsonArray("0", "0", "0", "0"));
        yield return Set("sampling stream of three words", o => o["rng"]!["sampling"]!.AsArray().RemoveAt(0));
        yield return Set("shuffle stream not hex", o => o["rng"]!["shuffle_at_fit_start"]![2] = "zz");
        yield return Set("shuffle stream a number", o => o["rng"]!["shuffle"] = 12345);
        yield return Set("shuffle stream words as numbers", o => o["rng"]!["shuffle"] = new JsonArray(1, 2, 3, 4));
        yield return Set("rng a string", o => o["rng"] = "x");
        yield return Set("shuffle stream of 100 000 words", o => o["rng"]!["shuffle"] = new JsonArray(Enumerable.Range(0, 100_000).Select(_ => (JsonNode?)JsonValue.Create("0123456789abcdef")).ToArray()));
        yield return Set("shuffle stream words a megabyte long", o => o["rng"]!["shuffle"]![0] = new string('f', 1_000_000));

        // The optimizer's configuration.
        yield return Set("optimizer a number", o => o["optimizer"] = 5);
        yield return Set("optimizer empty", o => o["optimizer"] = new JsonObject());
        yield return Set("optimizer unknown", o => o["optimizer"]!["name"] = "nadam");
        yield return Set("optimizer named a megabyte long", o => o["optimizer"]!["name"] = new string('n', 1_000_000));
        yield return Set("learning rate -1", o => o["optimizer"]!["learning_rate"] = -1.0);
        yield return Set("learning rate \"NaN\"", o => o["optimizer"]!["learning_rate"] = "NaN");
        yield return Set("learning rate 1e300", o => o["optimizer"]!["learning_rate"] = 1e300);
        yield return Set("rho missing", o => o["optimizer"]!.AsObject().Remove("rho"));

        // Every key missing, at every level.
        foreach (var key in JsonNode.Parse(good)!.AsObject().Select(p => p.Key).ToArray())
            yield return Set($"'{key}' missing", o => o.Remove(key));
        foreach (var key in JsonNode.Parse(good)!["rng"]!.AsObject().Select(p => p.Key).ToArray())
            yield return Set($"'rng.{key}' missing", o => o["rng"]!.AsObject().Remove(key));
        foreach (var key in JsonNode.Parse(good)!["history"]![0]!.AsObject().Select(p => p.Key).ToArray())
            yield return Set($"'history[0].{key}' missing", o => History(o, 0).Remove(key));

        // Huge arrays: a history of 30 000 epochs, inconsistent, then consistent but longer than the run.
        yield return Set("30 000 epochs of history numbered 1", o => o["history"] = new JsonArray(Enumerable.Range(0, 30_000).Select(_ => (JsonNode?)History(o, 0).DeepClone()).ToArray()));
        yield return Set("30 000 consecutive epochs of history", LongHistory);

        // The text itself: not JSON, cut short, NaN and Infinity literals, another JSON kind.
        foreach (var text in new[] { "", "{", "null", "[]", "5", "\"text\"" })
            yield return ($"the text '{text}'", _ => text);
        for (int cut = 1; cut <= 9; cut++)
        {
            int length = good.Length * cut / 10;
            yield return ($"cut to {length} characters", json => json[..length]);
        }
        yield return ("a NaN literal", json => System.Text.RegularExpressions.Regex.Replace(json, "\"epoch_loss_sum\":[^,]*", "\"epoch_loss_sum\":NaN"));
        yield return ("an Infinity literal", json => System.Text.RegularExpressions.Regex.Replace(json, "\"elapsed_seconds\":[^,]*", "\"elapsed_seconds\":Infinity"));
    }

    /// <summary>A history of 30 000 epochs, consistent in itself: the shuffles it implies do not reproduce the saved stream.</summary>
    private static void LongHistory(JsonObject o)
    {
        var template = History(o, 0);
        o["history"] = new JsonArray(Enumerable.Range(1, 30_000).Select(e =>
        {
            var entry = template.DeepClone().AsObject();
            entry["epoch"] = e;
            return (JsonNode?)entry;
        }).ToArray());
        o["epoch"] = 30_001;
        o["optimizer_step"] = 10_000_000;
    }

    [Fact]
    public void A_training_state_that_is_corrupt_or_lies_is_refused_before_anything_changes()
    {
        using var dir = new TemporaryDirectory();
        var (good, data, options) = MidRunCheckpoint(dir);
        string json = good.Metadata[TrainingKey];
        string path = dir.File("corrupt.safetensors");
        var problems = new List<string>();
        foreach (var (name, corrupt) in TrainingStateCorruptions(json))
        {
            WriteCheckpoint(path, good, corrupt(json));
            using var model = TrainedModel(data);
            if (RefusalProblem(model, path, data, options) is { } problem)
            {
                problems.Add($"{name}: {problem}");
                if (problem.StartsWith("still running", StringComparison.Ordinal)) break; // that thread still holds the model
            }
        }

        // The long history again, for a run of more epochs: its 30 000 shuffles are replayed (the file holds that many
        // entries) and found not to reproduce the saved shuffle stream.
        WriteCheckpoint(path, good, Edit(json, LongHistory));
        using (var model = TrainedModel(data))
            if (RefusalProblem(model, path, data, options with { Epochs = 60_000 }) is { } problem)
                problems.Add($"30 000 epochs of history, 60 000 epochs to run: {problem}");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Non_finite_weights_or_optimizer_state_in_a_training_checkpoint_are_refused_before_anything_changes()
    {
        using var dir = new TemporaryDirectory();
        var (good, data, options) = MidRunCheckpoint(dir);
        string path = dir.File("nan.safetensors");
        var problems = new List<string>();
        foreach (var tensor in new[] { "lstm_1.recurrent_kernel", "dense.bias", "optimizer.rmsprop.slot0" })
            foreach (var value in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                var tensors = good.Tensors.Select(t => t.Name != tensor ? t : t with { Data = t.Data.Select((x, i) => i == 3 ? value : x).ToArray() }).ToList();
                WriteCheckpoint(path, good, good.Metadata[TrainingKey], tensors);
                using var model = TrainedModel(data);
                if (RefusalProblem(model, path, data, options) is { } problem) problems.Add($"{value} in {tensor}: {problem}");
            }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void A_negative_running_mean_of_squares_is_refused_before_anything_changes()
    {
        // RMSprop's v is a mean of g²: a negative value would make √(v + ε) NaN and every weight it touches NaN at once.
        using var dir = new TemporaryDirectory();
        var (good, data, options) = MidRunCheckpoint(dir);
        string path = dir.File("negative.safetensors");
        var tensors = good.Tensors.Select(t => t.Name != "optimizer.rmsprop.slot0" ? t : t with { Data = t.Data.Select((x, i) => i == 5 ? -0.25f : x).ToArray() }).ToList();
        WriteCheckpoint(path, good, good.Metadata[TrainingKey], tensors);
        using var model = TrainedModel(data);
        Assert.Null(RefusalProblem(model, path, data, options));
        var error = Assert.Throws<CheckpointFormatException>(() => model.Fit(data, options with { ResumeFrom = path }));
        Assert.Contains("optimizer.rmsprop.slot0", error.Message);
        Assert.Contains("-0.25 at flat index 5", error.Message);
    }

    [Fact]
    public void Every_flipped_digit_of_the_training_state_loads_or_is_refused_changing_nothing()
    {
        using var dir = new TemporaryDirectory();
        var (good, data, options) = MidRunCheckpoint(dir);
        string goodPath = dir.File("good.safetensors");
        WriteCheckpoint(goodPath, good, good.Metadata[TrainingKey]);
        byte[] bytes = File.ReadAllBytes(goodPath);
        // Digits are not escaped in the header, so the training state's digits can be flipped in place, length unchanged.
        string header = Encoding.UTF8.GetString(bytes, 8, (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        int start = header.IndexOf("\"" + TrainingKey + "\":\"", StringComparison.Ordinal) + TrainingKey.Length + 4;
        int end = header.IndexOf("\"}", start, StringComparison.Ordinal);
        Assert.True(start > TrainingKey.Length && end > start && !header[start..end].Contains("\\u"));

        string path = dir.File("flipped.safetensors");
        var problems = new List<string>();
        using var model = TrainedModel(data);
        var initial = Snapshot(model);
        for (int i = start; i < end; i++)
        {
            if (!char.IsAsciiDigit(header[i])) continue;
            foreach (int by in new[] { 1, 9 })
            {
                var corrupt = (byte[])bytes.Clone();
                corrupt[8 + i] = (byte)('0' + (header[i] - '0' + by) % 10);
                File.WriteAllBytes(path, corrupt);
                if (RefusalProblem(model, path, data, options, mayLoad: true) is { } problem)
                {
                    problems.Add($"'{header[i]}' at {i - start} ({Cut(header[Math.Max(start, i - 30)..Math.Min(end, i + 10)])}) +{by}: {problem}");
                    if (problem.StartsWith("still running", StringComparison.Ordinal)) break;
                }
            }
            if (problems.Count > 0 && problems[^1].Contains("still running")) break;
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.NotEqual(initial, Snapshot(model)); // some flips (in the dropout and sampling streams) load and train
    }

    [Fact]
    public void Every_reader_of_the_configuration_lets_only_checkpoint_errors_escape()
    {
        using var dir = new TemporaryDirectory();
        string goodPath = dir.File("good.safetensors");
        using (var model = new TinyCharLstm(vocabulary: 7)) model.Save(goodPath);
        var good = SafeTensors.Read(goodPath);
        string config = good.Metadata[Model.ConfigMetadataKey];
        var corruptions = new List<string> { "", "{", "null", "[]", "5", "\"text\"", config[..(config.Length / 2)], config.Replace("\"vocabulary\":7", "\"vocabulary\":NaN") };
        foreach (JsonNode? value in new JsonNode?[] { "7", 1e20, -7, 0, 7.5, true, null, new JsonArray(7) })
            corruptions.Add(Edit(config, o => o["vocabulary"] = value?.DeepClone()));
        corruptions.Add(Edit(config, o => o.Remove("vocabulary")));
        corruptions.Add(Edit(config, o => o["schema_version"] = 99));

        string path = dir.File("config.safetensors");
        var problems = new List<string>();
        foreach (var text in corruptions)
        {
            SafeTensors.Write(path, good.Tensors, new Dictionary<string, string> { [Model.ConfigMetadataKey] = text });
            var error = Record.Exception(() => Model.ReadVocabulary(path));
            if (error is not CheckpointFormatException)
                problems.Add($"{Cut(text)}: {(error is null ? "read " + Model.ReadVocabulary(path) : error.GetType().Name + ": " + Cut(error.Message))}");
            else if (!error.Message.Contains("'" + path + "'") || error.Message.Length > 600)
                problems.Add($"{Cut(text)}: {Cut(error.Message)}");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static string ReplaceFirst(string text, string old, string replacement)
    {
        int at = text.IndexOf(old, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{old}' not in the header");
        return text[..at] + replacement + text[(at + old.Length)..];
    }
}
