using System.Globalization;
using ModelDsl.Ir;

namespace ModelDsl.Generators.Emit
{
    /// <summary>How both renderers write sizes and addresses: sizes over the locals B and V, a view as its buffer plus offset (plus t·time stride inside a loop).</summary>
    internal static class RenderText
    {
        public static string S(Size size) => size.Render("B", "V");

        public static string Ptr(View v) => Address(v.Buffer.Name, v.Offset, v.TimeStride);

        public static string Ptr(IdView v) => Address(v.Buffer.Name, v.Offset, v.TimeStride);

        public static string Address(string buffer, Size offset, Size timeStride)
        {
            var text = buffer;
            if (offset != Size.Zero) text += " + " + S(offset);
            if (timeStride != Size.Zero) text += " + t * " + S(timeStride);
            return text;
        }

        public static string Bool(bool b) => b ? "true" : "false";

        public static string I(int i) => i.ToString(CultureInfo.InvariantCulture);

        /// <summary>
        /// Writes a statement; a call statement (<c>x = F(a, b);</c>) longer than <see cref="LineWidth"/> gets its
        /// arguments (split at the top-level commas) on continuation lines.
        /// </summary>
        public static void Line(Helpers.IndentedTextWriter w, string statement)
        {
            int open = statement.IndexOf('(');
            if (w.CurrentIndentWidth + statement.Length <= LineWidth || statement.StartsWith("//", System.StringComparison.Ordinal)
                || open < 0 || !statement.EndsWith(");", System.StringComparison.Ordinal))
            {
                w.WriteLine(statement);
                return;
            }

            var inner = statement.Substring(open + 1, statement.Length - open - 3);
            var arguments = new System.Collections.Generic.List<string>();
            int depth = 0, start = 0;
            bool quoted = false;
            for (int i = 0; i < inner.Length; i++)
            {
                char ch = inner[i];
                if (ch == '"' && (i == 0 || inner[i - 1] != '\\')) quoted = !quoted;
                if (quoted) continue;
                if (ch == '(' || ch == '[' || ch == '{' || ch == '<') depth++;
                else if (ch == ')' || ch == ']' || ch == '}' || ch == '>') depth--;
                else if (ch == ',' && depth == 0)
                {
                    arguments.Add(inner.Substring(start, i - start).Trim());
                    start = i + 1;
                }

                if (depth < 0)
                {
                    w.WriteLine(statement); // not one call: leave it as it is
                    return;
                }
            }

            arguments.Add(inner.Substring(start).Trim());
            if (depth != 0 || quoted)
            {
                w.WriteLine(statement);
                return;
            }

            Call(w, statement.Substring(0, open), arguments);
        }

        /// <summary>Lines of generated code stay under this width where a call allows it.</summary>
        public const int LineWidth = 140;

        /// <summary>
        /// Writes <c>head(arguments)suffix</c> on one line when it fits in <see cref="LineWidth"/>, else with the arguments
        /// packed on continuation lines indented once.
        /// </summary>
        public static void Call(Helpers.IndentedTextWriter w, string head, System.Collections.Generic.IReadOnlyList<string> arguments, string suffix = ";", string open = "(", string close = ")")
        {
            var oneLine = head + open + string.Join(", ", arguments) + close + suffix;
            if (w.CurrentIndentWidth + oneLine.Length <= LineWidth || arguments.Count == 0)
            {
                w.WriteLine(oneLine);
                return;
            }

            w.WriteLine(head + open.TrimEnd());
            w.Indent();
            var line = new System.Text.StringBuilder();
            for (int i = 0; i < arguments.Count; i++)
            {
                var piece = arguments[i] + (i == arguments.Count - 1 ? close + suffix : ",");
                if (line.Length > 0 && w.CurrentIndentWidth + line.Length + 1 + piece.Length > LineWidth)
                {
                    w.WriteLine(line.ToString());
                    line.Clear();
                }
                if (line.Length > 0) line.Append(' ');
                line.Append(piece);
            }
            w.WriteLine(line.ToString());
            w.Unindent();
        }
    }
}
