using ModelDsl.Cpu;
using Xunit;

namespace ModelDsl.Tests.Cpu;

public sealed unsafe class WorkerPoolTests
{
    private struct CountVisits : IParallelBody
    {
        public int* Visits;
        public void Execute(int index) => Interlocked.Increment(ref Visits[index]);
    }

    /// <summary>Each outer index runs a nested loop over its own row of the visit table.</summary>
    private struct NestedLoop : IParallelBody
    {
        public WorkerPool Pool;
        public int* Visits;
        public int Inner;

        public void Execute(int index)
        {
            var inner = new CountVisits { Visits = Visits + index * Inner };
            Pool.For(Inner, ref inner);
        }
    }

    private struct Throwing : IParallelBody
    {
        public void Execute(int index)
        {
            if (index == 37) throw new InvalidOperationException("body 37");
        }
    }

    [Theory]
    [InlineData(1, 1000)]
    [InlineData(2, 1)]
    [InlineData(2, 7)]
    [InlineData(2, 100_003)]
    [InlineData(3, 5000)]
    public void RunsEveryIndexExactlyOnce(int threads, int count)
    {
        using var pool = new WorkerPool(threads);
        var visits = new PinnedBuffer<int>(count);
        var body = new CountVisits { Visits = visits.Pointer };
        for (int round = 1; round <= 3; round++)
        {
            pool.For(count, ref body);
            Assert.All(visits.Array.Take(count), v => Assert.Equal(round, v));
        }
    }

    [Fact]
    public void NestedLoopsRunSerially()
    {
        using var pool = new WorkerPool(2);
        var visits = new PinnedBuffer<int>(40 * 30);
        var body = new NestedLoop { Pool = pool, Visits = visits.Pointer, Inner = 30 };
        pool.For(40, ref body);
        Assert.All(visits.Array, v => Assert.Equal(1, v));
    }

    [Fact]
    public void ConcurrentCallersBothComplete()
    {
        using var pool = new WorkerPool(2);
        var first = new PinnedBuffer<int>(20_000);
        var second = new PinnedBuffer<int>(20_000);
        var other = new Thread(() => Loop(pool, second));
        other.Start();
        Loop(pool, first);
        other.Join();
        Assert.All(first.Array, v => Assert.Equal(200, v));
        Assert.All(second.Array, v => Assert.Equal(200, v));

        static void Loop(WorkerPool pool, PinnedBuffer<int> visits)
        {
            var body = new CountVisits { Visits = visits.Pointer };
            for (int i = 0; i < 200; i++) pool.For(visits.Array.Length, ref body);
        }
    }

    [Fact]
    public void BodyExceptionReachesTheCallerAndThePoolSurvives()
    {
        using var pool = new WorkerPool(2);
        var throwing = new Throwing();
        var error = Assert.Throws<InvalidOperationException>(() => pool.For(100, ref throwing));
        Assert.Equal("body 37", error.Message);

        var visits = new PinnedBuffer<int>(100);
        var body = new CountVisits { Visits = visits.Pointer };
        pool.For(100, ref body);
        Assert.All(visits.Array, v => Assert.Equal(1, v));
    }

    [Fact]
    public void WarmLoopAllocatesNothing()
    {
        using var pool = new WorkerPool(2);
        var visits = new PinnedBuffer<int>(4096);
        var body = new CountVisits { Visits = visits.Pointer };
        for (int i = 0; i < 10; i++) pool.For(4096, ref body);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) pool.For(4096, ref body);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void WakesAfterWorkersHaveGoneToSleep()
    {
        using var pool = new WorkerPool(2);
        var visits = new PinnedBuffer<int>(1000);
        var body = new CountVisits { Visits = visits.Pointer };
        pool.For(1000, ref body);
        Thread.Sleep(50); // longer than the spin phase
        pool.For(1000, ref body);
        Assert.All(visits.Array, v => Assert.Equal(2, v));
    }

    [Fact]
    public void SharedPoolExists()
    {
        Assert.True(WorkerPool.Shared.ThreadCount >= 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerPool(0));
    }
}
