using System.Buffers.Binary;
using System.Text;
using ModelDsl.Checkpoints;
using ModelDsl.Data;
using ModelDsl.Tests.Models;
using ModelDsl.Tests.Runtime;

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

    private static string ReplaceFirst(string text, string old, string replacement)
    {
        int at = text.IndexOf(old, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{old}' not in the header");
        return text[..at] + replacement + text[(at + old.Length)..];
    }
}
