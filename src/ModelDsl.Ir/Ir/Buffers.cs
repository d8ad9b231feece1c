#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    public enum BufferKind
    {
        /// <summary>All trainable weights, one flat buffer laid out by <see cref="ParameterTensor"/>s.</summary>
        Parameters,
        /// <summary>Gradients, laid out exactly like the parameters.</summary>
        Gradients,
        /// <summary>A forward value saved for backward (or a scratch value).</summary>
        Activation,
        /// <summary>The gradient of an activation: its first writer in backward assigns, later writers accumulate.</summary>
        ActivationGradient,
        /// <summary>Recurrent state carried between calls (stateful sampling).</summary>
        State,
        /// <summary>Input token ids, [B, T] row-major.</summary>
        TokenIds,
        /// <summary>Target token ids, [B].</summary>
        Targets,
        /// <summary>Which position's output to read per batch row, [B] (inference of a per-position output; the runtime fills it).</summary>
        Positions,
    }

    public enum ElementType { Float32, Int32 }

    /// <summary>A named, separately addressed region of memory of <see cref="Length"/> elements.</summary>
    public sealed class IrBuffer
    {
        public IrBuffer(string name, Size length, BufferKind kind, string shape, ElementType elementType = ElementType.Float32)
        {
            Name = name;
            Length = length;
            Kind = kind;
            Shape = shape;
            ElementType = elementType;
        }

        public string Name { get; }
        public Size Length { get; }
        public BufferKind Kind { get; }
        /// <summary>Human-readable shape for comments, e.g. "[T+1, B, 128]".</summary>
        public string Shape { get; }
        public ElementType ElementType { get; }
        public override string ToString() => Name + Shape;
    }

    /// <summary>
    /// A 2-D window of a buffer: element (r, c) is at Offset + t·TimeStride + r·RowStride + c,
    /// where t is the enclosing loop's time index (TimeStride is zero outside loops).
    /// </summary>
    public sealed class View
    {
        public View(IrBuffer buffer, Size offset, Size rows, Size cols, Size rowStride, Size timeStride = default)
        {
            Buffer = buffer;
            Offset = offset;
            Rows = rows;
            Cols = cols;
            RowStride = rowStride;
            TimeStride = timeStride;
        }

        public IrBuffer Buffer { get; }
        public Size Offset { get; }
        public Size Rows { get; }
        public Size Cols { get; }
        public Size RowStride { get; }
        public Size TimeStride { get; }
        public bool IsTimeIndexed => TimeStride != Size.Zero;

        public static View Whole(IrBuffer buffer, Size rows, Size cols) => new View(buffer, 0, rows, cols, cols);

        /// <summary>Columns [first, first + count) of this view.</summary>
        public View Columns(Size first, Size count) => new View(Buffer, Offset + first, Rows, count, RowStride, TimeStride);

        /// <summary>The same view stepping by <paramref name="timeStride"/> per loop iteration, starting <paramref name="extra"/> further.</summary>
        public View AtTime(Size timeStride, Size extra = default) => new View(Buffer, Offset + extra, Rows, Cols, RowStride, timeStride);

        public override string ToString() => Buffer.Name + "@" + Offset + (IsTimeIndexed ? "+t*" + TimeStride : "") + "[" + Rows + "x" + Cols + "/" + RowStride + "]";
    }

    /// <summary>A column of token ids: id r is at Offset + t·TimeStride + r·Stride.</summary>
    public sealed class IdView
    {
        public IdView(IrBuffer buffer, Size offset, Size rows, Size stride, Size timeStride = default)
        {
            Buffer = buffer;
            Offset = offset;
            Rows = rows;
            Stride = stride;
            TimeStride = timeStride;
        }

        public IrBuffer Buffer { get; }
        public Size Offset { get; }
        public Size Rows { get; }
        public Size Stride { get; }
        public Size TimeStride { get; }
        public override string ToString() => Buffer.Name + "@" + Offset + "+t*" + TimeStride + "[" + Rows + "/" + Stride + "]";
    }

    public enum InitKind
    {
        Zeros,
        /// <summary>U(−l, l), l = sqrt(6 / (fanIn + fanOut)) (Keras glorot_uniform).</summary>
        GlorotUniform,
        /// <summary>An orthogonal matrix (Keras Orthogonal, gain 1), for recurrent kernels.</summary>
        Orthogonal,
        /// <summary>Zeros, with ones in the forget-gate block (Keras unit_forget_bias).</summary>
        LstmBias,
        /// <summary>U(−0.05, 0.05) (Keras embeddings default).</summary>
        Uniform005,
        /// <summary>All ones (a LayerNormalization scale).</summary>
        Ones,
    }

    /// <summary>One named weight tensor inside the flat parameter buffer.</summary>
    public sealed class ParameterTensor
    {
        public ParameterTensor(string name, string layer, Size rows, Size cols, Size offset, InitKind init, int units = 0)
        {
            Name = name;
            Layer = layer;
            Rows = rows;
            Cols = cols;
            Offset = offset;
            Init = init;
            Units = units;
        }

        /// <summary>Checkpoint name, e.g. "lstm.kernel".</summary>
        public string Name { get; }
        public string Layer { get; }
        /// <summary>Rows of a matrix; 1 for a vector.</summary>
        public Size Rows { get; }
        public Size Cols { get; }
        public Size Offset { get; }
        public Size Length => Rows * Cols;
        public InitKind Init { get; }
        /// <summary>Units of the owning recurrent layer (for the forget-gate bias block).</summary>
        public int Units { get; }
        public bool IsVector { get; set; }
        /// <summary>A convolution kernel's taps: Keras's Glorot fans are rows (taps·in) and cols·taps (taps·out).</summary>
        public int ReceptiveField { get; set; } = 1;
    }
}
