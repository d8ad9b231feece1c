using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ModelDsl.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format (Hugging Face), float32 tensors only, so checkpoints
/// open with the <c>safetensors</c> Python package, PyTorch and Keras 3.
/// </summary>
/// <remarks>
/// Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON
/// <c>{"__metadata__":{"key":"value"}, "name":{"dtype":"F32","shape":[...],"data_offsets":[begin,end]}, ...}</c>
/// padded with spaces to a multiple of 8, then the tensors' little-endian bytes, contiguous, with
/// offsets relative to the first byte after the header. Reading validates everything against the
/// file's real length before reading any data: every malformed input is a
/// <see cref="CheckpointFormatException"/>, never an out-of-range read or a huge allocation.
/// </remarks>
public static class SafeTensors
{
    /// <summary>Largest header accepted, as in the reference implementation (100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const string MetadataKey = "__metadata__";
    private const string Float32 = "F32";

    /// <summary>
    /// Writes <paramref name="tensors"/> (data in this order) and optional string metadata to <paramref name="path"/>.
    /// </summary>
    /// <remarks>
    /// Crash-safe, through <see cref="AtomicFile.Write"/>: a crash leaves either the old checkpoint or the new one, never a
    /// torn file; a symbolic link is written through; a folder, a device, a pipe or a socket is refused with an
    /// <see cref="IOException"/>; errors name <paramref name="path"/>, never the temporary file.
    /// </remarks>
    public static void Write(string path, IReadOnlyList<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        byte[] header = BuildHeader(tensors, metadata);

        AtomicFile.Write(path, "checkpoint", file =>
        {
            Span<byte> headerLength = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(headerLength, (ulong)header.Length);
            file.Write(headerLength);
            file.Write(header);
            foreach (var tensor in tensors) WriteFloats(file, tensor.Data);
        });
    }

    /// <summary>What a temporary file's name adds to its checkpoint's name, before 12 random hex digits.</summary>
    public const string TemporaryInfix = AtomicFile.TemporaryInfix;

    /// <summary>Reads a safetensors file of float32 tensors.</summary>
    /// <exception cref="CheckpointFormatException">The file is truncated or malformed, or holds a dtype other than F32.</exception>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long fileLength = file.Length;
        try
        {
            if (fileLength < 8)
                throw Malformed(path, $"truncated: {fileLength} bytes, fewer than the 8-byte header length");
            Span<byte> headerLengthBytes = stackalloc byte[8];
            file.ReadExactly(headerLengthBytes);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(headerLengthBytes);
            if (headerLength > (ulong)(fileLength - 8))
                throw Malformed(path, $"header length {headerLength} runs past the end of the file ({fileLength} bytes): truncated, or not a safetensors file");
            if (headerLength > MaxHeaderLength)
                throw Malformed(path, $"header length {headerLength} exceeds the {MaxHeaderLength}-byte limit");
            var header = new byte[(int)headerLength];
            file.ReadExactly(header);
            long dataLength = fileLength - 8 - (long)headerLength;

            var (metadata, entries) = ParseHeader(path, header, dataLength);
            entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long expectedBegin = 0;
            foreach (var entry in entries)
            {
                if (entry.Begin < expectedBegin)
                    throw Malformed(path, $"tensor '{Excerpt.Of(entry.Name)}' data [{entry.Begin}, {entry.End}) overlaps the tensor before it, which ends at {expectedBegin}");
                if (entry.Begin > expectedBegin)
                    throw Malformed(path, $"tensor '{Excerpt.Of(entry.Name)}' data starts at {entry.Begin}, leaving a gap after byte {expectedBegin}: tensors must be contiguous");
                expectedBegin = entry.End;
            }
            if (expectedBegin != dataLength)
                throw Malformed(path, $"{dataLength - expectedBegin} bytes after the last tensor's data: the header does not describe the whole file");

            var tensors = new List<TensorData>(entries.Count);
            foreach (var entry in entries)
            {
                var data = new float[entry.ElementCount];
                file.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
                if (!BitConverter.IsLittleEndian)
                {
                    Span<int> bits = MemoryMarshal.Cast<float, int>(data.AsSpan());
                    BinaryPrimitives.ReverseEndianness(bits, bits);
                }
                tensors.Add(new TensorData(entry.Name, entry.Shape, data));
            }
            return new SafeTensorsFile(metadata, tensors);
        }
        catch (EndOfStreamException e)
        {
            // Only possible if the file shrank while being read: every length was checked above.
            throw new CheckpointFormatException($"Malformed safetensors file '{path}': truncated while reading.", e);
        }
    }

    private sealed record HeaderEntry(string Name, int[] Shape, int ElementCount, long Begin, long End);

    private static (Dictionary<string, string> Metadata, List<HeaderEntry> Entries) ParseHeader(string path, byte[] header, long dataLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException($"Malformed safetensors file '{path}': the header is not valid JSON ({Excerpt.Of(e.Message, 200)}).", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Malformed(path, $"the header is a JSON {root.ValueKind}, not an object");

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<HeaderEntry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                foreach (var property in root.EnumerateObject())
                {
                    if (!names.Add(property.Name))
                        throw Malformed(path, $"the header names '{Excerpt.Of(property.Name)}' twice");
                    if (property.Name == MetadataKey)
                        ReadMetadata(path, property.Value, metadata);
                    else
                        entries.Add(ReadEntry(path, property.Name, property.Value, dataLength));
                }
            }
            catch (InvalidOperationException e)
            {
                // JsonDocument checks the structure but decodes strings lazily: a corrupt byte inside a name or value surfaces here.
                throw new CheckpointFormatException($"Malformed safetensors file '{path}': the header holds a string that is not valid UTF-8 ({Excerpt.Of(e.Message, 200)}).", e);
            }
            return (metadata, entries);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object)
            throw Malformed(path, $"{MetadataKey} is a JSON {value.ValueKind}, not an object of strings");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Malformed(path, $"{MetadataKey} entry '{Excerpt.Of(item.Name)}' is a JSON {item.Value.ValueKind}, not a string");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw Malformed(path, $"{MetadataKey} names '{Excerpt.Of(item.Name)}' twice");
        }
    }

    private static HeaderEntry ReadEntry(string path, string fullName, JsonElement value, long dataLength)
    {
        string name = Excerpt.Of(fullName); // for messages only
        if (value.ValueKind != JsonValueKind.Object)
            throw Malformed(path, $"tensor '{name}' is described by a JSON {value.ValueKind}, not an object");

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Malformed(path, $"tensor '{name}' has no \"dtype\" string");
        string dtype = dtypeElement.GetString()!;
        if (dtype != Float32)
            throw Malformed(path, $"tensor '{name}' has dtype {Excerpt.Of(dtype)}; only {Float32} (float32) is supported");

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Malformed(path, $"tensor '{name}' has no \"shape\" array");
        var shape = new int[shapeElement.GetArrayLength()];
        long elements = 1;
        bool empty = false;
        int d = 0;
        foreach (var dimension in shapeElement.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt32(out int size) || size < 0)
                throw Malformed(path, $"tensor '{name}' has a shape entry {Excerpt.Of(dimension.GetRawText())} that is not a non-negative 32-bit integer");
            shape[d++] = size;
            empty |= size == 0;
            // Saturate rather than overflow: any product past the array limit is rejected below.
            elements = elements > Array.MaxLength ? elements : elements * size;
        }
        if (empty) elements = 0;

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Malformed(path, $"tensor '{name}' has no \"data_offsets\" array of two integers");
        if (!offsets[0].TryGetInt64Strict(out long begin) || !offsets[1].TryGetInt64Strict(out long end) || begin < 0 || end < begin)
            throw Malformed(path, $"tensor '{name}' has data_offsets {Excerpt.Of(offsets.GetRawText())}, not two integers with 0 ≤ begin ≤ end");
        if (end > dataLength)
            throw Malformed(path, $"tensor '{name}' data ends at byte {end} but the file holds only {dataLength} data bytes: truncated, or offsets out of range");

        string ShapeText() => Excerpt.Of("[" + string.Join(", ", shape) + "]");
        if (elements > Array.MaxLength)
            throw Malformed(path, $"tensor '{name}' shape {ShapeText()} has more elements than an array can hold");
        if (end - begin != elements * sizeof(float))
            throw Malformed(path, $"tensor '{name}' shape {ShapeText()} needs {elements} × 4 = {elements * sizeof(float)} bytes but its data_offsets [{begin}, {end}) span {end - begin}");

        return new HeaderEntry(fullName, shape, (int)elements, begin, end);
    }

    private static bool TryGetInt64Strict(this JsonElement element, out long value)
    {
        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value);
    }

    private static byte[] BuildHeader(IReadOnlyList<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + 96 * tensors.Count);
        // Relaxed escaping keeps names readable; JSON still escapes quotes, backslashes and control characters.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, text) in metadata)
                {
                    ArgumentNullException.ThrowIfNull(text, $"metadata[{key}]");
                    json.WriteString(key, text);
                }
                json.WriteEndObject();
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            long offset = 0;
            foreach (var tensor in tensors)
            {
                ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
                ValidateTensor(tensor, names);
                long end = offset + (long)tensor.Data.Length * sizeof(float);
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", Float32);
                json.WriteStartArray("shape");
                foreach (int size in tensor.Shape) json.WriteNumberValue(size);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }

        // Pad with spaces so the data starts 8-byte aligned (8 + N ≡ 0 mod 8), as the format recommends.
        int length = buffer.WrittenCount;
        int padded = (length + 7) & ~7;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }

    private static void ValidateTensor(TensorData tensor, HashSet<string> names)
    {
        if (string.IsNullOrEmpty(tensor.Name))
            throw new ArgumentException("A tensor name must not be empty.", nameof(tensor));
        if (tensor.Name == MetadataKey)
            throw new ArgumentException($"'{MetadataKey}' is reserved and cannot name a tensor.", nameof(tensor));
        if (!names.Add(tensor.Name))
            throw new ArgumentException($"Duplicate tensor name '{tensor.Name}'.", nameof(tensor));
        ArgumentNullException.ThrowIfNull(tensor.Shape, $"{tensor.Name}.Shape");
        ArgumentNullException.ThrowIfNull(tensor.Data, $"{tensor.Name}.Data");
        long elements = 1;
        foreach (int size in tensor.Shape)
        {
            if (size < 0) throw new ArgumentException($"Tensor '{tensor.Name}' has a negative dimension in its shape.", nameof(tensor));
            // Saturate: a product past the array limit cannot match the data length anyway.
            elements = elements > Array.MaxLength ? elements : elements * size;
        }
        if (tensor.Shape.Contains(0)) elements = 0;
        if (elements != tensor.Data.Length)
            throw new ArgumentException(
                $"Tensor '{tensor.Name}' shape [{string.Join(", ", tensor.Shape)}] has {elements} elements but its data holds {tensor.Data.Length}.",
                nameof(tensor));
    }

    private static void WriteFloats(Stream file, float[] data)
    {
        if (BitConverter.IsLittleEndian)
        {
            file.Write(MemoryMarshal.AsBytes(data.AsSpan()));
            return;
        }
        Span<byte> chunk = stackalloc byte[4096];
        for (int i = 0; i < data.Length;)
        {
            int count = Math.Min(chunk.Length / sizeof(float), data.Length - i);
            for (int j = 0; j < count; j++)
                BinaryPrimitives.WriteSingleLittleEndian(chunk.Slice(j * sizeof(float)), data[i + j]);
            file.Write(chunk[..(count * sizeof(float))]);
            i += count;
        }
    }

    private static CheckpointFormatException Malformed(string path, string problem) =>
        new($"Malformed safetensors file '{path}': {problem}.");
}
