using ModelDsl.Checkpoints;
using ModelDsl.Data;
using ModelDsl.Numerics;
using ModelDsl.Runtime;
using ModelDsl.Training;

namespace ModelDsl;

public abstract partial class Model
{
    /// <summary>
    /// A training checkpoint is <see cref="Save"/>'s file plus one tensor per optimizer state slot
    /// ("optimizer.rmsprop.slot0", [parameters], laid out like the flat weights) and the <see cref="TrainingCheckpoint"/>
    /// JSON. Written atomically like every checkpoint; <see cref="Load"/> reads its weights and ignores the rest.
    /// </summary>
    internal void SaveTrainingCheckpoint(string path, TrainingCheckpoint state)
    {
        var optimizer = _optimizer!;
        SyncToHost();
        var tensors = WeightTensors();
        int n = ParameterCount;
        for (int slot = 0; slot < optimizer.StateSlots; slot++)
            tensors.Add(new TensorData(OptimizerSlotName(optimizer, slot), [n], _optimizerState.AsSpan(slot * n, n).ToArray()));
        var metadata = new Dictionary<string, string>
        {
            [ConfigMetadataKey] = ConfigJson(),
            [TrainingCheckpoint.MetadataKey] = state.ToJson(),
        };
        SafeTensors.Write(path, tensors, metadata);
    }

    private static string OptimizerSlotName(Optimizer optimizer, int slot) => $"{OptimizerTensorPrefix}{optimizer.Name}.slot{slot}";

    /// <summary>
    /// Reads a checkpoint written by <see cref="Fit"/> and checks all of it against this model and <paramref name="requested"/>
    /// (the caller's optimizer, or null for the saved one), changing nothing: the training state field by field and as a
    /// whole, the weights' names, shapes and finiteness, the optimizer's configuration and its state tensors. Only
    /// <see cref="CheckResumable"/> (which needs the run's options) is left before <see cref="ApplyTrainingCheckpoint"/>.
    /// </summary>
    internal (TrainingCheckpoint State, Optimizer Optimizer, SafeTensorsFile File) ReadTrainingCheckpoint(string path, Optimizer? requested)
    {
        var file = SafeTensors.Read(path);
        if (!file.Metadata.TryGetValue(TrainingCheckpoint.MetadataKey, out var json))
            throw new CheckpointFormatException(
                $"'{path}' holds weights but no training state ('{TrainingCheckpoint.MetadataKey}'): it was written by Save, not by Fit " +
                "with FitOptions.CheckpointPath. Load it with Load to start a new run from its weights.");
        TrainingCheckpoint state;
        Optimizer saved;
        try
        {
            state = TrainingCheckpoint.FromJson(json, TargetsPerStep ? SequenceLength : 1, IgnoresPaddingTargets);
            saved = Optimizer.FromConfigJson(state.OptimizerConfig);
        }
        catch (FormatException e)
        {
            // The optimizer's message quotes its whole configuration, which a corrupt file can make any length.
            throw new CheckpointFormatException($"'{path}' has an invalid '{TrainingCheckpoint.MetadataKey}': {Excerpt.Of(e.Message.ReplaceLineEndings(" ").TrimEnd('.'), 240)}.", e);
        }
        CheckWeights(file, path);
        var optimizer = requested ?? saved;
        if (optimizer.Name != saved.Name || optimizer.StateSlots != saved.StateSlots)
            throw new CheckpointMismatchException(
                $"'{path}' was trained with {saved}, whose state does not fit FitOptions.Optimizer {optimizer}; resume with the same kind of " +
                "optimizer, or leave FitOptions.Optimizer null to continue with the saved one.");
        for (int slot = 0; slot < saved.StateSlots; slot++)
        {
            string name = OptimizerSlotName(saved, slot);
            if (!file.TryGetTensor(name, out var tensor))
                throw new CheckpointFormatException($"'{path}' has no optimizer state tensor '{name}'.");
            if (tensor.Shape is not [var length] || length != ParameterCount)
                throw new CheckpointMismatchException(
                    $"Optimizer state '{name}' in '{path}' has shape [{string.Join(", ", tensor.Shape)}] but {GetType().Name} needs [{ParameterCount}].");
        }
        // Fit stops before an update that would make a weight or a state value non-finite, so no checkpoint it wrote holds one.
        CheckFinite(file, path, ParameterTensors.Select(t => t.Name).Concat(Enumerable.Range(0, saved.StateSlots).Select(k => OptimizerSlotName(saved, k))),
            "A training checkpoint never holds one; resume from an earlier checkpoint.");
        for (int slot = 0; slot < saved.StateSlots; slot++)
        {
            if (!saved.SlotIsNonNegative(slot)) continue;
            string name = OptimizerSlotName(saved, slot);
            var data = file[name].Data;
            int index = data.IndexOfAnyExceptInRange(0f, float.PositiveInfinity);
            if (index >= 0)
                throw new CheckpointFormatException(
                    $"Optimizer state '{name}' in '{path}' holds {data[index].ToString(System.Globalization.CultureInfo.InvariantCulture)} at flat index {index}, " +
                    $"but {saved.Name} keeps a running mean of squares there, never below 0: the file is corrupt. Resume from an earlier checkpoint.");
        }
        return (state, optimizer, file);
    }

    /// <summary>Puts a checked checkpoint's weights, optimizer state and step, dropout and sampling streams into this model.</summary>
    internal void ApplyTrainingCheckpoint(TrainingCheckpoint state, Optimizer optimizer, SafeTensorsFile file)
    {
        HostWrites();
        CopyWeights(file);
        _optimizer = optimizer;
        _optimizerState = new float[optimizer.StateLength(ParameterCount)];
        for (int slot = 0; slot < optimizer.StateSlots; slot++)
            file[OptimizerSlotName(optimizer, slot)].Data.CopyTo(_optimizerState.AsSpan(slot * ParameterCount));
        _optimizerStep = state.OptimizerStep;
        DropoutRandom.SetState(state.DropoutRng);
        SamplingRandom.SetState(state.SamplingRng);
    }

    /// <summary>
    /// Checks that the run being resumed is the run that was saved (same batching of the same number of windows), and
    /// that replaying its shuffles from the saved stream lands on the saved stream: then the batch order is rebuilt exactly.
    /// </summary>
    private static void CheckResumable(string path, TrainingCheckpoint state, int batchSize, int windows, int steps, bool shuffle, int epochs)
    {
        void Require(bool same, string what, object saved, object now)
        {
            if (!same)
                throw new CheckpointMismatchException(
                    $"'{path}' was saved by a run with {what} = {saved}, but this run has {now}; resume with the same training set, BatchSize, " +
                    "StepsPerEpoch and Shuffle, or the data position would not mean the same batches.");
        }
        Require(state.TrainWindows == windows, "training windows", state.TrainWindows, windows);
        Require(state.BatchSize == batchSize, "batch size", state.BatchSize, batchSize);
        Require(state.StepsPerEpoch == steps, "steps per epoch", state.StepsPerEpoch, steps);
        Require(state.Shuffled == shuffle, "Shuffle", state.Shuffled, shuffle);
        // Keras's fit with initial_epoch >= epochs trains nothing and says nothing; a resumed run that is already done says so.
        int finished = state.History.Count;
        if (finished >= epochs)
            throw new CheckpointMismatchException(
                $"'{path}' has already finished {finished} {(finished == 1 ? "epoch" : "epochs")} and FitOptions.Epochs is {epochs}: there is nothing " +
                "left to train. Epochs counts from the start of the run, not of this call: raise it to train more.");

        var probe = new Rng(0);
        probe.SetState(state.ShuffleRngAtFitStart);
        var order = new BatchOrder(windows, batchSize, shuffle, probe);
        // A checkpoint at batch 0 was written at the end of the previous epoch, before this epoch's shuffle. The epoch is one
        // past the history the file holds (TrainingCheckpoint.Check), so this replays one shuffle per entry in the file at most.
        int shuffles = state.Batch == 0 ? state.Epoch - 1 : state.Epoch;
        for (int e = 0; e < shuffles; e++) order.NewEpoch();
        if (!probe.GetState().AsSpan().SequenceEqual(state.ShuffleRng))
            throw new CheckpointMismatchException($"'{path}': replaying the shuffles of epochs 1..{state.Epoch} does not reproduce the saved shuffle stream; the batch order cannot be rebuilt.");
    }
}
