namespace ModelDsl.Onnx.Proto;

/// <summary>The computation: nodes in topological order, the weights as initializers, and the typed inputs and outputs.</summary>
public sealed record GraphProto(string Name, NodeProto[] Nodes, TensorProto[] Initializers, ValueInfoProto[] Inputs, ValueInfoProto[] Outputs);
