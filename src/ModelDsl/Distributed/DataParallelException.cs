namespace ModelDsl.Distributed;

/// <summary>
/// A rank of a data-parallel <see cref="Model.Fit"/> failed: every rank of the job throws this, naming the failing rank and
/// its error, instead of leaving the others waiting in a collective. On the failing rank itself,
/// <see cref="Exception.InnerException"/> is the original exception (with its stack trace). See docs/distributed.md, "Faults".
/// </summary>
public sealed class DataParallelException : Exception
{
    public DataParallelException(int rank, int ranks, long completedSteps, string rankError, Exception? innerException = null)
        : base($"rank {rank} of {ranks} failed after {completedSteps} training step{(completedSteps == 1 ? "" : "s")}: {rankError}", innerException)
    {
        Rank = rank;
        Ranks = ranks;
        CompletedSteps = completedSteps;
        RankError = rankError;
    }

    /// <summary>The rank that failed (the lowest, when several failed before the same agreement).</summary>
    public int Rank { get; }

    /// <summary>Processes in the job.</summary>
    public int Ranks { get; }

    /// <summary>Optimizer steps the failing rank had completed (its count includes the steps of a resumed checkpoint).</summary>
    public long CompletedSteps { get; }

    /// <summary>The failing rank's error as it described it: its type's full name and its message.</summary>
    public string RankError { get; }
}
