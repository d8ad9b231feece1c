using System.Diagnostics;
using ModelDsl.Data;
using ModelDsl.Ir;
using ModelDsl.Runtime;
using ModelDsl.Training;

namespace ModelDsl;

public abstract partial class Model
{
    private Optimizer? _optimizer;
    private float[]? _optimizerState;
    private long _optimizerStep;

    /// <summary>Training steps taken so far.</summary>
    public long Step => _optimizerStep;

    /// <summary>The optimizer the last <see cref="Fit"/> or <see cref="TrainBatch"/> used; its state is kept between calls.</summary>
    public Optimizer? Optimizer => _optimizer;

    /// <summary>Sets the optimizer; state is allocated once, laid out like the parameters.</summary>
    public void Compile(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!ReferenceEquals(optimizer, _optimizer))
        {
            HostWrites(); // a device copy of the weights is newer, and its optimizer state is being replaced
            _optimizer = optimizer;
            _optimizerState = new float[optimizer.StateLength(ParameterCount)];
            _optimizerStep = 0;
        }
    }

    /// <summary>Optimizer state (for checkpoints), laid out slot-major like the parameters; synchronised like <see cref="Parameters"/>.</summary>
    public Span<float> OptimizerState
    {
        get
        {
            HostWrites();
            return _optimizerState;
        }
    }

    /// <summary>
    /// One step on a batch given as ids: forward, backward, clipping, optimizer update. Returns the batch's mean loss before
    /// the update (the number <see cref="Evaluate(ReadOnlySpan{int}, ReadOnlySpan{int})"/> gives for the same batch, less
    /// dropout).
    /// </summary>
    /// <param name="inputs">B windows of <see cref="SequenceLength"/> ids, row-major [B, T]; B is inputs.Length / T.</param>
    /// <param name="targets">One target per window, [B]; or, when <see cref="TargetsPerStep"/>, one per position, row-major
    /// [B, T] (the next token at each step; 0 is padding when <see cref="IgnoresPaddingTargets"/>).</param>
    /// <param name="clipNorm">Global-norm clipping of the gradients, as <see cref="FitOptions.ClipNorm"/>.</param>
    /// <exception cref="ArgumentException">The lengths do not make whole windows, or the targets do not match them.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary or a target outside the classes.</exception>
    /// <exception cref="NonFiniteLossException">The loss or a gradient was NaN or infinite; nothing was updated.</exception>
    public double TrainBatch(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, float? clipNorm = null)
    {
        if (_optimizer is null) throw new InvalidOperationException("Call Compile(optimizer) or Fit first.");
        int batch = Stage(GetProgram(ProgramKind.Train, BatchRows(inputs, targets)), inputs, targets);
        return TrainBatch(batch, clipNorm);
    }

    /// <summary>
    /// The mean loss on one batch given as in <see cref="TrainBatch(ReadOnlySpan{int}, ReadOnlySpan{int}, float?)"/>, without
    /// dropout and without an update: the training loss op's own number (all positions of a per-step output, padding left out).
    /// </summary>
    public double Evaluate(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets)
    {
        var program = EvaluationProgram(BatchRows(inputs, targets));
        int batch = Stage(program, inputs, targets);
        return program.Forward(batch);
    }

    /// <summary>Rows of a batch given as ids, after checking that inputs and targets describe the same whole windows.</summary>
    private int BatchRows(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets)
    {
        if (inputs.IsEmpty || inputs.Length % SequenceLength != 0)
            throw new ArgumentException($"The inputs must be whole windows of {SequenceLength} ids, [B, {SequenceLength}] row-major; got {inputs.Length} ids.", nameof(inputs));
        int batch = inputs.Length / SequenceLength;
        int expected = TargetsPerStep ? batch * SequenceLength : batch;
        if (targets.Length != expected)
            throw new ArgumentException(TargetsPerStep
                ? $"{GetType().Name} has an output per position: {batch} windows need {expected} targets, [B, {SequenceLength}] row-major; got {targets.Length}."
                : $"{batch} windows need {expected} targets, one per window; got {targets.Length}.", nameof(targets));
        return batch;
    }

    private static int Stage(ProgramExecutor program, ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets)
    {
        inputs.CopyTo(program.Tokens);
        targets.CopyTo(program.Targets);
        return inputs.Length / program.Program.SequenceLength;
    }

    /// <summary>
    /// One step on the batch already staged in the training program's <see cref="ProgramExecutor.Tokens"/> and
    /// <see cref="ProgramExecutor.Targets"/>: forward, backward, clipping, optimizer update. Returns the mean loss.
    /// Stage with <c>GetProgram(ProgramKind.Train, B)</c> first, laid out as
    /// <see cref="TrainBatch(ReadOnlySpan{int}, ReadOnlySpan{int}, float?)"/> takes them (which does this for you).
    /// </summary>
    /// <exception cref="NonFiniteLossException">The loss or a gradient was NaN or infinite; nothing was updated. The
    /// exception names the step and the first layer holding a non-finite value.</exception>
    public double TrainBatch(int batch, float? clipNorm = null)
    {
        var (loss, fault) = TryTrainBatch(batch, clipNorm);
        return fault is null ? loss : throw fault;
    }

    /// <summary>One step, or the fault that stopped it before the update (then weights, optimizer state and step are unchanged).</summary>
    private (double Loss, NonFiniteLossException? Fault) TryTrainBatch(int batch, float? clipNorm)
    {
        var optimizer = _optimizer ?? throw new InvalidOperationException("Call Compile(optimizer) or Fit first.");
        // The batch must already be staged: growing the program here would silently drop what was staged.
        var program = ExistingProgram(ProgramKind.Train);
        if (program is null || program.BatchCapacity < batch)
            throw new InvalidOperationException($"Stage the batch into GetProgram(ProgramKind.Train, {batch}) before TrainBatch({batch}); the training program holds {program?.BatchCapacity ?? 0} rows.");
        if (DeviceTrainingOf(program) is { } device) return TrainBatchOnDevice(device, batch, clipNorm);
        HostWrites(); // the update below changes the host arrays
        Array.Clear(_gradients);
        double loss = program.Forward(batch);
        if (!double.IsFinite(loss))
            return (loss, new NonFiniteLossException(_optimizerStep + 1, loss, inGradients: false, program.FindNonFinite(batch, backward: false)));
        program.Backward(batch);
        // Keras's TerminateOnNaN only watches the loss; a finite loss can still give ∞ gradients (an overflow in backward).
        if (!NonFiniteSearch.AllFinite(_gradients))
            return (loss, new NonFiniteLossException(_optimizerStep + 1, loss, inGradients: true, program.FindNonFinite(batch, backward: true)));
        if (clipNorm is { } max) GradientClipping.ClipByGlobalNorm(_gradients, max);
        _optimizerStep++;
        optimizer.Step(_parameters, _gradients, _optimizerState, _optimizerStep);
        return (loss, null);
    }

    /// <summary>
    /// Trains on windows of token ids, Keras-style: shuffled batches, an optional progress line, per-epoch validation.
    /// With <see cref="FitOptions.CheckpointPath"/> it writes training checkpoints; with <see cref="FitOptions.ResumeFrom"/>
    /// it continues one, bit-identically on the CPU backend to the run that wrote it.
    /// </summary>
    private TrainingHistory FitThisProcess(ISequenceData train, FitOptions? options, ISequenceData? validation, Action<EpochResult>? onEpochEnd)
    {
        ArgumentNullException.ThrowIfNull(train);
        options ??= new FitOptions();
        if (options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "BatchSize must be positive.");
        if (options.Epochs < 0) throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "Epochs must not be negative.");
        if (options.StepsPerEpoch is <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.StepsPerEpoch, "StepsPerEpoch must be positive.");
        if (options.LossReadbackEvery is <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.LossReadbackEvery, "LossReadbackEvery must be positive.");
        if (options.CheckpointEverySteps is <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.CheckpointEverySteps, "CheckpointEverySteps must be positive.");
        if (options.CheckpointEverySteps is not null && string.IsNullOrEmpty(options.CheckpointPath))
            throw new ArgumentException("CheckpointEverySteps needs a CheckpointPath to write to.", nameof(options));
        if (options.ClipNorm is { } clip && !(clip > 0 && float.IsFinite(clip)))
            throw new ArgumentOutOfRangeException(nameof(options), clip, "ClipNorm must be positive and finite.");
        CheckWindows(train, nameof(train));
        if (validation != null) CheckWindows(validation, nameof(validation));
        if (train.Count == 0) throw new ArgumentException("The training set has no windows.", nameof(train));
        // The kernels do not bounds-check ids: one bad id found mid-run would stop training after some updates.
        CheckIds(train, nameof(train), "training");
        if (validation != null) CheckIds(validation, nameof(validation), "validation");

        int batchSize = Math.Min(options.BatchSize, train.Count);
        int batchCount = (train.Count + batchSize - 1) / batchSize;
        int steps = Math.Min(batchCount, options.StepsPerEpoch ?? int.MaxValue);

        // Read and check everything a resume needs before changing anything.
        TrainingCheckpoint? resume = null;
        if (options.ResumeFrom is { } resumePath)
        {
            var (state, optimizer, file) = ReadTrainingCheckpoint(resumePath, options.Optimizer);
            CheckResumable(resumePath, state, batchSize, train.Count, steps, options.Shuffle, options.Epochs);
            ApplyTrainingCheckpoint(state, optimizer, file);
            ShuffleRandom.SetState(state.ShuffleRngAtFitStart);
            resume = state;
        }
        else if (options.Optimizer != null) Compile(options.Optimizer);
        else if (_optimizer is null) Compile(new RmsProp());

        if (_dataParallel != null) SynchroniseReplicas(_dataParallel);
        var shuffleAtFitStart = ShuffleRandom.GetState();
        var order = new BatchOrder(train.Count, batchSize, options.Shuffle, ShuffleRandom);
        var program = GetProgram(ProgramKind.Train, batchSize);
        // On the device, steps are queued and their losses read back every few steps (at most the epoch's end, a checkpoint).
        var device = _dataParallel is null ? DeviceTrainingOf(program) : null; // data-parallel steps stage gradients through the host
        int readbackEvery = device is null || options.SkipNonFiniteBatches ? 1 : options.LossReadbackEvery ?? DefaultDeviceReadbackEvery;
        if (device != null)
        {
            DrainDeviceSteps(device);
            device.ReserveSteps(readbackEvery);
        }
        var pending = new List<(int Batch, int Rows)>(readbackEvery);
        var history = new TrainingHistory();
        if (resume != null)
            foreach (var done in resume.History) history.Add(done);
        int startEpoch = resume?.Epoch ?? 1;

        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            // Epochs before the resumed one only replay their shuffle, which rebuilds the batch order.
            order.NewEpoch();
            if (epoch < startEpoch) continue;
            bool resumed = resume != null && epoch == startEpoch;
            var clock = Stopwatch.StartNew();
            using var progress = _dataParallel is { IsRoot: false } ? null : options.BeginEpochProgress(epoch, steps);
            double lossSum = resumed ? resume!.EpochLossSum : 0;
            long rows = resumed ? resume!.EpochRows : 0;
            int skipped = resumed ? resume!.EpochSkipped : 0;
            for (int s = resumed ? resume!.Batch : 0; s < steps; s++)
            {
                var indices = order.Batch(s);
                if (_dataParallel is not null) { } // each rank reads only its own shards, in the step
                else if (program.Program.TargetsPerStep) train.FillBatchPerStep(indices, program.Tokens, program.Targets);
                else train.FillBatch(indices, program.Tokens, program.Targets);
                // Data-parallel ranks stage only their shards, so their step reports the batch's weight itself.
                int weight = _dataParallel is null ? LossWeight(program, indices.Length) : 0;
                long done = (long)(epoch - 1) * steps + s + 1;
                bool checkpoint = options.CheckpointEverySteps is { } every && done % every == 0;
                if (_dataParallel != null)
                {
                    var step = TryTrainDataParallel(_dataParallel, program, train, indices, options.ClipNorm, out int globalWeight);
                    Account(s, globalWeight, step);
                }
                else if (device is null)
                    Account(s, weight, TryTrainBatch(indices.Length, options.ClipNorm));
                else
                {
                    EnqueueDeviceStep(device, indices.Length, options.ClipNorm, haltOnFault: !options.SkipNonFiniteBatches);
                    pending.Add((s, weight));
                    if (pending.Count == readbackEvery || s == steps - 1 || checkpoint)
                    {
                        var outcomes = ReadDeviceSteps(device, indices.Length);
                        for (int i = 0; i < outcomes.Length; i++) Account(pending[i].Batch, pending[i].Rows, outcomes[i]);
                        pending.Clear();
                    }
                }
                if (checkpoint && _dataParallel is not { IsRoot: false })
                    SaveTrainingCheckpoint(options.CheckpointPath!, TrainingState(epoch, s + 1, lossSum, rows, skipped));
            }

            // One step's outcome, in step order: throw or count a fault, add a loss weighted by what it scored, move the progress line.
            void Account(int batch, int batchRows, (double Loss, NonFiniteLossException? Fault) step)
            {
                if (step.Fault != null)
                {
                    if (!options.SkipNonFiniteBatches)
                        throw step.Fault;
                    skipped++;
                }
                else
                {
                    lossSum += step.Loss * batchRows;
                    rows += batchRows;
                }
                progress?.Report(batch + 1, rows > 0 ? lossSum / rows : double.NaN);
            }
            double trainLoss = rows > 0 ? lossSum / rows : double.NaN;
            double? validationLoss = validation is { Count: > 0 } ? ValidationLoss(validation, batchSize) : null;
            var result = new EpochResult(epoch, trainLoss, validationLoss, clock.Elapsed) { SkippedBatches = skipped };
            string skippedText = skipped > 0 ? $" - {skipped} non-finite batches skipped" : "";
            progress?.Finish((validationLoss is { } v ? $"loss {trainLoss:F4} - val_loss {v:F4}" : $"loss {trainLoss:F4}") + $"{skippedText} - {clock.Elapsed.TotalSeconds:F1}s");
            history.Add(result);
            if (_dataParallel is not { IsRoot: false }) onEpochEnd?.Invoke(result);
            if (options.CheckpointPath is { } path && options.CheckpointEverySteps is null && _dataParallel is not { IsRoot: false })
                SaveTrainingCheckpoint(path, TrainingState(epoch + 1, 0, 0, 0, 0));
        }
        return history;

        TrainingCheckpoint TrainingState(int epoch, int batch, double lossSum, long rows, int skipped) => new()
        {
            OptimizerConfig = _optimizer!.ConfigJson(),
            OptimizerStep = _optimizerStep,
            Epoch = epoch,
            Batch = batch,
            BatchSize = batchSize,
            TrainWindows = train.Count,
            StepsPerEpoch = steps,
            Shuffled = options.Shuffle,
            ShuffleRngAtFitStart = shuffleAtFitStart,
            ShuffleRng = ShuffleRandom.GetState(),
            DropoutRng = DropoutRandom.GetState(),
            SamplingRng = SamplingRandom.GetState(),
            EpochLossSum = lossSum,
            EpochRows = rows,
            EpochSkipped = skipped,
            History = history.Epochs.ToArray(),
        };
    }

    /// <summary>
    /// The training loss's weight in an epoch's mean: its rows, or, when padding targets are ignored, the positions it scored
    /// (so the epoch's loss is the mean over every scored position, as <see cref="Evaluate(ISequenceData, int)"/> gives).
    /// </summary>
    private static int LossWeight(ProgramExecutor program, int rows) =>
        program.LossOp is { IgnorePadding: true } ? program.CountScoredTargets(rows) : rows;

    /// <summary>
    /// The training loss over every example of <paramref name="data"/>, without dropout or an update: mean cross-entropy at
    /// the last position, or, for a per-step output (<see cref="TargetsPerStep"/>), over all positions with padding targets
    /// left out (<see cref="IgnoresPaddingTargets"/>). Computed by the training loss op, so it is the number
    /// <see cref="TrainBatch(int, float?)"/> reports for the same batch, and Fit's <c>loss</c> and <c>val_loss</c> agree in
    /// meaning. NaN when every target is padding.
    /// </summary>
    public double Evaluate(ISequenceData data, int batchSize = 128) => Score(data, batchSize, accuracy: false).Loss;

    /// <summary>
    /// <see cref="Evaluate(ISequenceData, int)"/>'s loss and the accuracy over the same positions: arg-max (or p ≥ 0.5 for a
    /// sigmoid output) equal to the target.
    /// </summary>
    public (double Loss, double Accuracy) Measure(ISequenceData data, int batchSize = 128) => Score(data, batchSize, accuracy: true);

    private (double Loss, double Accuracy) Score(ISequenceData data, int batchSize, bool accuracy)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be positive.");
        CheckWindows(data, nameof(data));
        if (data.Count == 0) throw new ArgumentException("The data set has no windows.", nameof(data));
        CheckIds(data, nameof(data), "evaluation");
        batchSize = Math.Min(batchSize, data.Count);
        var program = EvaluationProgram(batchSize);
        var loss = program.LossOp!;
        var logits = accuracy ? new float[batchSize * (int)loss.Logits.Cols.Evaluate(batchSize, Vocabulary)] : null;
        var indices = new int[batchSize];
        double total = 0;
        long scored = 0, correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < n; i++) indices[i] = start + i;
            if (program.Program.TargetsPerStep) data.FillBatchPerStep(indices.AsSpan(0, n), program.Tokens, program.Targets);
            else data.FillBatch(indices.AsSpan(0, n), program.Tokens, program.Targets);
            int count = program.CountScoredTargets(n);
            total += program.Forward(n) * count;
            scored += count;
            if (logits is null) continue;
            int width = logits.Length / batchSize;
            for (int t = 0; t < loss.Steps; t++)
            {
                program.ReadRows(loss.Logits, t, n, logits);
                for (int r = 0; r < n; r++)
                {
                    int target = program.TargetAt(t, r, n);
                    if (loss.IgnorePadding && target == 0) continue;
                    var row = logits.AsSpan(r * width, width);
                    // Logits: σ(z) ≥ 0.5 exactly when z ≥ 0.
                    int predicted = loss.Binary ? (row[0] >= 0f ? 1 : 0) : Sampling.TemperatureSampler.ArgMax(row);
                    if (predicted == target) correct++;
                }
            }
        }
        return scored == 0 ? (double.NaN, double.NaN) : (total / scored, (double)correct / scored);
    }

    /// <summary>Every input id within the vocabulary and every target within the output, before anything is trained.</summary>
    private void CheckIds(ISequenceData data, string name, string set)
    {
        uint vocabulary = (uint)Vocabulary, outputs = (uint)TargetClasses;
        for (int w = 0; w < data.Count; w++)
        {
            var window = data.Sequence(w);
            for (int t = 0; t < window.Length; t++)
                if ((uint)window[t] >= vocabulary)
                    throw new ArgumentException($"Window {w} of the {set} set holds token id {window[t]} at step {t}, outside the vocabulary 0..{Vocabulary - 1}.", name);
            if ((uint)data.Target(w) >= outputs)
                throw new ArgumentException($"Window {w} of the {set} set has target id {data.Target(w)}, outside the model's classes 0..{TargetClasses - 1}.", name);
        }
    }

    private void CheckWindows(ISequenceData data, string name)
    {
        if (data.SequenceLength != SequenceLength)
            throw new ArgumentException($"The model reads windows of {SequenceLength} tokens but the data set has sequences of {data.SequenceLength}.", name);
    }
}
