using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;

namespace ModelDsl.Generators.Emit
{
    /// <summary>
    /// Short names for the types generated code uses on almost every line (<c>Vector512.Load</c> instead of
    /// <c>global::System.Runtime.Intrinsics.Vector512.Load</c>): using-alias directives in the generated file's namespace
    /// declaration. Written only when no type in the model's namespace and no member of the model class has one of these
    /// names (checked when the model is read: <see cref="Model.ModelDeclaration.ShortNames"/>); otherwise the code keeps
    /// its fully qualified names, which nothing a user declares can capture.
    /// </summary>
    internal static class GeneratedAliases
    {
        /// <summary>Alias, and the fully qualified name it stands for.</summary>
        public static readonly KeyValuePair<string, string>[] All =
        {
            Pair("Vector512", "global::System.Runtime.Intrinsics.Vector512"),
            Pair("Vector256", "global::System.Runtime.Intrinsics.Vector256"),
            Pair("Vector128", "global::System.Runtime.Intrinsics.Vector128"),
            Pair("MathF", "global::System.MathF"),
            Pair("Math", "global::System.Math"),
            Pair("MethodImplAttribute", "global::System.Runtime.CompilerServices.MethodImplAttribute"),
            Pair("MethodImplOptions", "global::System.Runtime.CompilerServices.MethodImplOptions"),
            Pair("SimdMath", "global::ModelDsl.Cpu.SimdMath"),
            Pair("Gemm", "global::ModelDsl.Cpu.Gemm"),
            Pair("CpuOps", "global::ModelDsl.Cpu.CpuOps"),
            Pair("RowKernels", "global::ModelDsl.Cpu.RowKernels"),
            Pair("RowRanges", "global::ModelDsl.Cpu.RowRanges"),
            Pair("IRowRangeBody", "global::ModelDsl.Cpu.IRowRangeBody"),
            Pair("PositionOps", "global::ModelDsl.Cpu.PositionOps"),
            Pair("PointwiseArgs", "global::ModelDsl.Gpu.PointwiseArgs"),
            Pair("Index1D", "global::ILGPU.Index1D"),
            Pair("FloatView", "global::ILGPU.ArrayView<float>"),
        };

        /// <summary>The names a user's type or member must not have for the aliases to be written.</summary>
        public static IEnumerable<string> Names
        {
            get
            {
                foreach (var pair in All) yield return pair.Key;
            }
        }

        /// <summary>Replaces each fully qualified name (not a longer or generic name that starts with it) by its alias; returns the aliases used.</summary>
        public static string Shorten(string code, List<KeyValuePair<string, string>> used)
        {
            foreach (var pair in All)
            {
                var pattern = Regex.Escape(pair.Value) + (pair.Value.EndsWith(">", System.StringComparison.Ordinal) ? "" : "(?![A-Za-z0-9_<])");
                var replaced = Regex.Replace(code, pattern, pair.Key);
                if (replaced != code) used.Add(pair);
                code = replaced;
            }

            return code;
        }

        public static void WriteDirectives(StringBuilder builder, string indent, List<KeyValuePair<string, string>> used)
        {
            foreach (var pair in used)
                builder.Append(indent).Append("using ").Append(pair.Key).Append(" = ").Append(pair.Value).Append(";\n");
            if (used.Count > 0) builder.Append('\n');
        }

        private static KeyValuePair<string, string> Pair(string alias, string target) => new KeyValuePair<string, string>(alias, target);
    }
}
