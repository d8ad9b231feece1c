using System.Globalization;
using ModelDsl.Data;

namespace ModelDsl.Tests.Data;

public class DateTaskTests
{
    [Fact]
    public void EveryFormat_ParsesBackToTheIsoAnswer()
    {
        var data = DateTask.Generate(4000, seed: 2);
        var formatsSeen = new HashSet<string>();
        foreach (var (source, target) in data.Pairs)
        {
            var date = DateOnly.ParseExact(target, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            Assert.InRange(date, new DateOnly(1950, 1, 1), new DateOnly(2049, 12, 31));
            string? format = DateTask.Formats.FirstOrDefault(f =>
                DateTime.TryParseExact(source, f, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)
                && DateOnly.FromDateTime(parsed) == date);
            Assert.True(format is not null, $"\"{source}\" does not parse back to {target} in any format.");
            formatsSeen.Add(format!);
        }
        Assert.Equal(DateTask.Formats.Count, formatsSeen.Count);
    }

    [Fact]
    public void KnownDate_InEveryFormat()
    {
        var date = new DateOnly(1997, 3, 3);
        Assert.Equal(
            ["3 March 1997", "March 3, 1997", "03/03/1997", "Monday, March 3, 1997", "3 Mar 97", "1997 Mar 3", "03.03.1997", "Mon 3 Mar 1997"],
            DateTask.Formats.Select(f => date.ToString(f, CultureInfo.InvariantCulture)));
        // Two-digit years read back in the task's century.
        Assert.Equal(2049, DateTime.ParseExact("1 Jan 49", "d MMM yy", CultureInfo.InvariantCulture).Year);
        Assert.Equal(1950, DateTime.ParseExact("1 Jan 50", "d MMM yy", CultureInfo.InvariantCulture).Year);
    }

    [Fact]
    public void DatesSpreadOverTheCentury()
    {
        var years = DateTask.Generate(3000, seed: 9).Pairs.Select(p => int.Parse(p.Target[..4], CultureInfo.InvariantCulture)).ToList();
        Assert.True(years.Min() < 1955 && years.Max() > 2044, $"years {years.Min()}..{years.Max()}");
        Assert.InRange(years.Count(y => y < 2000), 1300, 1700); // half the range, uniformly
    }

    [Fact]
    public void Generate_DeterministicBySeed()
    {
        Assert.Equal(DateTask.Generate(200, seed: 4).Pairs, DateTask.Generate(200, seed: 4).Pairs);
        Assert.NotEqual(DateTask.Generate(200, seed: 4).Pairs, DateTask.Generate(200, seed: 5).Pairs);
    }
}
