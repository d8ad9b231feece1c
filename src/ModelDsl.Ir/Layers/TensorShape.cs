#nullable enable
using System.Globalization;

namespace ModelDsl.Ir
{
    /// <summary>What flows between declared layers, per sample (the batch is implied).</summary>
    public enum ShapeForm
    {
        /// <summary>Token ids [T]; <see cref="TensorShape.Width"/> is the vocabulary (the one-hot width).</summary>
        TokenIds,
        /// <summary>A sequence of vectors [T, width].</summary>
        Sequence,
        /// <summary>One vector [width].</summary>
        Vector,
    }

    /// <summary>
    /// A compile-time shape. A width of <see cref="SymbolicSize.Vocabulary"/> is bound when the model is created.
    /// <see cref="Masked"/>: the steps carry an embedding's padding mask (maskZero) that layers downstream honour or refuse.
    /// </summary>
    public readonly struct TensorShape
    {
        private TensorShape(ShapeForm form, int steps, int width, bool masked)
        {
            Form = form;
            Steps = steps;
            Width = width;
            Masked = masked;
        }

        public ShapeForm Form { get; }
        /// <summary>Steps of a sequence or of token ids (0 for a vector).</summary>
        public int Steps { get; }
        public int Width { get; }
        public bool Masked { get; }

        public bool IsSequence => Form == ShapeForm.Sequence;

        public static TensorShape TokenIds(int steps, int vocabulary) => new TensorShape(ShapeForm.TokenIds, steps, vocabulary, false);

        public static TensorShape Sequence(int steps, int width, bool masked = false) => new TensorShape(ShapeForm.Sequence, steps, width, masked);

        public static TensorShape Vector(int width) => new TensorShape(ShapeForm.Vector, 0, width, false);

        /// <summary>The width with a symbolic vocabulary counted as 0 (what is known at compile time).</summary>
        public int FixedWidth => SymbolicSize.IsSymbolic(Width) ? 0 : Width;

        /// <summary>As diagnostics print it: [T], [T, width] or [width], symbols as T and V.</summary>
        public override string ToString() => Form switch
        {
            ShapeForm.TokenIds => "[" + Dimension(Steps, "T") + "]",
            ShapeForm.Sequence => "[" + Dimension(Steps, "T") + ", " + Dimension(Width, "V") + "]",
            _ => "[" + Dimension(Width, "V") + "]",
        };

        /// <summary>As Keras's summary prints it, batch first: (None, T, width) or (None, width); <paramref name="vocabulary"/> binds the symbol.</summary>
        public string ToKerasString(int vocabulary)
        {
            string w = (SymbolicSize.IsSymbolic(Width) ? vocabulary : Width).ToString(CultureInfo.InvariantCulture);
            string t = Steps.ToString(CultureInfo.InvariantCulture);
            return Form switch
            {
                ShapeForm.TokenIds => "(None, " + t + ")",
                ShapeForm.Sequence => "(None, " + t + ", " + w + ")",
                _ => "(None, " + w + ")",
            };
        }

        private static string Dimension(int size, string symbol) =>
            SymbolicSize.IsSymbolic(size) ? symbol : size.ToString(CultureInfo.InvariantCulture);
    }
}
