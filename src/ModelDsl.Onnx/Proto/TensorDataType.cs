namespace ModelDsl.Onnx.Proto;

/// <summary>The element types of <c>TensorProto.DataType</c> that the exporter writes (values from onnx.proto).</summary>
public enum TensorDataType
{
    Float = 1,
    Int64 = 7,
}
