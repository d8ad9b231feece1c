using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ModelDsl.Numerics;

namespace ModelDsl.Text;

/// <summary>Reads (and writes) word2vec vector files into an embedding matrix aligned to a tokenizer's index.</summary>
/// <remarks>
/// Files are streamed: only the rows of the vocabulary are kept, so a 3-million-word file costs the memory of the
/// vocabulary's matrix. Every format error names the file and the line (text) or the vector's number and byte offset
/// (binary). In binary files a wrong dimension in the header is caught when a vector is not followed by the line end
/// the first one had, when a "word" is not clean UTF-8 text, or when the file does not end where the header says.
/// </remarks>
public static class Word2Vec
{
    // Longer "words" are float bytes read as text: the header's dimension or count is wrong.
    private const int MaxWordBytes = 4096;

    /// <summary>
    /// The vectors of <paramref name="path"/> for the words of <paramref name="index"/>: row <c>i</c> of the result is the
    /// vector of the word of index <c>i</c>, for <c>1 ≤ i &lt; <paramref name="rows"/></c>; row 0 and rows without a word stay
    /// zero; words of the index the file lacks get a row by <paramref name="policy"/>.
    /// </summary>
    /// <param name="index">Word → index, e.g. <see cref="KerasTokenizer.WordIndex"/> or <see cref="TextVectorizer.Index"/>.</param>
    /// <param name="rows">Rows of the matrix, e.g. Keras's <c>num_words</c> or <c>len(word_index) + 1</c>; words of larger index are ignored.</param>
    /// <param name="rng">Needed by <see cref="MissingWordPolicy.RandomUniform"/> and <see cref="MissingWordPolicy.SharedUnknown"/>.</param>
    /// <exception cref="InvalidDataException">The file is not a well-formed word2vec file of the given format.</exception>
    public static AlignedVectors LoadAligned(string path, IReadOnlyDictionary<string, int> index, int rows,
        MissingWordPolicy policy, Rng? rng = null, Word2VecFormat format = Word2VecFormat.Auto)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        if (policy is MissingWordPolicy.RandomUniformPolicy or MissingWordPolicy.SharedUnknownPolicy && rng is null)
            throw new ArgumentNullException(nameof(rng), $"The missing-word policy {policy} draws random numbers: pass an Rng.");
        if (policy is MissingWordPolicy.SharedUnknownPolicy { UnknownRow: var unknownRow } && unknownRow >= rows)
            throw new ArgumentOutOfRangeException(nameof(policy), unknownRow, $"The [UNK] row must be below rows ({rows}).");
        if (!File.Exists(path)) throw new FileNotFoundException($"Vector file not found: '{path}'.", path);

        var aligner = new Aligner(index, rows, (policy as MissingWordPolicy.SharedUnknownPolicy)?.UnknownWord);
        if (format == Word2VecFormat.Auto) format = DetectFormat(path);
        if (format == Word2VecFormat.Text) ReadText(path, aligner);
        else ReadBinary(path, aligner);
        return aligner.Finish(policy, rng);
    }

    /// <summary>Whether <paramref name="path"/> holds the text or the binary format (see <see cref="Word2VecFormat.Auto"/>).</summary>
    public static Word2VecFormat DetectFormat(string path)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[64 * 1024];
        int length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        ReadOnlySpan<byte> bytes = buffer.AsSpan(0, length);
        int headerEnd = bytes.IndexOf((byte)'\n');
        if (headerEnd < 0) return Word2VecFormat.Text; // header only (or no header): the text reader says what is wrong
        ReadOnlySpan<byte> record = bytes[(headerEnd + 1)..];
        int recordEnd = record.IndexOf((byte)'\n');
        if (recordEnd >= 0) record = record[..recordEnd];
        foreach (byte b in record)
        {
            if (b < 0x20 && b != (byte)'\t' && b != (byte)'\r' || b == 0x7F) return Word2VecFormat.Binary;
        }
        var chars = new char[record.Length];
        var status = System.Text.Unicode.Utf8.ToUtf16(record, chars, out _, out _, replaceInvalidSequences: false,
            isFinalBlock: recordEnd >= 0 || length < buffer.Length);
        return status is System.Buffers.OperationStatus.Done or System.Buffers.OperationStatus.NeedMoreData
            ? Word2VecFormat.Text
            : Word2VecFormat.Binary;
    }

    /// <summary>Writes the text format: <c>count dim</c>, then <c>word v1 … vdim</c> per line, numbers in round-trip form.</summary>
    public static void WriteText(string path, IReadOnlyList<KeyValuePair<string, float[]>> vectors)
    {
        int dimension = CheckVectors(vectors);
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{vectors.Count} {dimension}"));
        foreach (var (word, vector) in vectors)
        {
            writer.Write(word);
            foreach (float v in vector)
            {
                writer.Write(' ');
                writer.Write(v.ToString("R", CultureInfo.InvariantCulture));
            }
            writer.WriteLine();
        }
    }

    /// <summary>
    /// Writes the binary format: <c>count dim\n</c>, then per word its UTF-8 bytes, a space and <c>dim</c> little-endian
    /// float32, followed by <c>\n</c> when <paramref name="lineEndAfterVector"/> (as the original tool writes; gensim does not).
    /// </summary>
    public static void WriteBinary(string path, IReadOnlyList<KeyValuePair<string, float[]>> vectors, bool lineEndAfterVector = true)
    {
        int dimension = CheckVectors(vectors);
        using var stream = new BufferedStream(File.Create(path), 1 << 16);
        stream.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{vectors.Count} {dimension}\n")));
        var floats = new byte[4 * dimension];
        foreach (var (word, vector) in vectors)
        {
            stream.Write(Encoding.UTF8.GetBytes(word));
            stream.WriteByte((byte)' ');
            for (int i = 0; i < dimension; i++)
                BinaryPrimitives.WriteSingleLittleEndian(floats.AsSpan(4 * i), vector[i]);
            stream.Write(floats);
            if (lineEndAfterVector) stream.WriteByte((byte)'\n');
        }
    }

    private static int CheckVectors(IReadOnlyList<KeyValuePair<string, float[]>> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count == 0) throw new ArgumentException("There are no vectors to write.", nameof(vectors));
        int dimension = vectors[0].Value.Length;
        foreach (var (word, vector) in vectors)
        {
            if (string.IsNullOrEmpty(word) || word.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                throw new ArgumentException($"The word \"{word}\" is empty or holds whitespace or a control character, which the format cannot hold.", nameof(vectors));
            if (vector.Length != dimension)
                throw new ArgumentException($"The vector of \"{word}\" has {vector.Length} numbers, the first one {dimension}.", nameof(vectors));
        }
        return dimension;
    }

    private static void ReadText(string path, Aligner aligner)
    {
        var encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        using var reader = new StreamReader(path, encoding, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        int lineNumber = 0;
        string? ReadLine()
        {
            try
            {
                string? line = reader.ReadLine();
                if (line is not null) lineNumber++;
                return line;
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException($"'{path}' line {lineNumber + 1}: not valid UTF-8 text (is this the binary format?).", e);
            }
        }

        string header = ReadLine() ?? throw new InvalidDataException($"'{path}' is empty: a word2vec file starts with a line \"count dim\".");
        var (count, dimension) = ParseHeader(header, path, "line 1");
        aligner.Start(count, dimension);

        var values = new float[dimension];
        for (int n = 0; n < count; n++)
        {
            string line = ReadLine()
                ?? throw new InvalidDataException($"'{path}' is truncated: it ends after {n} of the {count} vectors its header announces (line {lineNumber}).");
            // gensim: line.rstrip().split(' ')
            string[] parts = line.TrimEnd().Split(' ');
            if (parts.Length != dimension + 1 || parts[0].Length == 0)
            {
                string what = line.Trim().Length == 0 ? "an empty line" : $"the word \"{Shorten(parts[0])}\" with {parts.Length - 1} numbers";
                throw new InvalidDataException(
                    $"'{path}' line {lineNumber}: expected a word and {dimension} numbers (the header's dimension), found {what}.");
            }
            for (int i = 0; i < dimension; i++)
            {
                if (!float.TryParse(parts[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                    throw new InvalidDataException($"'{path}' line {lineNumber}: value {i + 1} of \"{Shorten(parts[0])}\", \"{Shorten(parts[i + 1])}\", is not a number.");
            }
            aligner.Add(parts[0], values);
        }

        while (ReadLine() is string extra)
        {
            if (extra.Trim().Length != 0)
                throw new InvalidDataException($"'{path}' line {lineNumber}: more vectors than the {count} the header announces.");
        }
    }

    private static void ReadBinary(string path, Aligner aligner)
    {
        using var stream = new BufferedStream(File.OpenRead(path), 1 << 20);
        long offset = 0;

        var headerBytes = new List<byte>();
        while (true)
        {
            int b = stream.ReadByte();
            if (b < 0) throw new InvalidDataException($"'{path}' ends inside its header: a word2vec file starts with a line \"count dim\".");
            offset++;
            if (b == '\n') break;
            if (headerBytes.Count > 100) throw new InvalidDataException($"'{path}': the header (first line) is not two integers \"count dim\".");
            headerBytes.Add((byte)b);
        }
        var (count, dimension) = ParseHeader(Encoding.Latin1.GetString(headerBytes.ToArray()), path, "the header");
        aligner.Start(count, dimension);

        var word = new byte[MaxWordBytes];
        var raw = new byte[4 * dimension];
        var values = new float[dimension];
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        bool? lineEndAfterVector = null;
        string? previousWord = null;
        for (int n = 0; n < count; n++)
        {
            string Where() => $"'{path}' vector {n + 1} of {count} (byte offset {offset})";
            // A garbage word means the previous vector did not end where the header's dimension says.
            string Suspect() => previousWord is null
                ? $"the header's dimension {dimension} may be wrong, or this is not a word2vec binary file"
                : $"vector {n} (\"{Shorten(previousWord)}\") is probably not {dimension} numbers long as the header says, or the file is corrupt";
            string Truncated() => $"'{path}' is truncated: it ends inside vector {n + 1} of the {count} its header announces (byte offset {offset}).";

            // The word: skip the line end left by the previous vector, then read up to the space.
            int b = stream.ReadByte();
            while (b == '\n') { offset++; b = stream.ReadByte(); }
            long wordStart = offset;
            int wordLength = 0;
            while (b != ' ')
            {
                if (b < 0) throw new InvalidDataException(Truncated());
                if (wordLength == MaxWordBytes)
                    throw new InvalidDataException($"{Where()}: no space within {MaxWordBytes} bytes of the word's start; {Suspect()}.");
                word[wordLength++] = (byte)b;
                offset++;
                b = stream.ReadByte();
            }
            offset++;
            string text;
            try
            {
                text = utf8.GetString(word, 0, wordLength);
            }
            catch (DecoderFallbackException)
            {
                throw new InvalidDataException($"'{path}' vector {n + 1} of {count} (byte offset {wordStart}): the word is not valid UTF-8; {Suspect()}.");
            }
            if (text.Length == 0 || text.Any(char.IsControl))
                throw new InvalidDataException($"'{path}' vector {n + 1} of {count} (byte offset {wordStart}): the word is empty or holds control characters; {Suspect()}.");

            if (stream.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false) < raw.Length)
                throw new InvalidDataException(Truncated());
            offset += raw.Length;
            if (BitConverter.IsLittleEndian)
            {
                MemoryMarshal.Cast<byte, float>(raw).CopyTo(values);
            }
            else
            {
                for (int i = 0; i < dimension; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(4 * i));
            }

            // The original tool ends every vector with '\n'; when the first one has it, each must.
            int next = stream.ReadByte();
            bool hasLineEnd = next == '\n';
            if (hasLineEnd) offset++;
            else if (next >= 0) stream.Seek(-1, SeekOrigin.Current);
            lineEndAfterVector ??= hasLineEnd;
            if (lineEndAfterVector == true && !hasLineEnd && next >= 0)
                throw new InvalidDataException(
                    $"'{path}' vector {n + 1} of {count} (\"{Shorten(text)}\", byte offset {wordStart}): no line end after its {dimension} numbers, as the earlier vectors have; the header's dimension {dimension} does not match the file.");
            aligner.Add(text, values);
            previousWord = text;
        }

        int rest;
        while ((rest = stream.ReadByte()) >= 0)
        {
            if (rest is not ('\n' or '\r' or ' '))
                throw new InvalidDataException($"'{path}' byte offset {offset}: data after the {count} vectors the header announces; the header's count or dimension is wrong.");
            offset++;
        }
    }

    private static (int Count, int Dimension) ParseHeader(string header, string path, string where)
    {
        string[] parts = header.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int dimension)
            || dimension <= 0)
        {
            throw new InvalidDataException(
                $"'{path}' {where} must be two integers, the vector count and a positive dimension (e.g. \"3000000 300\"), not \"{Shorten(header.Trim())}\". Files without this header (GloVe) need one added.");
        }
        return (count, dimension);
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    /// <summary>Collects the vocabulary's rows while a file streams past, then applies the missing-word policy.</summary>
    private sealed class Aligner
    {
        private readonly int _rows;
        private readonly string?[] _wordOfRow;
        private readonly Dictionary<string, int> _rowOfWord = new(StringComparer.Ordinal);
        private readonly string? _unknownWord;
        private bool[] _found = [];
        private float[] _matrix = [];
        private double[] _sum = [];
        private float[]? _unknownVector;
        private int _dimension, _fileVectors, _duplicates;

        public Aligner(IReadOnlyDictionary<string, int> index, int rows, string? unknownWord)
        {
            _rows = rows;
            _unknownWord = unknownWord;
            _wordOfRow = new string?[rows];
            // Row 0 is padding (Keras never gives a word index 0; TextVectorization gives it to "").
            foreach (var (word, row) in index.OrderBy(pair => pair.Value))
            {
                if (row < 1 || row >= rows || _wordOfRow[row] is not null) continue;
                _wordOfRow[row] = word;
                _rowOfWord.TryAdd(word, row);
            }
        }

        public void Start(int count, int dimension)
        {
            _fileVectors = count;
            _dimension = dimension;
            _found = new bool[_rows];
            _matrix = new float[checked(_rows * dimension)];
            _sum = new double[dimension];
        }

        public void Add(string word, ReadOnlySpan<float> vector)
        {
            for (int i = 0; i < vector.Length; i++) _sum[i] += vector[i];
            if (_unknownWord is not null && _unknownVector is null && word == _unknownWord) _unknownVector = vector.ToArray();
            if (!_rowOfWord.TryGetValue(word, out int row)) return;
            if (_found[row]) { _duplicates++; return; }
            _found[row] = true;
            vector.CopyTo(_matrix.AsSpan(row * _dimension, _dimension));
        }

        public AlignedVectors Finish(MissingWordPolicy policy, Rng? rng)
        {
            var missingRows = new List<int>();
            int found = 0;
            for (int row = 1; row < _rows; row++)
            {
                if (_wordOfRow[row] is null) continue;
                if (_found[row]) found++;
                else missingRows.Add(row);
            }

            int[]? remap = null;
            switch (policy)
            {
                case MissingWordPolicy.ZerosPolicy:
                    break;
                case MissingWordPolicy.RandomUniformPolicy uniform:
                    foreach (int row in missingRows) FillUniform(Row(row), uniform.Scale, rng!);
                    break;
                case MissingWordPolicy.MeanVectorPolicy:
                    if (_fileVectors > 0)
                    {
                        var mean = new float[_dimension];
                        for (int i = 0; i < _dimension; i++) mean[i] = (float)(_sum[i] / _fileVectors);
                        foreach (int row in missingRows) mean.CopyTo(Row(row));
                    }
                    break;
                case MissingWordPolicy.SharedUnknownPolicy shared:
                    float[]? unknown = _unknownVector ?? (_found[shared.UnknownRow] ? Row(shared.UnknownRow).ToArray() : null);
                    if (unknown is null)
                    {
                        unknown = new float[_dimension];
                        FillUniform(unknown, shared.Scale, rng!);
                    }
                    unknown.CopyTo(Row(shared.UnknownRow));
                    remap = new int[_rows];
                    for (int row = 0; row < _rows; row++) remap[row] = row;
                    foreach (int row in missingRows)
                    {
                        unknown.CopyTo(Row(row));
                        remap[row] = shared.UnknownRow;
                    }
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(policy), policy, "Unknown missing-word policy.");
            }

            string[] missingWords = missingRows.Select(row => _wordOfRow[row]!).ToArray();
            return new AlignedVectors(_matrix, _rows, _dimension, _fileVectors, found, missingWords, _duplicates, remap);
        }

        private Span<float> Row(int row) => _matrix.AsSpan(row * _dimension, _dimension);

        private static void FillUniform(Span<float> row, float scale, Rng rng)
        {
            for (int i = 0; i < row.Length; i++) row[i] = (2f * rng.NextFloat() - 1f) * scale;
        }
    }
}
