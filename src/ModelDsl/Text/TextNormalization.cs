using System.Buffers;
using System.Text.Unicode;

namespace ModelDsl.Text;

/// <summary>Reads a training corpus into the exact text the tokenizer sees.</summary>
public static class TextNormalization
{
    /// <summary>
    /// Reads the corpus at <paramref name="path"/> as text, the same on every platform.
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>Decoding is strict UTF-8: an invalid byte sequence throws <see cref="InvalidDataException"/>
    /// giving its byte offset, rather than silently becoming U+FFFD characters in the vocabulary.</item>
    /// <item>A leading UTF-8 byte-order mark (EF BB BF) is removed; it is an encoding marker, not text.</item>
    /// <item>Line ends CRLF, CR, NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR (U+2029)
    /// all become "\n", so a corpus saved on Windows or by a tool that writes NEL gives the same
    /// vocabulary and windows as its LF copy. Other characters (tabs, form feeds) are kept.</item>
    /// <item>With <paramref name="lowerCase"/> (the Keras example calls <c>.lower()</c>), characters are
    /// lower-cased one by one with <see cref="string.ToLowerInvariant()"/>: simple, culture-independent
    /// case mapping that keeps the length. Python's <c>str.lower</c> applies full mapping and differs
    /// on a few characters, e.g. U+0130 (İ), which it maps to two characters.</item>
    /// </list>
    /// An empty file, or one holding only a byte-order mark, throws <see cref="InvalidDataException"/>.
    /// </remarks>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is empty or is not valid UTF-8.</exception>
    public static string ReadCorpus(string path, bool lowerCase)
    {
        ArgumentNullException.ThrowIfNull(path);
        // One exception type for a missing file, whether or not its folder exists.
        if (!File.Exists(path)) throw new FileNotFoundException($"Corpus file not found: '{path}'.", path);
        var (chars, charsWritten, hadBom) = DecodeStrictUtf8(File.ReadAllBytes(path), $"The corpus '{path}'");
        if (charsWritten == 0)
            throw new InvalidDataException($"The corpus '{path}' is empty{(hadBom ? " (it holds only a byte-order mark)" : "")}.");

        int length = NormalizeLineEnds(chars.AsSpan(0, charsWritten));
        string text = new(chars, 0, length);
        return lowerCase ? text.ToLowerInvariant() : text;
    }

    /// <summary>
    /// Decodes UTF-8 without replacing anything: a leading BOM is dropped, an invalid sequence is an
    /// <see cref="InvalidDataException"/> naming <paramref name="what"/> and the byte offset.
    /// </summary>
    internal static (char[] Chars, int Length, bool HadBom) DecodeStrictUtf8(byte[] bytes, string what)
    {
        ReadOnlySpan<byte> utf8 = bytes;
        int bomLength = utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        utf8 = utf8[bomLength..];
        // UTF-8 never takes fewer bytes than UTF-16 code units, so this buffer is always large enough.
        char[] chars = new char[utf8.Length];
        OperationStatus status = Utf8.ToUtf16(utf8, chars, out int bytesRead, out int charsWritten,
            replaceInvalidSequences: false, isFinalBlock: true);
        if (status != OperationStatus.Done)
        {
            long offset = bomLength + bytesRead;
            throw new InvalidDataException($"{what} is not valid UTF-8: invalid byte sequence at byte offset {offset} (byte 0x{bytes[offset]:X2}).");
        }
        return (chars, charsWritten, bomLength > 0);
    }

    /// <summary>Rewrites every line end as '\n' in place and returns the new length.</summary>
    internal static int NormalizeLineEnds(Span<char> text)
    {
        int write = 0;
        for (int read = 0; read < text.Length; read++)
        {
            char c = text[read];
            switch (c)
            {
                case '\r':
                    if (read + 1 < text.Length && text[read + 1] == '\n') read++;
                    text[write++] = '\n';
                    break;
                case '\u0085':
                case '\u2028':
                case '\u2029':
                    text[write++] = '\n';
                    break;
                default:
                    text[write++] = c;
                    break;
            }
        }
        return write;
    }
}
