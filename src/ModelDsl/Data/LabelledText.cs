using System.Globalization;
using System.Text.Unicode;
using ModelDsl.Numerics;
using ModelDsl.Text;

namespace ModelDsl.Data;

/// <summary>
/// A <c>sentence&lt;TAB&gt;label</c> file such as the UCI "Sentiment Labelled Sentences" (imdb_labelled.txt): one
/// record per line, the label an integer after the line's last tab.
/// </summary>
/// <remarks>
/// Decoding is strict UTF-8 (an invalid byte throws, giving its offset); a leading byte-order mark is dropped; lines
/// end as <see cref="LabelledTextOptions.LineEnds"/> says (LF, CRLF, CR by default). Blank lines are skipped. A line
/// without a tab, with a label that is not an integer, or with an empty sentence is bad: it throws
/// <see cref="InvalidDataException"/> naming its line number, or with <see cref="LabelledTextOptions.SkipBadLines"/> is
/// listed in <see cref="BadLines"/>. Sentences are kept as written, trailing spaces included.
/// </remarks>
public sealed class LabelledText
{
    private LabelledText(List<LabelledSentence> sentences, List<BadLine> badLines, int lineCount)
    {
        Sentences = sentences;
        BadLines = badLines;
        LineCount = lineCount;
    }

    /// <summary>The records in file order.</summary>
    public IReadOnlyList<LabelledSentence> Sentences { get; }

    /// <summary>Lines skipped as bad (only with <see cref="LabelledTextOptions.SkipBadLines"/>).</summary>
    public IReadOnlyList<BadLine> BadLines { get; }

    /// <summary>Lines in the text, blank ones included, a final line end not starting another.</summary>
    public int LineCount { get; }

    /// <summary>Records per label, by label.</summary>
    public IReadOnlyDictionary<int, int> LabelCounts =>
        new SortedDictionary<int, int>(Sentences.GroupBy(s => s.Label).ToDictionary(g => g.Key, g => g.Count()));

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not valid UTF-8, or has a bad line (without <see cref="LabelledTextOptions.SkipBadLines"/>).</exception>
    public static LabelledText Read(string path, LabelledTextOptions? options = null) =>
        Parse(RecordLines.ReadFile(path, "Labelled text"), options, $"'{path}'");

    /// <summary>Parses labelled text already in memory; <paramref name="source"/> names it in error messages.</summary>
    public static LabelledText Parse(string text, LabelledTextOptions? options = null, string source = "the labelled text")
    {
        options ??= new LabelledTextOptions();
        var sentences = new List<LabelledSentence>();
        var badLines = new List<BadLine>();
        int lineCount = RecordLines.Parse(text, options.LineEnds, options.SkipBadLines, source, badLines, (line, lineNumber) =>
        {
            string? reason = ParseLine(line, options, out string sentence, out int label);
            if (reason is null) sentences.Add(new LabelledSentence(sentence, label, lineNumber));
            return reason;
        });
        return new LabelledText(sentences, badLines, lineCount);
    }

    /// <summary>
    /// A deterministic shuffled split: the records permuted by <see cref="Rng.Shuffle"/> seeded with <paramref name="seed"/>,
    /// the first <c>ceil(testFraction · n)</c> of the permutation the test set and the rest the training set
    /// (scikit-learn's <c>train_test_split</c> rule).
    /// </summary>
    public (IReadOnlyList<LabelledSentence> Train, IReadOnlyList<LabelledSentence> Test) Split(double testFraction, ulong seed)
    {
        if (!(testFraction >= 0 && testFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must be in [0, 1].");
        int count = Sentences.Count;
        int testCount = (int)Math.Ceiling(testFraction * count);
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        new Rng(seed).Shuffle(order);
        var test = order.Take(testCount).Select(i => Sentences[i]).ToList();
        var train = order.Skip(testCount).Select(i => Sentences[i]).ToList();
        return (train, test);
    }

    private static string? ParseLine(ReadOnlySpan<char> line, LabelledTextOptions options, out string sentence, out int label)
    {
        sentence = "";
        label = 0;
        int tab = line.LastIndexOf('\t');
        if (tab < 0) return "no tab between the sentence and the label";
        ReadOnlySpan<char> labelText = line[(tab + 1)..];
        if (!int.TryParse(labelText, NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite | NumberStyles.AllowLeadingSign,
                CultureInfo.InvariantCulture, out label))
        {
            return labelText.IsWhiteSpace() ? "no label after the tab" : $"the label \"{RecordLines.Shorten(labelText.ToString())}\" is not an integer";
        }
        ReadOnlySpan<char> text = line[..tab];
        if (text.IsWhiteSpace()) return "the sentence is empty";
        sentence = options.RepairWindows1252 ? Windows1252.RepairC1Controls(text.ToString()) : text.ToString();
        return null;
    }
}
