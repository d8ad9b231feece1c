namespace ModelDsl.Cpu;

/// <summary>Work over a range of rows [r0, r1): a generated fused pointwise kernel's body.</summary>
public interface IRowRangeBody
{
    void Run(int r0, int r1);
}

/// <summary>
/// Runs a row-range body on the calling thread or split across <see cref="WorkerPool.Shared"/>: only grids of at least
/// <see cref="MinParallelElements"/> elements pay for the hand-off (the LSTM cell at 128×128 does; a 1-row sampling step
/// does not).
/// </summary>
public static class RowRanges
{
    /// <summary>Below this many elements a fused pointwise pass runs on one thread.</summary>
    public const int MinParallelElements = 4096;

    /// <summary>Runs <c>body.Run</c> over rows [0, rows) of a rows × cols grid.</summary>
    public static void For<TBody>(int rows, int cols, ref TBody body) where TBody : struct, IRowRangeBody
    {
        var pool = WorkerPool.Shared;
        if (pool.ThreadCount == 1 || rows < 2 || (long)rows * cols < MinParallelElements)
        {
            body.Run(0, rows);
            return;
        }
        // A few tasks per thread, so a thread slowed by the (shared) host does not hold the others up.
        var tasks = new Tasks<TBody> { Body = body, Rows = rows, Count = Math.Min(rows, 4 * pool.ThreadCount) };
        pool.For(tasks.Count, ref tasks);
    }

    private struct Tasks<TBody> : IParallelBody where TBody : struct, IRowRangeBody
    {
        public TBody Body;
        public int Rows, Count;

        public void Execute(int index) =>
            Body.Run((int)((long)Rows * index / Count), (int)((long)Rows * (index + 1) / Count));
    }
}
