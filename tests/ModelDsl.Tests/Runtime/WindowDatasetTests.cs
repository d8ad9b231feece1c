using ModelDsl.Data;
using Xunit;

namespace ModelDsl.Tests.Runtime;

public sealed class WindowDatasetTests
{
    private static int[] Iota(int length) => Enumerable.Range(0, length).ToArray();

    [Fact]
    public void WindowsAndTargetsFollowTheKerasLoop()
    {
        // for i in range(0, 10 - 3, 2): sentences.append(text[i:i+3]); next_chars.append(text[i+3])
        var dataset = new WindowDataset(Iota(10), windowLength: 3, step: 2);
        Assert.Equal(4, dataset.Count);
        Assert.Equal([0, 1, 2], dataset.Window(0).ToArray());
        Assert.Equal(3, dataset.Target(0));
        Assert.Equal([6, 7, 8], dataset.Window(3).ToArray());
        Assert.Equal(9, dataset.Target(3));
    }

    [Fact]
    public void CountEqualsTheLengthOfPythonsRange()
    {
        for (int length = 2; length < 40; length++)
        for (int window = 1; window < length; window++)
        for (int step = 1; step < 6; step++)
        {
            int expected = 0;
            for (int i = 0; i < length - window; i += step) expected++;
            Assert.Equal(expected, new WindowDataset(Iota(length), window, step).Count);
        }
    }

    [Fact]
    public void NietzscheSettingsGiveTheExampleCount()
    {
        // The Keras example: maxlen 60, step 3 over the 600,901 lower-cased characters.
        var dataset = new WindowDataset(new int[600_901], 60, 3);
        Assert.Equal(200_281, dataset.Count);
    }

    [Fact]
    public void TooShortCorpusSaysBothLengths()
    {
        var error = Assert.Throws<ArgumentException>(() => new WindowDataset(Iota(60), 60, 3));
        Assert.Contains("60 tokens", error.Message);
        Assert.Contains("window of 60", error.Message);
        Assert.Equal(1, new WindowDataset(Iota(61), 60, 3).Count);
    }

    [Fact]
    public unsafe void FillBatchCopiesRowMajorWindowsAndTargetsWithoutAllocating()
    {
        var dataset = new WindowDataset(Iota(100), windowLength: 4, step: 3);
        int[] indices = [5, 0, 31];
        var inputs = new int[indices.Length * 4];
        var targets = new int[indices.Length];

        fixed (int* inputPointer = inputs)
        fixed (int* targetPointer = targets)
        {
            dataset.FillBatch(indices, inputPointer, targetPointer); // warm-up
            long before = GC.GetAllocatedBytesForCurrentThread();
            dataset.FillBatch(indices, inputPointer, targetPointer);
            Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        }

        Assert.Equal([15, 16, 17, 18, 0, 1, 2, 3, 93, 94, 95, 96], inputs);
        Assert.Equal([19, 4, 97], targets);
    }

    [Fact]
    public void FillBatchRejectsBadIndicesAndSmallBuffers()
    {
        var dataset = new WindowDataset(Iota(20), 4, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.FillBatch([dataset.Count], new int[4], new int[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.FillBatch([-1], new int[4], new int[1]));
        Assert.Throws<ArgumentException>(() => dataset.FillBatch([0, 1], new int[4], new int[2]));
    }

    [Fact]
    public void SplitByPositionKeepsTheLastFractionOfTheTextForValidation()
    {
        var dataset = new WindowDataset(Iota(100), windowLength: 5, step: 2);
        var (train, validation) = dataset.SplitByPosition(0.2);

        Assert.Equal(80, train.TokenCount);
        Assert.Equal(20, validation.TokenCount);
        Assert.Equal(new WindowDataset(Iota(80), 5, 2).Count, train.Count);
        Assert.Equal(new WindowDataset(Iota(20), 5, 2).Count, validation.Count);

        // No window or target of either part crosses position 80.
        for (int i = 0; i < train.Count; i++) Assert.True(train.Target(i) < 80);
        for (int i = 0; i < validation.Count; i++) Assert.True(validation.Window(i)[0] >= 80);
        Assert.Equal(80, validation.Window(0)[0]);
        Assert.Equal(85, validation.Target(0));

        var inputs = new int[5];
        var targets = new int[1];
        validation.FillBatch([validation.Count - 1], inputs, targets);
        Assert.Equal(validation.Target(validation.Count - 1), targets[0]);
        Assert.Equal(validation.Window(validation.Count - 1).ToArray(), inputs);
    }

    [Fact]
    public void SplitThatLeavesAPartTooShortIsRejected()
    {
        var dataset = new WindowDataset(Iota(30), 10, 1);
        Assert.Throws<ArgumentException>(() => dataset.SplitByPosition(0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.SplitByPosition(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.SplitByPosition(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.SplitByPosition(double.NaN));
    }
}
