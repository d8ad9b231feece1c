using System.Globalization;
using ModelDsl.Numerics;

namespace ModelDsl.Data;

/// <summary>
/// A translation task that needs no download: human-readable dates in several formats ("3 March 1997",
/// "Monday, March 3, 1997", "03/03/1997", "3 Mar 97", …) to ISO 8601 ("1997-03-03"), generated from a seed.
/// </summary>
/// <remarks>
/// Dates are uniform over 1950-01-01 to 2049-12-31, which is exactly the century that .NET's invariant calendar reads
/// a two-digit year in (<see cref="Calendar.TwoDigitYearMax"/> 2049), so "3 Mar 97" has one answer. The format is drawn
/// uniformly from <see cref="Formats"/>; month and day names are the invariant culture's (English).
/// </remarks>
public static class DateTask
{
    /// <summary>The first date drawn.</summary>
    public static readonly DateOnly First = new(1950, 1, 1);

    /// <summary>The last date drawn.</summary>
    public static readonly DateOnly Last = new(2049, 12, 31);

    /// <summary>The ISO format of every target.</summary>
    public const string TargetFormat = "yyyy-MM-dd";

    /// <summary>The .NET custom formats of the sources, read with the invariant culture.</summary>
    public static IReadOnlyList<string> Formats { get; } =
    [
        "d MMMM yyyy",          // 3 March 1997
        "MMMM d, yyyy",         // March 3, 1997
        "MM/dd/yyyy",           // 03/03/1997
        "dddd, MMMM d, yyyy",   // Monday, March 3, 1997
        "d MMM yy",             // 3 Mar 97
        "yyyy MMM d",           // 1997 Mar 3
        "dd.MM.yyyy",           // 03.03.1997
        "ddd d MMM yyyy",       // Mon 3 Mar 1997
    ];

    /// <summary><paramref name="count"/> pairs of a date as written (source) and its ISO form (target); duplicates are possible.</summary>
    public static SequencePairs Generate(int count, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = new Rng(seed);
        int days = Last.DayNumber - First.DayNumber + 1;
        var pairs = new List<SequencePair>(count);
        for (int i = 0; i < count; i++)
        {
            DateOnly date = DateOnly.FromDayNumber(First.DayNumber + rng.NextInt(days));
            string format = Formats[rng.NextInt(Formats.Count)];
            pairs.Add(new SequencePair(
                date.ToString(format, CultureInfo.InvariantCulture),
                date.ToString(TargetFormat, CultureInfo.InvariantCulture)));
        }
        return SequencePairs.FromPairs(pairs);
    }
}
