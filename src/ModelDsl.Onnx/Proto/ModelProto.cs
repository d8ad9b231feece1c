namespace ModelDsl.Onnx.Proto;

/// <summary>The top-level ONNX file: IR version, the default-domain opset the nodes bind to, producer and graph.</summary>
public sealed record ModelProto(
    long IrVersion,
    long OpsetVersion,
    string ProducerName,
    string ProducerVersion,
    string DocString,
    GraphProto Graph,
    IReadOnlyList<KeyValuePair<string, string>> MetadataProps);
