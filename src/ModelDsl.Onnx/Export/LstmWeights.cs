using ModelDsl.Ir;

namespace ModelDsl.Onnx.Export;

/// <summary>
/// Keras LSTM weights to the ONNX <c>LSTM</c> operator's inputs. Keras keeps a kernel as [inputs, 4H] with the gates
/// in the order i, f, c, o; ONNX wants [num_directions, 4H, inputs] (transposed) with the gates in the order i, o, f, c,
/// and two bias vectors (input and recurrent) concatenated as [num_directions, 8H]. The layouts live with the LSTM's
/// home (<see cref="OnnxWeightLayouts"/>).
/// </summary>
public static class LstmWeights
{
    /// <summary>A Keras kernel [inputs, 4H] as ONNX W or R without the direction axis: [4H, inputs].</summary>
    public static float[] ToOnnxKernel(ReadOnlySpan<float> kerasKernel, int inputs, int units) => OnnxWeightLayouts.LstmKernel(kerasKernel.ToArray(), inputs, units);

    /// <summary>A Keras bias [4H] as ONNX B without the direction axis: [8H], the reordered bias then zeros for Rb.</summary>
    public static float[] ToOnnxBias(ReadOnlySpan<float> kerasBias, int units) => OnnxWeightLayouts.LstmBias(kerasBias.ToArray(), units);
}
