namespace ModelDsl.Onnx.Export;

/// <summary>
/// Keras GRU and SimpleRNN weights to the ONNX <c>GRU</c> and <c>RNN</c> operators' inputs (one direction, without the
/// direction axis). Both keep their gate blocks in the ONNX order (GRU: z, r, h), so a kernel [inputs, G·H] only needs
/// transposing to [G·H, inputs]. A Keras GRU (reset_after) bias [2, 3H] is already ONNX's B = Wb ++ Rb; a SimpleRNN
/// bias [H] becomes [2H] with a zero recurrent bias.
/// </summary>
public static class RecurrentWeights
{
    /// <summary>A Keras kernel [inputs, columns] as ONNX W or R without the direction axis: [columns, inputs].</summary>
    public static float[] Transpose(ReadOnlySpan<float> kerasKernel, int inputs, int columns)
    {
        if (kerasKernel.Length != inputs * columns)
            throw new ArgumentException($"A kernel [{inputs}, {columns}] has {inputs * columns} values, not {kerasKernel.Length}.", nameof(kerasKernel));
        var onnx = new float[columns * inputs];
        for (int c = 0; c < columns; c++)
            for (int k = 0; k < inputs; k++) onnx[c * inputs + k] = kerasKernel[k * columns + c];
        return onnx;
    }

    /// <summary>A Keras GRU bias [2, 3H] (row 0 input, row 1 recurrent) as ONNX B [6H]: the same values in the same order.</summary>
    public static float[] ToOnnxGruBias(ReadOnlySpan<float> kerasBias, int units)
    {
        if (kerasBias.Length != 6 * units)
            throw new ArgumentException($"A GRU bias for {units} units has {6 * units} values, not {kerasBias.Length}.", nameof(kerasBias));
        return kerasBias.ToArray();
    }

    /// <summary>A Keras SimpleRNN bias [H] as ONNX B [2H]: the bias then zeros for Rb.</summary>
    public static float[] ToOnnxSimpleRnnBias(ReadOnlySpan<float> kerasBias, int units)
    {
        if (kerasBias.Length != units)
            throw new ArgumentException($"A SimpleRNN bias for {units} units has {units} values, not {kerasBias.Length}.", nameof(kerasBias));
        var onnx = new float[2 * units];
        kerasBias.CopyTo(onnx);
        return onnx;
    }
}
