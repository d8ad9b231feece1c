using ModelDsl.Onnx.Export;
using ModelDsl.Onnx.Proto;

namespace ModelDsl.Onnx.Tests;

/// <summary>The graph's structure and the Keras → ONNX weight conversion, without a runtime.</summary>
public sealed class OnnxGraphTests
{
    [Fact]
    public void OneHotInput_FeedsTheStandardLstm()
    {
        using var model = new OneHotLstmSoftmax(13);
        var proto = OnnxExporter.ToModelProto(model);
        Assert.Equal(["Transpose", "OneHot", "LSTM", "Squeeze", "Gemm", "Softmax"], proto.Graph.Nodes.Select(n => n.OpType));
        var w = proto.Graph.Initializers.Single(t => t.Name == "lstm.W");
        Assert.Equal([1L, 32, 13], w.Dims);
        Assert.Equal([1L, 32, 8], proto.Graph.Initializers.Single(t => t.Name == "lstm.R").Dims);
        Assert.Equal([1L, 64], proto.Graph.Initializers.Single(t => t.Name == "lstm.B").Dims);
        Assert.Contains(proto.MetadataProps, p => p.Key == Model.ConfigMetadataKey && p.Value.Contains("\"vocabulary\":13"));
    }

    [Fact]
    public void Dropout_IsLeftOut_AndSequencesChainLstms()
    {
        using var model = new EmbeddingStackedLstmLogits();
        var proto = OnnxExporter.ToModelProto(model);
        Assert.Equal(["Transpose", "Gather", "LSTM", "Squeeze", "LSTM", "Squeeze", "Gemm"], proto.Graph.Nodes.Select(n => n.OpType));
        Assert.Equal("output", proto.Graph.Nodes[^1].Outputs.Single());
        // The first LSTM hands on Y (all steps), the second Y_h (the last step).
        Assert.Equal("lstm/Y", proto.Graph.Nodes[3].Inputs[0]);
        Assert.Equal("lstm_1/Y_h", proto.Graph.Nodes[5].Inputs[0]);
    }

    [Fact]
    public void Gru_UsesLinearBeforeReset_AndKerasBiasRows()
    {
        using var model = new OneHotGruSoftmax(13);
        var proto = OnnxExporter.ToModelProto(model);
        Assert.Equal(["Transpose", "OneHot", "GRU", "Squeeze", "Gemm", "Softmax"], proto.Graph.Nodes.Select(n => n.OpType));
        var gru = proto.Graph.Nodes[2];
        Assert.Contains(gru.Attributes, a => a.Name == "linear_before_reset" && a.Int == 1);
        Assert.Equal([1L, 18, 13], proto.Graph.Initializers.Single(t => t.Name == "gru.W").Dims);
        Assert.Equal([1L, 18, 6], proto.Graph.Initializers.Single(t => t.Name == "gru.R").Dims);
        Assert.Equal([1L, 36], proto.Graph.Initializers.Single(t => t.Name == "gru.B").Dims);
    }

    [Fact]
    public void Bidirectional_StacksDirections_AndConcatenates()
    {
        using var model = new EmbeddingBidirectionalLstmGru();
        var proto = OnnxExporter.ToModelProto(model);
        Assert.Equal(["Transpose", "Gather", "LSTM", "Transpose", "Reshape", "GRU", "Transpose", "Reshape", "Gemm"],
            proto.Graph.Nodes.Select(n => n.OpType));
        Assert.All(proto.Graph.Nodes.Where(n => n.OpType is "LSTM" or "GRU"),
            n => Assert.Contains(n.Attributes, a => a.Name == "direction" && a.String == "bidirectional"));
        Assert.Equal([2L, 12, 4], proto.Graph.Initializers.Single(t => t.Name == "bidirectional.W").Dims);
        Assert.Equal([2L, 6, 6], proto.Graph.Initializers.Single(t => t.Name == "bidirectional_1.W").Dims);
        Assert.Equal([2L, 12], proto.Graph.Initializers.Single(t => t.Name == "bidirectional_1.B").Dims);
    }

    [Fact]
    public void Flatten_IsBatchMajor_AndSigmoidEndsTheGraph()
    {
        using var model = new EmbeddingLstmFlattenSigmoid();
        var proto = OnnxExporter.ToModelProto(model);
        Assert.Equal(["Transpose", "Gather", "LSTM", "Squeeze", "Transpose", "Reshape", "Gemm", "Sigmoid"], proto.Graph.Nodes.Select(n => n.OpType));
        Assert.Equal([20L, 1], proto.Graph.Initializers.Single(t => t.Name == "dense.kernel").Dims);
        Assert.Equal("output", proto.Graph.Nodes[^1].Outputs.Single());
    }

    [Fact]
    public void DensePerStep_IsNotSupported()
    {
        using var model = new EmbeddingLstmPerStep();
        var error = Assert.Throws<NotSupportedException>(() => OnnxExporter.ToModelProto(model));
        Assert.Contains("outputs one vector", error.Message);
    }

    [Fact]
    public void GruAndRnnWeights_AreTransposed()
    {
        // Inputs 2, columns 3: Keras [2, 3], value = 10·row + column → ONNX [3, 2].
        Assert.Equal([0f, 10, 1, 11, 2, 12], RecurrentWeights.Transpose([0, 1, 2, 10, 11, 12], inputs: 2, columns: 3));
        Assert.Equal([1f, 2, 3, 4, 5, 6], RecurrentWeights.ToOnnxGruBias([1, 2, 3, 4, 5, 6], units: 1));
        Assert.Equal([7f, 8, 0, 0], RecurrentWeights.ToOnnxSimpleRnnBias([7, 8], units: 2));
    }

    [Fact]
    public void KerasGates_AreReorderedAndTransposed()
    {
        // Inputs 2, units 1: Keras kernel [2, 4] columns i, f, c, o; value = 10·row + gate.
        float[] keras = [0, 1, 2, 3, 10, 11, 12, 13];
        // ONNX [4, 2], rows i, o, f, c.
        Assert.Equal([0f, 10, 3, 13, 1, 11, 2, 12], LstmWeights.ToOnnxKernel(keras, inputs: 2, units: 1));
        Assert.Equal([0f, 3, 1, 2, 0, 0, 0, 0], LstmWeights.ToOnnxBias([0, 1, 2, 3], units: 1));
    }

    [Fact]
    public void Writer_EncodesFieldNumbersFromOnnxProto()
    {
        var model = new ModelProto(8, 17, "p", "v", "", new GraphProto("g", [], [], [], []), []);
        byte[] expected =
        [
            0x08, 0x08,                     // ir_version = 8
            0x12, 0x01, (byte)'p',          // producer_name
            0x1A, 0x01, (byte)'v',          // producer_version
            0x3A, 0x03, 0x12, 0x01, (byte)'g', // graph { name }
            0x42, 0x02, 0x10, 0x11,         // opset_import { version = 17 }
        ];
        Assert.Equal(expected, OnnxProtoWriter.ToByteArray(model));
    }
}
