using ModelDsl.Text;

namespace ModelDsl.Tests.Text;

public class SequencePaddingTests
{
    private static readonly int[][] Sequences = [[1, 2, 3, 4, 5], [6, 7], []];

    [Theory]
    [InlineData(PadSide.Pre, PadSide.Pre, new[] { 3, 4, 5 }, new[] { 0, 6, 7 })]
    [InlineData(PadSide.Post, PadSide.Pre, new[] { 3, 4, 5 }, new[] { 6, 7, 0 })]
    [InlineData(PadSide.Pre, PadSide.Post, new[] { 1, 2, 3 }, new[] { 0, 6, 7 })]
    [InlineData(PadSide.Post, PadSide.Post, new[] { 1, 2, 3 }, new[] { 6, 7, 0 })]
    public void Pad_AllFourModes_AsKeras(PadSide padding, PadSide truncating, int[] first, int[] second)
    {
        int[][] rows = SequencePadding.Pad(Sequences, 3, padding, truncating);
        Assert.Equal(first, rows[0]);
        Assert.Equal(second, rows[1]);
        Assert.Equal([0, 0, 0], rows[2]);
    }

    [Fact]
    public void Pad_DefaultsToLongestAndPre_WithValue()
    {
        int[][] rows = SequencePadding.Pad(Sequences, value: -1);
        Assert.Equal([1, 2, 3, 4, 5], rows[0]);
        Assert.Equal([-1, -1, -1, 6, 7], rows[1]);
        Assert.Equal([-1, -1, -1, -1, -1], rows[2]);
    }

    [Fact]
    public void LengthReport_CountsPaddedExactTruncated()
    {
        var report = SequenceLengthReport.Of([[1, 2, 3, 4, 5], [6, 7], [], [1, 2, 3]], 3);
        Assert.Equal((4, 2, 1, 1, 5), (report.Count, report.Padded, report.Exact, report.Truncated, report.LongestLength));
        Assert.Equal(2.5, report.AverageLength);
        Assert.Equal("maxlen 3: 2 padded, 1 exact, 1 truncated (of 4); average length 2.5, longest 5", report.ToString());
    }
}
