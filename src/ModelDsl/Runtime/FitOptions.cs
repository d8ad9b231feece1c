using ModelDsl.Training;

namespace ModelDsl;

/// <summary>How <see cref="Model.Fit"/> trains.</summary>
public sealed record FitOptions
{
    public int Epochs { get; init; } = 1;
    public int BatchSize { get; init; } = 128;
    public bool Shuffle { get; init; } = true;
    /// <summary>Stop each epoch after this many batches (null: the whole training set).</summary>
    public int? StepsPerEpoch { get; init; }
    /// <summary>Defaults to Keras's RMSprop(0.001).</summary>
    public Optimizer? Optimizer { get; init; }
    /// <summary>Rescale the gradients when their global L2 norm exceeds this (Keras <c>global_clipnorm</c>).</summary>
    public float? ClipNorm { get; init; }
    /// <summary>Where the progress line goes (null: no progress output). Ignored when <see cref="ProgressFactory"/> is set.</summary>
    public TextWriter? Progress { get; init; }
    /// <summary>Overrides whether the progress line is rewritten in place (default: when output is a terminal).</summary>
    public bool? InteractiveProgress { get; init; }

    /// <summary>
    /// Makes the progress display of each epoch, in place of the <see cref="ProgressReporter"/> that <see cref="Progress"/>
    /// gets: e.g. ModelDsl.Visualization's <c>new SpectreProgress().BeginEpoch</c> for a live bar. Null: use <see cref="Progress"/>.
    /// </summary>
    public Func<EpochProgress, IProgressSink>? ProgressFactory { get; init; }

    /// <summary>The epoch's progress display: <see cref="ProgressFactory"/>'s, else a <see cref="ProgressReporter"/> on <see cref="Progress"/>, else none.</summary>
    internal IProgressSink? BeginEpochProgress(int epoch, int steps)
    {
        var start = new EpochProgress(epoch, Epochs, steps);
        if (ProgressFactory is { } factory) return factory(start);
        return Progress is null ? null : new ProgressReporter(Progress, InteractiveProgress ?? !Console.IsOutputRedirected, steps, start.Label);
    }

    /// <summary>
    /// Where to write a training checkpoint: the weights (as <see cref="Model.Save"/>), the optimizer's state and step, the
    /// random streams and the position in the data, enough for <see cref="ResumeFrom"/> to continue exactly. Each write
    /// replaces the previous one atomically (temporary file, flush, rename). Null: no checkpoints.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>
    /// Write the checkpoint after every this many batches, counted across the epochs of this <see cref="Model.Fit"/> call
    /// (Keras <c>save_freq</c> as an integer). Null: at the end of every epoch, after validation and the epoch callback.
    /// </summary>
    public int? CheckpointEverySteps { get; init; }

    /// <summary>
    /// A checkpoint written through <see cref="CheckpointPath"/> to continue from (Keras <c>BackupAndRestore</c>): its
    /// weights, optimizer state, random streams and data position replace the model's, and training goes on from the
    /// saved batch. The run must have the same training set size, <see cref="BatchSize"/>, <see cref="StepsPerEpoch"/> and
    /// <see cref="Shuffle"/>; <see cref="Epochs"/> may grow. With <see cref="Optimizer"/> null the saved optimizer and
    /// hyperparameters are used; a given optimizer must be of the same kind (its hyperparameters, e.g. a new learning
    /// rate, then apply). The file must exist: to resume only when there is something to resume, pass
    /// <c>File.Exists(path) ? path : null</c>.
    /// </summary>
    public string? ResumeFrom { get; init; }

    /// <summary>
    /// Where the training program keeps the training state on a device (the GPU backends), read the step losses back to the host
    /// every this many steps, and at each epoch's end and each checkpoint; between readbacks no step waits for the host. Null:
    /// every 10 steps there. The CPU backends read every step's loss as it is computed. Non-finite steps are found at readback:
    /// see docs/reliability.md. With <see cref="SkipNonFiniteBatches"/> the device reads back every step.
    /// </summary>
    public int? LossReadbackEvery { get; init; }

    /// <summary>
    /// Skip a batch whose loss or gradients hold NaN or infinity (no update; counted in <see cref="EpochResult.SkippedBatches"/>)
    /// instead of stopping with <see cref="NonFiniteLossException"/>.
    /// </summary>
    public bool SkipNonFiniteBatches { get; init; }

    /// <summary>
    /// Data-parallel training (docs/distributed.md): <see cref="Distributed.DataParallel.Mpi"/> across MPI ranks, or
    /// <see cref="Distributed.DataParallel.Sequential"/> shards in one process. Null: MPI when the process was started by
    /// MPICH's <c>mpiexec</c> (<see cref="Distributed.DataParallel.FromEnvironment"/>), else one process.
    /// </summary>
    public Distributed.DataParallel? DataParallel { get; init; }
}
