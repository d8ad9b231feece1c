namespace ModelDsl.Onnx.Proto;

/// <summary>One operator application. An empty input name stands for an omitted optional input.</summary>
public sealed record NodeProto(string OpType, string Name, string[] Inputs, string[] Outputs, AttributeProto[] Attributes)
{
    public NodeProto(string opType, string name, string[] inputs, string[] outputs)
        : this(opType, name, inputs, outputs, [])
    {
    }
}
