using System;
using System.Globalization;
using System.Text;

namespace ModelDsl.Generators.Helpers
{
    /// <summary>
    /// Writes generated C# with indentation handled for the caller:
    /// <list type="bullet">
    /// <item><see cref="Write(string)"/> / <see cref="WriteLine(string)"/> accept multi-line text (e.g. a raw string literal)
    /// and indent every non-empty line to the current level; blank lines stay empty (no trailing spaces).</item>
    /// <item><see cref="WriteBlock"/> writes <c>{</c>, indents, and writes <c>}</c> when disposed:
    /// <c>using (writer.WriteBlock("public void Forward()")) { ... }</c>.</item>
    /// <item>Numbers: use <see cref="WriteInvariant"/> / <see cref="WriteLineInvariant"/> for interpolated text, which format with
    /// the invariant culture (on netstandard2.0 a plain <c>$"..."</c> uses the compiler process's culture).</item>
    /// </list>
    /// Line endings are always <c>\n</c>, so the output does not depend on the machine.
    /// </summary>
    internal sealed class IndentedTextWriter
    {
        private readonly StringBuilder builder = new();
        private readonly string indentUnit;
        private bool atLineStart = true;

        public IndentedTextWriter(string indentUnit = "    ")
        {
            this.indentUnit = indentUnit;
        }

        /// <summary>The current indentation depth, in units.</summary>
        public int IndentLevel { get; private set; }

        /// <summary>Characters the current indentation takes at the start of a line.</summary>
        public int CurrentIndentWidth => IndentLevel * indentUnit.Length;

        public void Indent() => IndentLevel++;

        public void Unindent()
        {
            if (IndentLevel == 0)
            {
                throw new InvalidOperationException("Unindent without a matching Indent.");
            }

            IndentLevel--;
        }

        /// <summary>Writes <paramref name="text"/>; each line that starts here and is not empty gets the current indentation.</summary>
        public IndentedTextWriter Write(string text)
        {
            var start = 0;
            while (start <= text.Length)
            {
                var newline = text.IndexOf('\n', start);
                var end = newline < 0 ? text.Length : newline;
                var lineEnd = end > start && text[end - 1] == '\r' && newline >= 0 ? end - 1 : end;
                if (lineEnd > start)
                {
                    if (atLineStart)
                    {
                        for (var i = 0; i < IndentLevel; i++)
                        {
                            builder.Append(indentUnit);
                        }
                    }

                    builder.Append(text, start, lineEnd - start);
                    atLineStart = false;
                }

                if (newline < 0)
                {
                    break;
                }

                builder.Append('\n');
                atLineStart = true;
                start = newline + 1;
            }

            return this;
        }

        /// <summary>Writes <paramref name="text"/> (possibly several lines) and ends the line.</summary>
        public IndentedTextWriter WriteLine(string text = "")
        {
            Write(text);
            builder.Append('\n');
            atLineStart = true;
            return this;
        }

        /// <summary>Writes interpolated text with every hole formatted in the invariant culture.</summary>
        public IndentedTextWriter WriteInvariant(FormattableString text) => Write(text.ToString(CultureInfo.InvariantCulture));

        /// <summary>Writes interpolated text formatted in the invariant culture and ends the line.</summary>
        public IndentedTextWriter WriteLineInvariant(FormattableString text) => WriteLine(text.ToString(CultureInfo.InvariantCulture));

        /// <summary>
        /// Writes the optional <paramref name="header"/> line and <c>{</c>, then indents; disposing the result unindents and
        /// writes <paramref name="closing"/> (e.g. <c>"};"</c> after an initializer).
        /// </summary>
        public Block WriteBlock(string? header = null, string closing = "}")
        {
            if (header is not null)
            {
                WriteLine(header);
            }

            WriteLine("{");
            Indent();
            return new Block(this, closing);
        }

        /// <summary>The text written so far.</summary>
        public override string ToString() => builder.ToString();

        /// <summary>Closes a block opened by <see cref="WriteBlock"/>.</summary>
        public readonly struct Block : IDisposable
        {
            private readonly IndentedTextWriter writer;
            private readonly string closing;

            internal Block(IndentedTextWriter writer, string closing)
            {
                this.writer = writer;
                this.closing = closing;
            }

            public void Dispose()
            {
                writer.Unindent();
                writer.WriteLine(closing);
            }
        }
    }
}
