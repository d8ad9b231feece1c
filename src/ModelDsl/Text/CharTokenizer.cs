using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ModelDsl.Text;

/// <summary>
/// Character-level vocabulary of the Keras LSTM text-generation example:
/// <c>chars = sorted(list(set(text)))</c>, a character's id being its rank.
/// </summary>
/// <remarks>
/// A "character" is a UTF-16 code unit (a .NET <see cref="char"/>), sorted in ordinal order.
/// This equals Python's code-point order for every text without characters beyond U+FFFF;
/// such a character becomes its two surrogate code units here, each its own token.
/// </remarks>
public sealed class CharTokenizer
{
    private const int FormatVersion = 1;

    private readonly char[] _characters;
    // Dense char -> id table up to the largest character: corpora are mostly ASCII, so it stays small.
    private readonly int[] _idByCharacter;

    private CharTokenizer(char[] sortedDistinctCharacters)
    {
        _characters = sortedDistinctCharacters;
        int tableLength = _characters.Length == 0 ? 0 : _characters[^1] + 1;
        _idByCharacter = new int[tableLength];
        Array.Fill(_idByCharacter, -1);
        for (int id = 0; id < _characters.Length; id++)
            _idByCharacter[_characters[id]] = id;
    }

    /// <summary>The vocabulary of <paramref name="text"/>: its distinct characters in ordinal order.</summary>
    public static CharTokenizer FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var seen = new bool[char.MaxValue + 1];
        int distinct = 0;
        foreach (char c in text)
        {
            if (!seen[c]) { seen[c] = true; distinct++; }
        }
        var characters = new char[distinct];
        int next = 0;
        for (int c = 0; c <= char.MaxValue && next < distinct; c++)
        {
            if (seen[c]) characters[next++] = (char)c;
        }
        return new CharTokenizer(characters);
    }

    /// <summary>Number of distinct characters, the size of the one-hot input and of the softmax output.</summary>
    public int Size => _characters.Length;

    /// <summary>The vocabulary in id order.</summary>
    public IReadOnlyList<char> Characters => _characters;

    /// <summary>The character of token <paramref name="id"/>.</summary>
    public char this[int id]
    {
        get
        {
            if ((uint)id >= (uint)_characters.Length)
                throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id must be in [0, {_characters.Length}).");
            return _characters[id];
        }
    }

    /// <summary>The id of <paramref name="character"/>, or false when it is not in the vocabulary.</summary>
    public bool TryEncode(char character, out int id)
    {
        if (character < _idByCharacter.Length)
        {
            id = _idByCharacter[character];
            return id >= 0;
        }
        id = -1;
        return false;
    }

    /// <summary>The id of <paramref name="character"/>; throws when it is not in the vocabulary.</summary>
    public int Encode(char character) =>
        TryEncode(character, out int id) ? id : throw UnknownCharacter(character, position: null);

    /// <summary>The ids of every character of <paramref name="text"/>; the error names the first unknown one and where it is.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new int[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            if (!TryEncode(text[i], out ids[i]))
                throw UnknownCharacter(text[i], i);
        }
        return ids;
    }

    /// <summary>The text of a sequence of token ids.</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        // string.Create cannot capture a span, so copy ids to characters through a char buffer.
        char[]? rented = null;
        Span<char> buffer = ids.Length <= 1024
            ? stackalloc char[ids.Length]
            : (rented = ArrayPool<char>.Shared.Rent(ids.Length));
        try
        {
            for (int i = 0; i < ids.Length; i++)
            {
                int id = ids[i];
                if ((uint)id >= (uint)_characters.Length)
                    throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id at position {i} must be in [0, {_characters.Length}).");
                buffer[i] = _characters[id];
            }
            return new string(buffer[..ids.Length]);
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// The vocabulary as JSON: <c>{"version":1,"characters":[...]}</c>, one single-character string per
    /// id, every non-printable-ASCII character written as a <c>\uXXXX</c> escape.
    /// </summary>
    /// <remarks>
    /// Escapes are written by hand rather than by a JSON encoder because a vocabulary may hold lone
    /// surrogates (half of a character beyond U+FFFF), which encoders replace with U+FFFD.
    /// </remarks>
    public string ToJson()
    {
        var json = new StringBuilder(32 + 10 * _characters.Length);
        json.Append("{\"version\":").Append(FormatVersion.ToString(CultureInfo.InvariantCulture)).Append(",\"characters\":[");
        for (int i = 0; i < _characters.Length; i++)
        {
            if (i > 0) json.Append(',');
            char c = _characters[i];
            json.Append('"');
            if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\')
                json.Append(c);
            else
                json.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            json.Append('"');
        }
        return json.Append("]}").ToString();
    }

    /// <summary>Reads a vocabulary written by <see cref="ToJson"/>; also accepts <c>"characters"</c> as one string.</summary>
    public static CharTokenizer FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        var characters = new List<char>();
        bool found = false;
        try
        {
            Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, "a JSON object");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isCharacters = reader.ValueTextEquals("characters");
                reader.Read();
                if (!isCharacters)
                {
                    reader.Skip();
                    continue;
                }
                found = true;
                if (reader.TokenType == JsonTokenType.String)
                {
                    AppendUnescaped(ref reader, characters);
                }
                else
                {
                    Expect(reader.TokenType == JsonTokenType.StartArray, "\"characters\" to be an array or a string");
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        Expect(reader.TokenType == JsonTokenType.String, "each character to be a string");
                        int before = characters.Count;
                        AppendUnescaped(ref reader, characters);
                        Expect(characters.Count - before == 1, "each string in \"characters\" to hold exactly one UTF-16 code unit");
                    }
                }
            }
        }
        catch (JsonException e)
        {
            throw new FormatException($"Invalid tokenizer JSON: {e.Message}", e);
        }
        Expect(found, "a \"characters\" property");

        var array = characters.ToArray();
        for (int i = 1; i < array.Length; i++)
            Expect(array[i - 1] < array[i], "characters in strictly increasing ordinal order, each once");
        return new CharTokenizer(array);
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition) throw new FormatException($"Invalid tokenizer JSON: expected {what}.");
    }

    // Utf8JsonReader.GetString rejects lone surrogate escapes, so decode the escapes of the raw value here.
    private static void AppendUnescaped(ref Utf8JsonReader reader, List<char> characters)
    {
        ReadOnlySpan<byte> raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        if (!reader.ValueIsEscaped)
        {
            foreach (char c in Encoding.UTF8.GetString(raw)) characters.Add(c);
            return;
        }
        string text = Encoding.UTF8.GetString(raw);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c != '\\') { characters.Add(c); continue; }
            char kind = text[++i];
            switch (kind)
            {
                case 'u':
                    characters.Add((char)int.Parse(text.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                case 'n': characters.Add('\n'); break;
                case 'r': characters.Add('\r'); break;
                case 't': characters.Add('\t'); break;
                case 'b': characters.Add('\b'); break;
                case 'f': characters.Add('\f'); break;
                default: characters.Add(kind); break; // \" \\ \/
            }
        }
    }

    private static ArgumentException UnknownCharacter(char character, int? position)
    {
        string shown = char.IsControl(character) || char.IsSurrogate(character) ? "" : $"'{character}' ";
        string where = position is int p ? $" at position {p}" : "";
        return new ArgumentException(
            $"Character {shown}(U+{(int)character:X4}){where} is not in the vocabulary of this tokenizer.",
            position is null ? "character" : "text");
    }
}
