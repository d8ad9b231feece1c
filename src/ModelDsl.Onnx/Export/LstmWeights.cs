namespace ModelDsl.Onnx.Export;

/// <summary>
/// Keras LSTM weights to the ONNX <c>LSTM</c> operator's inputs. Keras keeps a kernel as [inputs, 4H] with the gates
/// in the order i, f, c, o; ONNX wants [num_directions, 4H, inputs] (transposed) with the gates in the order i, o, f, c,
/// and two bias vectors (input and recurrent) concatenated as [num_directions, 8H].
/// </summary>
public static class LstmWeights
{
    /// <summary>For each ONNX gate block (i, o, f, c), the Keras block (i, f, c, o) that holds it.</summary>
    private static ReadOnlySpan<int> KerasGateOfOnnxGate => [0, 3, 1, 2];

    /// <summary>A Keras kernel [inputs, 4H] as ONNX W or R without the direction axis: [4H, inputs].</summary>
    public static float[] ToOnnxKernel(ReadOnlySpan<float> kerasKernel, int inputs, int units)
    {
        int gates = 4 * units;
        if (kerasKernel.Length != inputs * gates)
            throw new ArgumentException($"An LSTM kernel for {inputs} inputs and {units} units has {inputs * gates} values, not {kerasKernel.Length}.", nameof(kerasKernel));
        var onnx = new float[gates * inputs];
        for (int gate = 0; gate < 4; gate++)
        {
            int from = KerasGateOfOnnxGate[gate] * units;
            for (int unit = 0; unit < units; unit++)
            {
                var row = onnx.AsSpan((gate * units + unit) * inputs, inputs);
                for (int k = 0; k < inputs; k++) row[k] = kerasKernel[k * gates + from + unit];
            }
        }
        return onnx;
    }

    /// <summary>A Keras bias [4H] as ONNX B without the direction axis: [8H], the reordered bias then zeros for Rb.</summary>
    public static float[] ToOnnxBias(ReadOnlySpan<float> kerasBias, int units)
    {
        if (kerasBias.Length != 4 * units)
            throw new ArgumentException($"An LSTM bias for {units} units has {4 * units} values, not {kerasBias.Length}.", nameof(kerasBias));
        var onnx = new float[8 * units];
        for (int gate = 0; gate < 4; gate++)
            kerasBias.Slice(KerasGateOfOnnxGate[gate] * units, units).CopyTo(onnx.AsSpan(gate * units, units));
        return onnx;
    }
}
