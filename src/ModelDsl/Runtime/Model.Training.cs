using System.Diagnostics;
using ModelDsl.Data;
using ModelDsl.Ir;
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
            _optimizer = optimizer;
            _optimizerState = new float[optimizer.StateLength(ParameterCount)];
            _optimizerStep = 0;
        }
    }

    /// <summary>Optimizer state (for checkpoints), laid out slot-major like the parameters.</summary>
    public Span<float> OptimizerState => _optimizerState;

    /// <summary>
    /// One step on the batch already staged in the training program's <see cref="ProgramExecutor.Tokens"/> and
    /// <see cref="ProgramExecutor.Targets"/>: forward, backward, clipping, optimizer update. Returns the mean loss.
    /// </summary>
    public double TrainBatch(int batch, float? clipNorm = null)
    {
        var optimizer = _optimizer ?? throw new InvalidOperationException("Call Compile(optimizer) or Fit first.");
        var program = GetProgram(ProgramKind.Train, batch);
        Array.Clear(_gradients);
        double loss = program.Forward(batch);
        if (!double.IsFinite(loss))
            throw new NonFiniteLossException($"The loss became {loss} at step {_optimizerStep + 1}: training stopped before the update, the weights are those of step {_optimizerStep}.");
        program.Backward(batch);
        if (clipNorm is { } max) GradientClipping.ClipByGlobalNorm(_gradients, max);
        _optimizerStep++;
        optimizer.Step(_parameters, _gradients, _optimizerState, _optimizerStep);
        return loss;
    }

    /// <summary>Trains on windows of token ids, Keras-style: shuffled batches, an optional progress line, per-epoch validation.</summary>
    public TrainingHistory Fit(WindowDataset train, FitOptions? options = null, WindowDataset? validation = null, Action<EpochResult>? onEpochEnd = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        options ??= new FitOptions();
        if (options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "BatchSize must be positive.");
        if (options.Epochs < 0) throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "Epochs must not be negative.");
        if (options.StepsPerEpoch is <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.StepsPerEpoch, "StepsPerEpoch must be positive.");
        CheckWindows(train, nameof(train));
        if (validation != null) CheckWindows(validation, nameof(validation));
        if (train.Count == 0) throw new ArgumentException("The training set has no windows.", nameof(train));
        if (options.Optimizer != null) Compile(options.Optimizer);
        else if (_optimizer is null) Compile(new RmsProp());

        int batchSize = Math.Min(options.BatchSize, train.Count);
        var order = new BatchOrder(train.Count, batchSize, options.Shuffle, ShuffleRandom);
        var program = GetProgram(ProgramKind.Train, batchSize);
        var history = new TrainingHistory();
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            order.NewEpoch();
            int steps = Math.Min(order.BatchCount, options.StepsPerEpoch ?? int.MaxValue);
            var progress = options.Progress is null ? null
                : new ProgressReporter(options.Progress, options.InteractiveProgress ?? !Console.IsOutputRedirected, steps, $"Epoch {epoch}/{options.Epochs}");
            double lossSum = 0;
            long rows = 0;
            for (int s = 0; s < steps; s++)
            {
                var indices = order.Batch(s);
                train.FillBatch(indices, program.Tokens, program.Targets);
                double loss = TrainBatch(indices.Length, options.ClipNorm);
                lossSum += loss * indices.Length;
                rows += indices.Length;
                progress?.Report(s + 1, lossSum / rows);
            }
            double trainLoss = lossSum / rows;
            double? validationLoss = validation is { Count: > 0 } ? Evaluate(validation, batchSize) : null;
            var result = new EpochResult(epoch, trainLoss, validationLoss, clock.Elapsed);
            progress?.Finish(validationLoss is { } v ? $"loss {trainLoss:F4} - val_loss {v:F4} - {clock.Elapsed.TotalSeconds:F1}s" : $"loss {trainLoss:F4} - {clock.Elapsed.TotalSeconds:F1}s");
            history.Add(result);
            onEpochEnd?.Invoke(result);
        }
        return history;
    }

    /// <summary>Mean cross-entropy over every window of <paramref name="data"/> (no dropout, no update).</summary>
    public double Evaluate(WindowDataset data, int batchSize = 128)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be positive.");
        CheckWindows(data, nameof(data));
        if (data.Count == 0) throw new ArgumentException("The data set has no windows.", nameof(data));
        batchSize = Math.Min(batchSize, data.Count);
        var program = GetProgram(ProgramKind.Infer, batchSize);
        var probabilities = new float[batchSize * OutputSize];
        var indices = new int[batchSize];
        double total = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, data.Count - start);
            for (int i = 0; i < n; i++) indices[i] = start + i;
            data.FillBatch(indices.AsSpan(0, n), program.Tokens, program.Targets);
            program.Forward(n);
            program.ReadOutput(probabilities, n);
            var targets = program.Targets;
            for (int i = 0; i < n; i++)
            {
                var row = probabilities.AsSpan(i * OutputSize, OutputSize);
                total += NegativeLogLikelihood(row, targets[i]);
            }
        }
        return total / data.Count;
    }

    private double NegativeLogLikelihood(ReadOnlySpan<float> output, int target)
    {
        var last = Declaration.Layers[^1];
        if (last.Activation == ActivationKind.Softmax) return -Math.Log(Math.Max(output[target], 1e-30f));
        // Logits: log-sum-exp.
        float max = float.NegativeInfinity;
        foreach (var v in output) max = Math.Max(max, v);
        double sum = 0;
        foreach (var v in output) sum += Math.Exp(v - max);
        return Math.Log(sum) + max - output[target];
    }

    private void CheckWindows(WindowDataset data, string name)
    {
        if (data.WindowLength != SequenceLength)
            throw new ArgumentException($"The model reads windows of {SequenceLength} tokens but the data set has windows of {data.WindowLength}.", name);
    }
}
