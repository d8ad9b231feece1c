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
    }
}
