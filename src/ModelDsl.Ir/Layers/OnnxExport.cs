#nullable enable
using System;
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    /// <summary>What flows between layers in an exported ONNX graph.</summary>
    public enum OnnxValueKind
    {
        /// <summary>Token ids, time-major [T, batch] (int64), still to be looked up or one-hot encoded.</summary>
        TimeMajorIds,
        /// <summary>A time-major sequence [T, batch, width].</summary>
        Sequence,
        /// <summary>One vector per row [batch, width].</summary>
        Vector,
    }

    /// <summary>A named ONNX value, its width and its kind.</summary>
    public sealed class OnnxValue
    {
        public OnnxValue(string name, int width, OnnxValueKind kind, int steps = 0, bool masked = false)
        {
            Name = name;
            Width = width;
            Kind = kind;
            Steps = steps;
            Masked = masked;
        }

        /// <summary>The steps carry an embedding's padding mask (maskZero).</summary>
        public bool Masked { get; }

        public string Name { get; }
        public int Width { get; }
        public OnnxValueKind Kind { get; }
        /// <summary>Steps of a sequence or of ids.</summary>
        public int Steps { get; }
    }

    /// <summary>An ONNX node attribute: integers or a string.</summary>
    public sealed class OnnxAttribute
    {
        private OnnxAttribute(string name, long[]? ints, long? integer, string? text)
        {
            Name = name;
            Ints = ints;
            Int = integer;
            Text = text;
        }

        public string Name { get; }
        public long[]? Ints { get; }
        public long? Int { get; }
        public string? Text { get; }

        public static OnnxAttribute Of(string name, long value) => new OnnxAttribute(name, null, value, null);
        public static OnnxAttribute Of(string name, string value) => new OnnxAttribute(name, null, null, value);
        public static OnnxAttribute OfInts(string name, params long[] values) => new OnnxAttribute(name, values, null, null);
    }

    /// <summary>
    /// The graph a layer's <see cref="LayerDefinition.ExportOnnx"/> writes into (implemented by ModelDsl.Onnx, which owns
    /// the protobuf types): nodes, initializers and the model's weights.
    /// </summary>
    public interface IOnnxGraph
    {
        /// <summary>The bound vocabulary (for a symbolic size).</summary>
        int Vocabulary { get; }
        /// <summary>Whether the layer being exported is the model's last (its output should be named <see cref="OutputName"/>).</summary>
        bool IsLast { get; }
        string OutputName { get; }
        void Node(string opType, string name, string[] inputs, string[] outputs, params OnnxAttribute[] attributes);
        /// <summary>A float initializer; returns its name.</summary>
        string Initializer(string name, long[] dims, float[] values);
        /// <summary>The model's parameter tensor by checkpoint name (Keras layout, row-major).</summary>
        float[] Parameter(string name);
        /// <summary>The parameter as an initializer with its Keras shape, or <paramref name="dims"/>; returns its name.</summary>
        string Weight(string parameter, long[]? dims = null);
        /// <summary>An int64 constant (shared by name), e.g. a Reshape shape or Squeeze axes; returns its name.</summary>
        string Int64s(string name, long[] dims, long[] values);
        /// <summary>Token ids as one-hot float rows [T, batch, V] (made once, shared), or the sequence itself.</summary>
        OnnxValue AsFloatSequence(string consumer, OnnxValue input);
    }

    /// <summary>Helpers for exporters.</summary>
    public static class OnnxGraphExtensions
    {
        /// <summary>An int64 shape for Reshape (0 keeps that input dimension, e.g. the dynamic batch).</summary>
        public static string Shape(this IOnnxGraph graph, params long[] dims)
        {
            var parts = new string[dims.Length];
            for (int i = 0; i < dims.Length; i++) parts[i] = dims[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
            return graph.Int64s("shape_" + string.Join("_", parts), new long[] { dims.Length }, dims);
        }

        public static string Axes(this IOnnxGraph graph, long axis) =>
            graph.Int64s("axes_" + axis.ToString(System.Globalization.CultureInfo.InvariantCulture), new long[] { 1 }, new[] { axis });

        public static int Units(this IOnnxGraph graph, int size) => SymbolicSize.IsSymbolic(size) ? graph.Vocabulary : size;
    }

    /// <summary>Keras weight layouts to ONNX's recurrent operators' inputs (one direction, without the direction axis).</summary>
    public static class OnnxWeightLayouts
    {
        /// <summary>For each ONNX LSTM gate block (i, o, f, c), the Keras block (i, f, c, o) that holds it.</summary>
        private static readonly int[] KerasGateOfOnnxGate = { 0, 3, 1, 2 };

        /// <summary>A Keras LSTM kernel [inputs, 4H] as ONNX W or R: [4H, inputs], gates reordered to i, o, f, c.</summary>
        public static float[] LstmKernel(float[] kerasKernel, int inputs, int units)
        {
            int gates = 4 * units;
            if (kerasKernel.Length != inputs * gates)
                throw new ArgumentException("An LSTM kernel for " + inputs + " inputs and " + units + " units has " + (inputs * gates) + " values, not " + kerasKernel.Length + ".", nameof(kerasKernel));
            var onnx = new float[gates * inputs];
            for (int gate = 0; gate < 4; gate++)
            {
                int from = KerasGateOfOnnxGate[gate] * units;
                for (int unit = 0; unit < units; unit++)
                {
                    int row = (gate * units + unit) * inputs;
                    for (int k = 0; k < inputs; k++) onnx[row + k] = kerasKernel[k * gates + from + unit];
                }
            }
            return onnx;
        }

        /// <summary>A Keras LSTM bias [4H] as ONNX B [8H]: the reordered bias, then zeros for Rb.</summary>
        public static float[] LstmBias(float[] kerasBias, int units)
        {
            if (kerasBias.Length != 4 * units)
                throw new ArgumentException("An LSTM bias for " + units + " units has " + (4 * units) + " values, not " + kerasBias.Length + ".", nameof(kerasBias));
            var onnx = new float[8 * units];
            for (int gate = 0; gate < 4; gate++)
                Array.Copy(kerasBias, KerasGateOfOnnxGate[gate] * units, onnx, gate * units, units);
            return onnx;
        }

        /// <summary>A Keras kernel [inputs, columns] as [columns, inputs] (GRU gates z, r, h and RNN are in ONNX order already).</summary>
        public static float[] Transpose(float[] kerasKernel, int inputs, int columns)
        {
            if (kerasKernel.Length != inputs * columns)
                throw new ArgumentException("A kernel [" + inputs + ", " + columns + "] has " + (inputs * columns) + " values, not " + kerasKernel.Length + ".", nameof(kerasKernel));
            var onnx = new float[columns * inputs];
            for (int c = 0; c < columns; c++)
                for (int k = 0; k < inputs; k++) onnx[c * inputs + k] = kerasKernel[k * columns + c];
            return onnx;
        }

        /// <summary>A Keras GRU bias [2, 3H] (row 0 input, row 1 recurrent) is ONNX's B [6H] as it is.</summary>
        public static float[] GruBias(float[] kerasBias, int units)
        {
            if (kerasBias.Length != 6 * units)
                throw new ArgumentException("A GRU bias for " + units + " units has " + (6 * units) + " values, not " + kerasBias.Length + ".", nameof(kerasBias));
            return (float[])kerasBias.Clone();
        }

        /// <summary>A Keras SimpleRNN bias [H] as ONNX B [2H]: the bias, then zeros for Rb.</summary>
        public static float[] SimpleRnnBias(float[] kerasBias, int units)
        {
            if (kerasBias.Length != units)
                throw new ArgumentException("A SimpleRNN bias for " + units + " units has " + units + " values, not " + kerasBias.Length + ".", nameof(kerasBias));
            var onnx = new float[2 * units];
            Array.Copy(kerasBias, onnx, units);
            return onnx;
        }
    }
}
