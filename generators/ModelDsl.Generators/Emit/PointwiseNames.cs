using System.Collections.Generic;
using System.Globalization;
using ModelDsl.Ir;

namespace ModelDsl.Generators.Emit
{
    /// <summary>Unique, stable method names for the pointwise ops of one program.</summary>
    internal sealed class PointwiseNames
    {
        private readonly Dictionary<PointwiseOp, string> _names = new Dictionary<PointwiseOp, string>();
        private readonly HashSet<string> _used = new HashSet<string>();
        public List<KeyValuePair<string, PointwiseOp>> All { get; } = new List<KeyValuePair<string, PointwiseOp>>();

        public void Collect(IReadOnlyList<Op> ops)
        {
            foreach (var op in ops)
            {
                if (op is LoopOp loop) Collect(loop.Body);
                else if (op is PointwiseOp p && !_names.ContainsKey(p))
                {
                    var baseName = Pascal(p.Name);
                    var name = baseName;
                    for (int n = 2; !_used.Add(name); n++) name = baseName + n.ToString(CultureInfo.InvariantCulture);
                    _names[p] = name;
                    All.Add(new KeyValuePair<string, PointwiseOp>(name, p));
                }
            }
        }

        public string NameOf(PointwiseOp p) => _names[p];

        /// <summary>
        /// Names for a pointwise op's operands, inputs then outputs, after the buffers they point into (<c>lstm_z</c>,
        /// then <c>lstm_z_2</c> for the next slice of the same buffer), never one of the kernel's own locals. An output
        /// written over one of the inputs (in place) has that input's name: one operand.
        /// </summary>
        public static string[] Operands(PointwiseOp p)
        {
            var used = new HashSet<string> { "B", "V", "r", "r0", "r1", "c", "i", "f", "a", "index", "body" };
            var names = new string[p.Inputs.Count + p.Outputs.Count];
            for (int k = 0; k < names.Length; k++)
            {
                var view = k < p.Inputs.Count ? p.Inputs[k] : p.Outputs[k - p.Inputs.Count].Target;
                if (k >= p.Inputs.Count)
                {
                    int same = p.Inputs.Count - 1;
                    while (same >= 0 && !SameView(p.Inputs[same], view)) same--;
                    if (same >= 0)
                    {
                        names[k] = names[same];
                        continue;
                    }
                }

                var baseName = view.Buffer.Name;
                var name = baseName;
                for (int n = 2; !used.Add(name); n++) name = baseName + "_" + n.ToString(CultureInfo.InvariantCulture);
                names[k] = name;
            }
            return names;
        }

        /// <summary>The distinct operands (an in-place output shares its input's): the first index of each name.</summary>
        public static List<int> Distinct(string[] operands)
        {
            var seen = new HashSet<string>();
            var result = new List<int>();
            for (int k = 0; k < operands.Length; k++)
                if (seen.Add(operands[k])) result.Add(k);
            return result;
        }

        private static bool SameView(View a, View b) =>
            a.Buffer == b.Buffer && a.Offset == b.Offset && a.Rows == b.Rows && a.Cols == b.Cols && a.RowStride == b.RowStride && a.TimeStride == b.TimeStride;

        private static string Pascal(string snake)
        {
            var parts = snake.Split('_');
            var result = "";
            foreach (var part in parts)
                if (part.Length > 0) result += char.ToUpperInvariant(part[0]) + part.Substring(1);
            return result;
        }
    }
}
