using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace ModelDsl.Cpu;

/// <summary>The body of a parallel loop: a struct, so <see cref="WorkerPool.For{TBody}"/> runs it without a delegate or an allocation.</summary>
public interface IParallelBody
{
    void Execute(int index);
}

/// <summary>
/// A fixed set of spinning-then-sleeping worker threads that run <see cref="For{TBody}"/> loops together with the caller.
/// One loop at a time: a call made while the pool is busy (from another thread, or nested inside a body) runs serially
/// on its own thread, so the pool can never deadlock on itself.
/// </summary>
public sealed unsafe class WorkerPool : IDisposable
{
    // ~250 µs of spinning before a worker sleeps: bridges the element-wise gaps between the products of a training
    // step (waking from the semaphore costs tens of µs) without burning a core for long once the work has stopped.
    private const int SpinIterations = 5_000;

    private static readonly Lazy<WorkerPool> SharedPool = new(() => new WorkerPool(DefaultThreadCount()));

    [ThreadStatic] private static bool t_insideLoop;

    private readonly Worker[] _workers;
    private int _busy;           // 1 while a loop owns the workers
    private int _generation;     // bumped once per posted loop
    private int _open;           // 1 while the posted loop may be joined
    private int _inside;         // workers currently between joining and leaving a loop
    private volatile bool _disposed;

    // The posted loop: the body lives on the caller's stack, which stays put until the loop has been closed.
    private void* _body;
    private delegate*<void*, int, void> _execute;
    private int _count;
    private int _chunk;
    private int _next;
    private int _done;
    private ExceptionDispatchInfo? _failure;

    public WorkerPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        ThreadCount = threadCount;
        _workers = new Worker[threadCount - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            var worker = new Worker();
            _workers[i] = worker;
            worker.Thread = new Thread(WorkerLoop, maxStackSize: 1 << 20)
            {
                IsBackground = true,
                Name = $"ModelDsl worker {i + 1}",
            };
            worker.Thread.Start(worker);
        }
    }

    /// <summary>The process-wide pool: <c>MODELDSL_THREADS</c> threads if set, else one per processor.</summary>
    public static WorkerPool Shared => SharedPool.Value;

    /// <summary>Threads that run a loop, the caller included.</summary>
    public int ThreadCount { get; }

    /// <summary>Runs <c>body.Execute(i)</c> for every i in [0, count) across the pool and the caller; returns when all are done.</summary>
    public void For<TBody>(int count, ref TBody body) where TBody : struct, IParallelBody
    {
        if (count <= 0) return;
        if (count == 1 || _workers.Length == 0 || t_insideLoop || _disposed
            || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int i = 0; i < count; i++) body.Execute(i);
            return;
        }

        try
        {
            // Chunks small enough to balance uneven bodies, large enough that the shared counter stays cold.
            _body = Unsafe.AsPointer(ref body);
            _execute = &ExecuteOne<TBody>;
            _count = count;
            _chunk = Math.Max(1, count / (ThreadCount * 8));
            _next = 0;
            _done = 0;
            _failure = null;
            Volatile.Write(ref _open, 1);
            Interlocked.Increment(ref _generation);
            foreach (var worker in _workers)
                if (Interlocked.Exchange(ref worker.Sleeping, 0) == 1) worker.Wake.Release();

            t_insideLoop = true;
            try { RunChunks(); }
            finally { t_insideLoop = false; }

            var spin = new SpinWait();
            while (Volatile.Read(ref _done) < count) spin.SpinOnce(sleep1Threshold: -1);
            Volatile.Write(ref _open, 0);
            spin.Reset();
            while (Volatile.Read(ref _inside) != 0) spin.SpinOnce(sleep1Threshold: -1);
            _body = null;
            _failure?.Throw();
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private static void ExecuteOne<TBody>(void* body, int index) where TBody : struct, IParallelBody
        => Unsafe.AsRef<TBody>(body).Execute(index);

    private void RunChunks()
    {
        int count = _count, chunk = _chunk;
        var execute = _execute;
        void* body = _body;
        while (true)
        {
            int start = Interlocked.Add(ref _next, chunk) - chunk;
            if (start >= count) return;
            int end = Math.Min(start + chunk, count);
            try
            {
                for (int i = start; i < end; i++) execute(body, i);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            }
            Interlocked.Add(ref _done, end - start);
        }
    }

    private void WorkerLoop(object? state)
    {
        var self = (Worker)state!;
        t_insideLoop = true;
        int seen = Volatile.Read(ref _generation);
        while (true)
        {
            int generation = WaitForGeneration(self, seen);
            if (_disposed) return;
            seen = generation;
            Interlocked.Increment(ref _inside);
            // The loop may have been closed (and even replaced) between the bump and our arrival.
            if (Volatile.Read(ref _open) == 1 && Volatile.Read(ref _generation) == generation) RunChunks();
            Interlocked.Decrement(ref _inside);
        }
    }

    private int WaitForGeneration(Worker self, int seen)
    {
        while (true)
        {
            for (int i = 0; i < SpinIterations; i++)
            {
                int generation = Volatile.Read(ref _generation);
                if (generation != seen || _disposed) return generation;
                Thread.SpinWait(1);
            }
            // Announce sleep, then check again: either we see the new loop or its poster sees our flag and wakes us.
            Interlocked.Exchange(ref self.Sleeping, 1);
            if (Volatile.Read(ref _generation) != seen || _disposed)
            {
                if (Interlocked.Exchange(ref self.Sleeping, 0) == 0) self.Wake.Wait(); // consume the poster's release
            }
            else
            {
                self.Wake.Wait();
            }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Interlocked.Increment(ref _generation);
        foreach (var worker in _workers)
            if (Interlocked.Exchange(ref worker.Sleeping, 0) == 1) worker.Wake.Release();
    }

    private static int DefaultThreadCount()
    {
        string? text = Environment.GetEnvironmentVariable("MODELDSL_THREADS");
        return int.TryParse(text, out int n) && n >= 1 ? n : Environment.ProcessorCount;
    }

    private sealed class Worker
    {
        public Thread Thread = null!;
        public int Sleeping;
        public readonly SemaphoreSlim Wake = new(0);
    }
}
