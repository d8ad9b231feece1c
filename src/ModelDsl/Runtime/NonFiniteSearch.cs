using System.Numerics;
using System.Runtime.InteropServices;
using ModelDsl.Ir;

namespace ModelDsl.Runtime;

/// <summary>Finds the first layer holding a NaN or an infinity, once a step has gone non-finite (never on the hot path).</summary>
internal static class NonFiniteSearch
{
    /// <summary>Whether every value is finite; vectorised, since the training step calls it on all the gradients.</summary>
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        // |x| ≤ MaxValue is false exactly for NaN and ±∞.
        var max = new Vector<float>(float.MaxValue);
        var all = Vector<int>.AllBitsSet;
        ref float first = ref MemoryMarshal.GetReference(values);
        int i = 0;
        for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            all &= Vector.LessThanOrEqual(Vector.Abs(Vector.LoadUnsafe(ref first, (nuint)i)), max);
        if (all != Vector<int>.AllBitsSet) return false;
        for (; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return false;
        return true;
    }

    public static bool AllFinite(ReadOnlySpan<double> values)
    {
        foreach (var v in values)
            if (!double.IsFinite(v)) return false;
        return true;
    }

    /// <summary>
    /// The layer a buffer is named after: buffers are "&lt;layer&gt;_&lt;what&gt;" and their gradients "d_&lt;layer&gt;_&lt;what&gt;";
    /// the longest matching layer name wins ("lstm_1_z" is lstm_1's, not lstm's).
    /// </summary>
    public static string? LayerOf(string bufferName, IReadOnlyList<string> layerNames)
    {
        string name = bufferName.StartsWith("d_", StringComparison.Ordinal) ? bufferName[2..] : bufferName;
        string? best = null;
        foreach (var layer in layerNames)
            if (name.Length > layer.Length && name.StartsWith(layer, StringComparison.Ordinal) && name[layer.Length] == '_'
                && (best is null || layer.Length > best.Length))
                best = layer;
        return best;
    }

    /// <summary>
    /// Throws <see cref="NonFiniteOutputException"/>, naming the first layer in forward order that holds a NaN or an
    /// infinity, when an inference output row is not all finite (before anything is drawn from it).
    /// </summary>
    public static void CheckOutput(ProgramExecutor program, ReadOnlySpan<float> output)
    {
        if (AllFinite(output)) return;
        int index = 0;
        while (float.IsFinite(output[index])) index++;
        throw new NonFiniteOutputException(output[index], index, Find(program, 1, backward: false));
    }

    public static NonFiniteSite? Find(ProgramExecutor program, int batch, bool backward)
    {
        var model = program.Model;
        var layers = program.LayerNames;
        bool canRead = true;
        for (int n = 0; n < layers.Count; n++)
        {
            string layer = layers[backward ? layers.Count - 1 - n : n];
            if (!backward && FirstTensor(model, layer, model.Parameters) is { } weights)
                return new NonFiniteSite(layer, weights, InBackward: false);
            var kind = backward ? BufferKind.ActivationGradient : BufferKind.Activation;
            foreach (var buffer in program.Program.Buffers)
            {
                if (!canRead || (buffer.Kind != kind && !(buffer.Kind == BufferKind.State && !backward)) || program.LayerOf(buffer) != layer)
                    continue;
                try
                {
                    if (program.ContainsNonFinite(buffer, batch)) return new NonFiniteSite(layer, buffer.Name, backward);
                }
                catch (NotSupportedException)
                {
                    // A device backend: only the weights and gradients, which live on the host, can be searched.
                    canRead = false;
                }
            }
            if (backward && FirstTensor(model, layer, model.Gradients) is { } gradient)
                return new NonFiniteSite(layer, "gradient of " + gradient, InBackward: true);
        }
        return null;
    }

    /// <summary>The first weight tensor of <paramref name="layer"/> whose slice of <paramref name="flat"/> is not all finite.</summary>
    private static string? FirstTensor(Model model, string layer, ReadOnlySpan<float> flat)
    {
        foreach (var t in model.ParameterTensors)
        {
            if (t.Layer != layer) continue;
            var slice = flat.Slice((int)t.Offset.Evaluate(1, model.Vocabulary), (int)t.Length.Evaluate(1, model.Vocabulary));
            if (!AllFinite(slice)) return t.Name;
        }
        return null;
    }
}
