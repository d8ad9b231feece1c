using System.Diagnostics;
using System.Numerics.Tensors;
using System.Text;

namespace ModelDsl.Distributed;

/// <summary>
/// How <see cref="Model.Fit"/> splits each global batch: into <see cref="Shards"/> contiguous pieces, <see cref="LocalShards"/>
/// of them computed in sequence by each of <see cref="Ranks"/> MPI processes, whose scaled gradient sums are added with one
/// all-reduce per step before the (identical) optimizer update on every rank. See docs/distributed.md.
/// </summary>
public sealed class DataParallel
{
    /// <summary>Values an agreement carries besides the failure marks (a step's loss sum, non-finite count and weight).</summary>
    internal const int AgreedValues = 3;

    /// <summary>Elements of all ranks' pieces gathered at once in rank order: 64 MiB of floats, whatever the ranks.</summary>
    private const int GatherElements = 1 << 24;

    private readonly bool _mpi;
    private long _reduceTicks;
    private float[]? _gatheredFloats;   // rank order: every rank's piece of a gradient
    private double[]? _gatheredDoubles; // rank order: every rank's agreement
    private double[]? _agreement;  // AgreedValues sums, then one failure mark per rank
    private Exception? _agreed;    // the last exception every rank reached from the same agreement

    private DataParallel(int rank, int ranks, int localShards, bool mpi, bool rankOrder = false)
    {
        Rank = rank;
        Ranks = ranks;
        LocalShards = localShards;
        _mpi = mpi;
        SumsInRankOrder = rankOrder;
    }

    /// <summary>This process's rank, 0 to <see cref="Ranks"/> − 1; rank 0 validates, reports and writes checkpoints.</summary>
    public int Rank { get; }

    /// <summary>Processes in the job.</summary>
    public int Ranks { get; }

    /// <summary>Shards each process computes in sequence within one step (1 under MPI).</summary>
    public int LocalShards { get; }

    /// <summary>Pieces each global batch is cut into.</summary>
    public int Shards => Ranks * LocalShards;

    /// <summary>
    /// Whether sums across ranks are added in rank order (gathered, then added on every rank), so N ranks equal
    /// <see cref="Sequential"/>(N) bit for bit for any N; otherwise MPI's all-reduce chooses the order.
    /// </summary>
    public bool SumsInRankOrder { get; }

    /// <summary>Whether this process is rank 0.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>Time spent in gradient and loss all-reduces so far (it includes waiting for the slowest rank).</summary>
    public TimeSpan AllReduceTime => Stopwatch.GetElapsedTime(0, _reduceTicks);

    /// <summary>All-reduces of the gradient so far.</summary>
    public long AllReduceCount { get; private set; }

    /// <summary>
    /// The job this process was started in: MPI when an MPICH-compatible launcher (<c>mpiexec</c>, <c>srun --mpi=pmi2</c>)
    /// started it, else null (one process). <see cref="Model.Fit"/> uses this when <see cref="FitOptions.DataParallel"/> is null.
    /// </summary>
    /// <exception cref="MpiUnavailableException">Started by Open MPI's launcher (another ABI), or MPICH's library is missing.</exception>
    public static DataParallel? FromEnvironment()
    {
        if (Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null)
            throw new MpiUnavailableException("This process was started by Open MPI's mpirun; ModelDsl binds MPICH's ABI (MPICH, MS-MPI, Intel MPI, Cray MPICH). Start it with MPICH's mpiexec (Debian: mpiexec.mpich).");
        if (Environment.GetEnvironmentVariable("PMI_SIZE") is not { } size || !int.TryParse(size, out int ranks) || ranks < 1)
            return null;
        return Mpi();
    }

    /// <summary>Initialises MPI (once per process) and joins its world communicator; a process not started by a launcher is rank 0 of 1.</summary>
    /// <param name="deterministic">
    /// Add the ranks' gradients and losses in rank order (<see cref="SumsInRankOrder"/>): N ranks then equal
    /// <see cref="Sequential"/>(N) bit for bit for any N, at the cost of an all-gather (every rank receives N − 1 gradients
    /// instead of a ring all-reduce's 2(N − 1)/N) and N − 1 additions per weight on every rank. See docs/distributed.md.
    /// </param>
    /// <exception cref="MpiUnavailableException">MPICH's library is missing.</exception>
    public static DataParallel Mpi(bool deterministic = false)
    {
        MpiLibrary.EnsureInitialised();
        return new DataParallel(MpiLibrary.Rank(), MpiLibrary.Size(), 1, mpi: true, deterministic);
    }

    /// <summary>
    /// One process that computes each batch as <paramref name="shards"/> shards in sequence and adds their scaled gradients
    /// in shard order: gradient accumulation, and the exact one-process counterpart of a <paramref name="shards"/>-rank job.
    /// </summary>
    public static DataParallel Sequential(int shards)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        return new DataParallel(0, 1, shards, mpi: false);
    }

    /// <summary>One process, one shard: <see cref="Model.Fit"/>'s plain path even under a launcher.</summary>
    public static DataParallel None { get; } = new(0, 1, 1, mpi: false);

    /// <summary>Rows [Start, Start + Length) of a batch of <paramref name="rows"/> that shard <paramref name="shard"/> computes.</summary>
    internal (int Start, int Length) ShardRange(int shard, int rows)
    {
        int start = (int)((long)shard * rows / Shards), end = (int)((long)(shard + 1) * rows / Shards);
        return (start, end - start);
    }

    internal unsafe void AllReduceSum(Span<float> values)
    {
        if (Ranks == 1) return;
        long start = Stopwatch.GetTimestamp();
        if (SumsInRankOrder) GatherSumInRankOrder(values, ref _gatheredFloats, MpiLibrary.Float);
        else fixed (float* p = values) MpiLibrary.AllReduceSum(p, values.Length, MpiLibrary.Float, sizeof(float));
        _reduceTicks += Stopwatch.GetTimestamp() - start;
        AllReduceCount++;
    }

    internal unsafe void AllReduceSum(Span<double> values)
    {
        if (Ranks == 1) return;
        long start = Stopwatch.GetTimestamp();
        if (SumsInRankOrder) GatherSumInRankOrder(values, ref _gatheredDoubles, MpiLibrary.Double);
        else fixed (double* p = values) MpiLibrary.AllReduceSum(p, values.Length, MpiLibrary.Double, sizeof(double));
        _reduceTicks += Stopwatch.GetTimestamp() - start;
    }

    /// <summary>
    /// Σ over ranks in rank order, the same on every rank: piece by piece, every rank's values gathered, then the first
    /// copied and the others added one by one, as <see cref="Sequential"/> adds its shards (copy, then Add).
    /// </summary>
    private unsafe void GatherSumInRankOrder<T>(Span<T> values, ref T[]? gathered, int datatype) where T : unmanaged, System.Numerics.IAdditionOperators<T, T, T>, System.Numerics.IAdditiveIdentity<T, T>
    {
        int piece = Math.Max(1, Math.Min(values.Length, GatherElements / Ranks));
        if (gathered is null || gathered.Length < (long)piece * Ranks) gathered = new T[(long)piece * Ranks];
        for (int done = 0; done < values.Length; done += piece)
        {
            var part = values.Slice(done, Math.Min(piece, values.Length - done));
            fixed (T* send = part)
            fixed (T* receive = gathered)
                MpiLibrary.AllGather(send, receive, part.Length, datatype);
            gathered.AsSpan(0, part.Length).CopyTo(part);
            for (int rank = 1; rank < Ranks; rank++)
                TensorPrimitives.Add(part, gathered.AsSpan(rank * part.Length, part.Length), part);
        }
    }

    /// <summary>The <paramref name="root"/> rank's values replace every other rank's.</summary>
    internal unsafe void Broadcast<T>(Span<T> values, int root = 0) where T : unmanaged
    {
        if (Ranks == 1) return;
        fixed (T* p = values) MpiLibrary.Broadcast(p, (long)values.Length * sizeof(T), MpiLibrary.Byte, 1, root);
    }

    /// <summary>Waits for every rank.</summary>
    public void Barrier()
    {
        if (Ranks > 1) MpiLibrary.Barrier();
    }

    /// <summary>
    /// True while this rank is in the collectives that follow an agreement (the start's broadcasts, a step's gradient
    /// all-reduce): the others are not heading for an agreement then, so a failure here cannot be shared and ends the job.
    /// </summary>
    internal bool Exchanging { get; set; }

    /// <summary>
    /// The collective that keeps a failure from stranding the other ranks: every rank adds <paramref name="values"/> (at most
    /// <see cref="AgreedValues"/>; the sums replace them) and one failure mark per rank. Throws, on every rank alike, the
    /// <see cref="DataParallelException"/> of the lowest rank that joined with <see cref="ShareFailure"/>.
    /// </summary>
    internal void Agree(Span<double> values, long completedSteps)
    {
        if (Ranks == 1) return;
        if (AgreeCore(values, failing: false) is { } failed) throw Failure(failed, null, completedSteps);
    }

    /// <summary>
    /// This rank failed where every other rank's next collective is an agreement: joins it marked as failed and returns the
    /// <see cref="DataParallelException"/> every rank throws (the lowest failing rank's error is broadcast from that rank).
    /// </summary>
    internal DataParallelException ShareFailure(Exception error, long completedSteps) =>
        Failure(AgreeCore([], failing: true)!.Value, error, completedSteps);

    /// <summary>Records an exception every rank reaches from the same agreement (a non-finite step), so it is not shared again.</summary>
    internal T Agreed<T>(T error) where T : Exception
    {
        _agreed = error;
        return error;
    }

    /// <summary>Whether every rank throws <paramref name="error"/> (or its like) already: it came from an agreement.</summary>
    internal bool IsAgreed(Exception error) => ReferenceEquals(error, _agreed);

    private int? AgreeCore(Span<double> values, bool failing)
    {
        if (values.Length > AgreedValues) throw new ArgumentOutOfRangeException(nameof(values), values.Length, $"An agreement carries at most {AgreedValues} values.");
        var buffer = _agreement ??= new double[AgreedValues + Ranks];
        Array.Clear(buffer);
        if (failing) buffer[AgreedValues + Rank] = 1;
        else values.CopyTo(buffer);
        AllReduceSum(buffer.AsSpan());
        for (int rank = 0; rank < Ranks; rank++)
            if (buffer[AgreedValues + rank] != 0) return rank;
        buffer.AsSpan(0, values.Length).CopyTo(values);
        return null;
    }

    /// <summary>Every rank learns the failing rank's step and error (type and message) from it and builds the same exception.</summary>
    private DataParallelException Failure(int failed, Exception? error, long completedSteps)
    {
        byte[] text = Rank == failed ? Encoding.UTF8.GetBytes($"{error!.GetType().FullName}: {error.Message}") : [];
        Span<long> header = [completedSteps, text.Length];
        Broadcast(header, root: failed);
        if (Rank != failed) text = new byte[header[1]];
        Broadcast(text.AsSpan(), root: failed);
        return Agreed(new DataParallelException(failed, Ranks, header[0], Encoding.UTF8.GetString(text), error));
    }

    /// <summary>
    /// The fallback for a failure that cannot be shared (<see cref="Exchanging"/>): the others may be inside a broadcast or
    /// the gradient all-reduce, not an agreement. Writes the error to stderr, then MPI_Abort (MPICH's launcher ends every
    /// rank and exits non-zero). Does not return under MPI.
    /// </summary>
    internal void Abort(Exception error)
    {
        if (!_mpi || Ranks == 1) return;
        Console.Error.WriteLine($"ModelDsl data-parallel training: rank {Rank} of {Ranks} failed inside a collective exchange, ending the job (MPI_Abort). {error}");
        Console.Error.Flush();
        // The launcher forwards a rank's stderr asynchronously, and MPI_Abort's kill can overtake it: under load the
        // message was lost. A second is nothing to a job that is ending and lets the error reach the user.
        Thread.Sleep(TimeSpan.FromSeconds(1));
        MpiLibrary.Abort(1);
    }
}
