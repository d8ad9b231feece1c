using ModelDsl.Ir;

namespace ModelDsl.Onnx.Export;

/// <summary>
/// Keras GRU and SimpleRNN weights to the ONNX <c>GRU</c> and <c>RNN</c> operators' inputs (one direction, without the
/// direction axis); the layouts live with the recurrent layers' home (<see cref="OnnxWeightLayouts"/>).
/// </summary>
public static class RecurrentWeights
{
    /// <summary>A Keras kernel [inputs, columns] as ONNX W or R without the direction axis: [columns, inputs].</summary>
    public static float[] Transpose(ReadOnlySpan<float> kerasKernel, int inputs, int columns) => OnnxWeightLayouts.Transpose(kerasKernel.ToArray(), inputs, columns);

    /// <summary>A Keras GRU bias [2, 3H] (row 0 input, row 1 recurrent) as ONNX B [6H]: the same values in the same order.</summary>
    public static float[] ToOnnxGruBias(ReadOnlySpan<float> kerasBias, int units) => OnnxWeightLayouts.GruBias(kerasBias.ToArray(), units);

    /// <summary>A Keras SimpleRNN bias [H] as ONNX B [2H]: the bias then zeros for Rb.</summary>
    public static float[] ToOnnxSimpleRnnBias(ReadOnlySpan<float> kerasBias, int units) => OnnxWeightLayouts.SimpleRnnBias(kerasBias.ToArray(), units);
}
