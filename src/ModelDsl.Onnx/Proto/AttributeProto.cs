namespace ModelDsl.Onnx.Proto;

/// <summary>A node attribute: exactly one of a float, an int, a string, a list of ints or a tensor (<c>AttributeProto.AttributeType</c>).</summary>
public sealed record AttributeProto
{
    private AttributeProto(string name, AttributeKind kind)
    {
        Name = name;
        Kind = kind;
    }

    public string Name { get; }
    public AttributeKind Kind { get; }
    public float Float { get; private init; }
    public long Int { get; private init; }
    public string? String { get; private init; }
    public long[]? Ints { get; private init; }
    public TensorProto? Tensor { get; private init; }

    public static AttributeProto Of(string name, float value) => new(name, AttributeKind.Float) { Float = value };
    public static AttributeProto Of(string name, long value) => new(name, AttributeKind.Int) { Int = value };
    public static AttributeProto Of(string name, string value) => new(name, AttributeKind.String) { String = value };
    public static AttributeProto Of(string name, params long[] values) => new(name, AttributeKind.Ints) { Ints = values };
    public static AttributeProto Of(string name, TensorProto value) => new(name, AttributeKind.Tensor) { Tensor = value };
}

/// <summary>The <c>AttributeProto.AttributeType</c> values the exporter uses.</summary>
public enum AttributeKind
{
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Ints = 7,
}
