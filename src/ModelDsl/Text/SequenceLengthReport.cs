using System.Globalization;

namespace ModelDsl.Text;

/// <summary>
/// How a set of sequences fares against a fixed length: how many get padded (shorter), fit exactly or get
/// truncated (longer), and their average length, to choose <c>maxlen</c> with.
/// </summary>
public sealed record SequenceLengthReport(int MaxLength, int Count, int Padded, int Exact, int Truncated, double AverageLength, int LongestLength)
{
    /// <summary>The report of <paramref name="sequences"/> for <paramref name="maxLength"/>.</summary>
    public static SequenceLengthReport Of(IEnumerable<int[]> sequences, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        int count = 0, padded = 0, exact = 0, truncated = 0, longest = 0;
        long total = 0;
        foreach (int[] sequence in sequences)
        {
            int length = sequence.Length;
            count++;
            total += length;
            longest = Math.Max(longest, length);
            if (length < maxLength) padded++;
            else if (length == maxLength) exact++;
            else truncated++;
        }
        return new SequenceLengthReport(maxLength, count, padded, exact, truncated, count == 0 ? 0 : (double)total / count, longest);
    }

    /// <summary>E.g. <c>maxlen 20: 701 padded, 38 exact, 260 truncated (of 999); average length 13.9, longest 71</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"maxlen {MaxLength}: {Padded} padded, {Exact} exact, {Truncated} truncated (of {Count}); average length {AverageLength:F1}, longest {LongestLength}");
}
