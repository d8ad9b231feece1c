using ModelDsl.Onnx.Export;
using ModelDsl.Onnx.Proto;

namespace ModelDsl.Onnx;

/// <summary>
/// Writes a model's inference graph with its current weights as an ONNX file: input <see cref="InputName"/> int64 token
/// ids [batch, T], output <see cref="OutputName"/> float [batch, units] (probabilities when the last Dense has a softmax or a
/// sigmoid, else logits). Standard operators only (Transpose, OneHot, Gather, LSTM, GRU, RNN, Squeeze, Reshape, Gemm,
/// Softmax, Sigmoid), opset
/// <see cref="OpsetVersion"/>.
/// </summary>
public static class OnnxExporter
{
    public const string InputName = "tokens";
    public const string OutputName = "output";
    /// <summary>ONNX IR version 8 (ONNX 1.10 and later read it).</summary>
    public const long IrVersion = 8;
    public const long OpsetVersion = 17;

    /// <summary>Writes the ONNX file at <paramref name="path"/>, replacing it.</summary>
    public static void Export(Model model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var proto = ToModelProto(model);
        using var file = File.Create(path);
        OnnxProtoWriter.Write(proto, file);
    }

    public static void Export(Model model, Stream output)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(output);
        OnnxProtoWriter.Write(ToModelProto(model), output);
    }

    /// <summary>The ONNX model as data, before encoding (for inspection and tests).</summary>
    public static ModelProto ToModelProto(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new OnnxGraphBuilder(model).Build();
    }
}
