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
