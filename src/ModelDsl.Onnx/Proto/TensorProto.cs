using System.Runtime.InteropServices;

namespace ModelDsl.Onnx.Proto;

/// <summary>A named constant tensor (an initializer or an attribute value), stored row-major as little-endian <c>raw_data</c>.</summary>
public sealed record TensorProto(string Name, TensorDataType DataType, long[] Dims, byte[] RawData)
{
    public static TensorProto FromFloats(string name, long[] dims, ReadOnlySpan<float> values)
    {
        CheckCount(name, dims, values.Length);
        return new TensorProto(name, TensorDataType.Float, dims, LittleEndianBytes(values));
    }

    public static TensorProto FromInt64s(string name, long[] dims, ReadOnlySpan<long> values)
    {
        CheckCount(name, dims, values.Length);
        return new TensorProto(name, TensorDataType.Int64, dims, LittleEndianBytes(values));
    }

    private static void CheckCount(string name, long[] dims, int count)
    {
        long expected = 1;
        foreach (var d in dims) expected *= d;
        if (expected != count)
            throw new ArgumentException($"Tensor '{name}' has shape [{string.Join(", ", dims)}] ({expected} values) but {count} values were given.");
    }

    private static byte[] LittleEndianBytes<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        // ONNX raw_data is little-endian whatever the host; .NET on big-endian hosts is not a target.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX export needs a little-endian host.");
        return MemoryMarshal.AsBytes(values).ToArray();
    }
}
