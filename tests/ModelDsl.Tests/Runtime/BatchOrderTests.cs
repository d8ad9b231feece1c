using ModelDsl.Data;
using ModelDsl.Numerics;
using Xunit;

namespace ModelDsl.Tests.Runtime;

public sealed class BatchOrderTests
{
    private static int[] Concatenate(BatchOrder order)
    {
        var all = new List<int>();
        for (int b = 0; b < order.BatchCount; b++) all.AddRange(order.Batch(b).ToArray());
        return all.ToArray();
    }

    [Fact]
    public void BatchesCoverEveryExampleOnceWithAPartialLastBatch()
    {
        var order = new BatchOrder(count: 10, batchSize: 4, shuffle: true, new Rng(1));
        Assert.Equal(3, order.BatchCount);
        Assert.Equal(4, order.Batch(0).Length);
        Assert.Equal(2, order.Batch(2).Length);
        Assert.Equal(Enumerable.Range(0, 10), Concatenate(order).Order());
        Assert.Throws<ArgumentOutOfRangeException>(() => order.Batch(3));
    }

    [Fact]
    public void WithoutShufflingTheOrderIsSequential()
    {
        var order = new BatchOrder(7, 3, shuffle: false, rng: null);
        order.NewEpoch();
        Assert.Equal(Enumerable.Range(0, 7), Concatenate(order));
    }

    [Fact]
    public void EachEpochIsANewDeterministicPermutation()
    {
        var a = new BatchOrder(50, 8, true, new Rng(3));
        var b = new BatchOrder(50, 8, true, new Rng(3));
        int[] first = Concatenate(a);
        Assert.Equal(first, Concatenate(b));
        Assert.NotEqual(Enumerable.Range(0, 50), first);

        a.NewEpoch();
        b.NewEpoch();
        int[] second = Concatenate(a);
        Assert.Equal(second, Concatenate(b));
        Assert.NotEqual(first, second);
        Assert.Equal(Enumerable.Range(0, 50), second.Order());
    }

    [Fact]
    public void NewEpochAndBatchAllocateNothing()
    {
        var order = new BatchOrder(1000, 128, true, new Rng(4));
        order.NewEpoch();
        long before = GC.GetAllocatedBytesForCurrentThread();
        order.NewEpoch();
        int sum = 0;
        for (int b = 0; b < order.BatchCount; b++) sum += order.Batch(b)[0];
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.True(sum >= 0);
    }

    [Fact]
    public void ShufflingNeedsAGenerator()
    {
        Assert.Throws<ArgumentNullException>(() => new BatchOrder(5, 2, true, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchOrder(0, 2, false, null));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchOrder(5, 0, false, null));
    }
}
