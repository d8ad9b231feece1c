#nullable enable
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace ModelDsl.Ir
{
    /// <summary>
    /// A size known up to the two run-time symbols: the batch size B and the vocabulary V.
    /// Stored as C + b·B + v·V + bv·B·V, which covers every buffer size and offset the layers need
    /// (products never go past degree one in each symbol).
    /// </summary>
    public readonly struct Size : IEquatable<Size>
    {
        public Size(long constant, long batch = 0, long vocabulary = 0, long batchVocabulary = 0)
        {
            Constant = constant;
            Batch = batch;
            Vocabulary = vocabulary;
            BatchVocabulary = batchVocabulary;
        }

        public long Constant { get; }
        public long Batch { get; }
        public long Vocabulary { get; }
        public long BatchVocabulary { get; }

        public static Size Zero => default;
        public static Size B => new Size(0, 1);
        public static Size V => new Size(0, 0, 1);

        public bool IsConstant => Batch == 0 && Vocabulary == 0 && BatchVocabulary == 0;
        public bool DependsOnBatch => Batch != 0 || BatchVocabulary != 0;

        public static implicit operator Size(long constant) => new Size(constant);
        public static implicit operator Size(int constant) => new Size(constant);

        public static Size operator +(Size a, Size b) =>
            new Size(a.Constant + b.Constant, a.Batch + b.Batch, a.Vocabulary + b.Vocabulary, a.BatchVocabulary + b.BatchVocabulary);

        public static Size operator -(Size a, Size b) =>
            new Size(a.Constant - b.Constant, a.Batch - b.Batch, a.Vocabulary - b.Vocabulary, a.BatchVocabulary - b.BatchVocabulary);

        public static Size operator *(Size a, Size b)
        {
            // (c1 + b1 B + v1 V + x1 BV)(c2 + b2 B + v2 V + x2 BV): only terms up to B·V are representable.
            if (a.Batch * b.Batch != 0 || a.Vocabulary * b.Vocabulary != 0 || (a.BatchVocabulary != 0 && !b.IsConstant) || (b.BatchVocabulary != 0 && !a.IsConstant))
                throw new InvalidOperationException($"Size product {a} * {b} needs B² or V²");
            return new Size(
                a.Constant * b.Constant,
                a.Constant * b.Batch + a.Batch * b.Constant,
                a.Constant * b.Vocabulary + a.Vocabulary * b.Constant,
                a.Constant * b.BatchVocabulary + a.BatchVocabulary * b.Constant + a.Batch * b.Vocabulary + a.Vocabulary * b.Batch);
        }

        public long Evaluate(long batch, long vocabulary) =>
            Constant + Batch * batch + Vocabulary * vocabulary + BatchVocabulary * batch * vocabulary;

        public long ConstantValue => IsConstant ? Constant : throw new InvalidOperationException($"Size {this} is not a constant");

        /// <summary>Renders as a C# expression over the given names of B and V.</summary>
        public string Render(string batchName, string vocabularyName)
        {
            var terms = new List<string>();
            void Add(long coefficient, string? symbol)
            {
                if (coefficient == 0) return;
                var c = coefficient.ToString(CultureInfo.InvariantCulture);
                terms.Add(symbol is null ? c : coefficient == 1 ? symbol : c + " * " + symbol);
            }
            Add(BatchVocabulary, batchName + " * " + vocabularyName);
            Add(Batch, batchName);
            Add(Vocabulary, vocabularyName);
            Add(Constant, null);
            if (terms.Count == 0) return "0";
            var sb = new StringBuilder();
            for (int i = 0; i < terms.Count; i++)
            {
                if (i > 0) sb.Append(terms[i].StartsWith("-", StringComparison.Ordinal) ? " - " + terms[i].Substring(1) : " + " + terms[i]);
                else sb.Append(terms[i]);
            }
            return terms.Count == 1 ? sb.ToString() : "(" + sb + ")";
        }

        public override string ToString() => Render("B", "V");
        public bool Equals(Size other) => Constant == other.Constant && Batch == other.Batch && Vocabulary == other.Vocabulary && BatchVocabulary == other.BatchVocabulary;
        public override bool Equals(object? obj) => obj is Size s && Equals(s);
        public override int GetHashCode() => unchecked((int)(Constant * 31 + Batch * 17 + Vocabulary * 13 + BatchVocabulary * 7));
        public static bool operator ==(Size a, Size b) => a.Equals(b);
        public static bool operator !=(Size a, Size b) => !a.Equals(b);
    }
}
