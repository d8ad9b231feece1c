namespace ModelDsl.Onnx.Proto;

/// <summary>A graph input or output: a tensor of <see cref="ElementType"/> with fixed or named (dynamic) dimensions.</summary>
public sealed record ValueInfoProto(string Name, TensorDataType ElementType, Dimension[] Shape, string DocString = "");

/// <summary><c>TensorShapeProto.Dimension</c>: a fixed size, or a name such as "batch" for a size known at run time.</summary>
public readonly record struct Dimension(long Value, string? Param)
{
    public static Dimension Fixed(long value) => new(value, null);
    public static Dimension Named(string param) => new(0, param);
}
