extern alias ModelDslGenerators;

using System.Globalization;
using ModelDslGenerators::ModelDsl.Generators.Helpers;
using Xunit;

namespace ModelDsl.Tests.Generator;

public sealed class IndentedTextWriterTests
{
    [Fact]
    public void BlocksIndentAndMultiLineTextIsReindented()
    {
        var writer = new IndentedTextWriter();
        writer.WriteLine("namespace Demo;");
        using (writer.WriteBlock("partial class CharLstm"))
        {
            writer.WriteLine("""
                // h: [B, H]
                private float[] h;

                private float[] c;
                """);
            using (writer.WriteBlock("static readonly int[] Sizes =", closing: "};"))
            {
                writer.Write("1, ").WriteLine("2,");
            }
        }

        Assert.Equal(
            "namespace Demo;\npartial class CharLstm\n{\n    // h: [B, H]\n    private float[] h;\n\n    private float[] c;\n"
            + "    static readonly int[] Sizes =\n    {\n        1, 2,\n    };\n}\n",
            writer.ToString());
    }

    [Fact]
    public void InvariantWritesIgnoreTheCurrentCulture()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            var writer = new IndentedTextWriter();
            var rate = 0.2;
            writer.WriteLineInvariant($"const double Rate = {rate};");
            Assert.Equal("const double Rate = 0.2;\n", writer.ToString());
        }
        catch (CultureNotFoundException)
        {
            // InvariantGlobalization: no culture differs from the invariant one, nothing to check.
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void CarriageReturnsAreDropped()
    {
        var writer = new IndentedTextWriter();
        writer.Indent();
        writer.Write("a\r\nb\r\n");
        Assert.Equal("    a\n    b\n", writer.ToString());
        Assert.Throws<InvalidOperationException>(() => { writer.Unindent(); writer.Unindent(); });
    }
}
