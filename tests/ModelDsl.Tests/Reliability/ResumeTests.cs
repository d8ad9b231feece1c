using ModelDsl.Checkpoints;
using ModelDsl.Data;
using ModelDsl.Tests.Models;
using ModelDsl.Tests.Runtime;
using ModelDsl.Training;

namespace ModelDsl.Tests.Reliability;

/// <summary>
/// Resume: Fit saves training checkpoints every N steps and continues one (weights, optimizer state, RNG states, data
/// position) bit-identically to an uninterrupted run with the same seed on the CPU backend.
/// </summary>
public sealed class ResumeTests
{
    private static WindowDataset Data(int outputs, int windowLength, int tokens, ulong seed)
    {
        var rng = new Numerics.Rng(seed);
        var ids = new int[tokens];
        for (int i = 0; i < ids.Length; i++) ids[i] = rng.NextInt(outputs);
        return new WindowDataset(ids, windowLength, 1);
    }

    [Fact]
    public void A_run_resumed_mid_epoch_from_a_fresh_model_ends_bit_identical_to_the_uninterrupted_run()
    {
        // TinyStack has two dropout layers, so the dropout stream must be restored too. 56 windows in batches of 8 are
        // 7 batches, cut to 5 steps per epoch; step 7 of 10 is batch 2 of epoch 2.
        using var dir = new TemporaryDirectory();
        string checkpoint = dir.File("run.safetensors");
        var data = Data(9, 4, 60, seed: 21);
        var options = new FitOptions { Epochs = 2, BatchSize = 8, StepsPerEpoch = 5 };

        using var uninterrupted = new TinyStack(new ModelOptions { Seed = 7 });
        var expected = uninterrupted.Fit(data, options);

        using var saving = new TinyStack(new ModelOptions { Seed = 7 });
        saving.Fit(data, options with { CheckpointPath = checkpoint, CheckpointEverySteps = 7 });
        // Writing checkpoints does not disturb the run.
        Assert.Equal(uninterrupted.Parameters.ToArray(), saving.Parameters.ToArray());

        // The process that wrote step 7's checkpoint is gone: a new model (another seed, so nothing comes from it) resumes.
        using var resumed = new TinyStack(new ModelOptions { Seed = 999 });
        var history = resumed.Fit(data, options with { ResumeFrom = checkpoint });

        Assert.Equal(uninterrupted.Parameters.ToArray(), resumed.Parameters.ToArray());
        Assert.Equal(uninterrupted.OptimizerState.ToArray(), resumed.OptimizerState.ToArray());
        Assert.Equal(10, resumed.Step);
        Assert.Equal(expected.Epochs.Select(e => e.TrainingLoss), history.Epochs.Select(e => e.TrainingLoss));
    }

    [Fact]
    public void A_per_position_model_that_ignores_padding_targets_resumes_mid_epoch_bit_identically()
    {
        // TinySeedDecoder scores every position whose target is not 0, so a checkpoint's epoch_rows counts scored positions
        // (up to batch size × 4 per batch), not windows: the checkpoint's own check must accept that.
        using var dir = new TemporaryDirectory();
        string checkpoint = dir.File("positions.safetensors");
        var data = Data(11, 4, 60, seed: 23);
        var options = new FitOptions { Epochs = 2, BatchSize = 8, StepsPerEpoch = 5 };

        using var uninterrupted = new TinySeedDecoder(new ModelOptions { Seed = 7 });
        var expected = uninterrupted.Fit(data, options);

        using var saving = new TinySeedDecoder(new ModelOptions { Seed = 7 });
        saving.Fit(data, options with { CheckpointPath = checkpoint, CheckpointEverySteps = 7 });

        using var resumed = new TinySeedDecoder(new ModelOptions { Seed = 999 });
        var history = resumed.Fit(data, options with { ResumeFrom = checkpoint });

        Assert.Equal(uninterrupted.Parameters.ToArray(), resumed.Parameters.ToArray());
        Assert.Equal(expected.Epochs.Select(e => e.TrainingLoss), history.Epochs.Select(e => e.TrainingLoss));
    }

    [Fact]
    public void A_run_resumed_at_an_epoch_end_with_more_epochs_matches_and_samples_the_same()
    {
        // Adam (two state slots), validation, end-of-epoch checkpoints; the first run stops after 2 of 3 epochs.
        using var dir = new TemporaryDirectory();
        string checkpoint = dir.File("epochs.safetensors");
        var (train, validation) = Data(5, 5, 120, seed: 22).SplitByPosition(0.25);
        var options = new FitOptions { Epochs = 3, BatchSize = 16, Optimizer = new Adam(0.01f) };
        var callbacks = new List<int>();

        using var uninterrupted = new TinyCharLstm(vocabulary: 5, new ModelOptions { Seed = 8 });
        var expected = uninterrupted.Fit(train, options, validation);

        using (var first = new TinyCharLstm(vocabulary: 5, new ModelOptions { Seed = 8 }))
            first.Fit(train, options with { Epochs = 2, CheckpointPath = checkpoint }, validation);

        using var resumed = new TinyCharLstm(vocabulary: 5, new ModelOptions { Seed = 1 });
        var history = resumed.Fit(train, options with { Optimizer = null, ResumeFrom = checkpoint }, validation, e => callbacks.Add(e.Epoch));

        Assert.Equal(uninterrupted.Parameters.ToArray(), resumed.Parameters.ToArray());
        Assert.Equal(new[] { 3 }, callbacks);
        Assert.Equal("adam", resumed.Optimizer!.Name);
        Assert.Equal(0.01f, resumed.Optimizer.LearningRate);
        Assert.Equal(expected.Epochs.Select(e => (e.Epoch, e.TrainingLoss, e.ValidationLoss)), history.Epochs.Select(e => (e.Epoch, e.TrainingLoss, e.ValidationLoss)));
        // The sampling stream was restored too.
        Assert.Equal(uninterrupted.Generate([1, 2], 20, 1.0f), resumed.Generate([1, 2], 20, 1.0f));
    }

    [Fact]
    public void A_checkpoint_that_does_not_fit_the_run_is_refused_and_nothing_changes()
    {
        using var dir = new TemporaryDirectory();
        string checkpoint = dir.File("run.safetensors");
        string weightsOnly = dir.File("weights.safetensors");
        var data = Data(9, 4, 60, seed: 23);
        var options = new FitOptions { Epochs = 1, BatchSize = 8, CheckpointPath = checkpoint };
        using (var saving = new TinyStack(new ModelOptions { Seed = 3 }))
        {
            saving.Fit(data, options);
            saving.Save(weightsOnly);
        }

        using var model = new TinyStack(new ModelOptions { Seed = 4 });
        var before = model.Parameters.ToArray();
        void Unchanged()
        {
            Assert.Equal(before, model.Parameters.ToArray());
            Assert.Equal(0, model.Step);
            Assert.Null(model.Optimizer);
        }

        var batch = Assert.Throws<CheckpointMismatchException>(() => model.Fit(data, options with { BatchSize = 4, ResumeFrom = checkpoint }));
        Assert.Contains("batch size = 8, but this run has 4", batch.Message);
        Unchanged();
        var windows = Assert.Throws<CheckpointMismatchException>(() => model.Fit(Data(9, 4, 50, seed: 23), options with { ResumeFrom = checkpoint }));
        Assert.Contains("training windows = 56, but this run has 46", windows.Message);
        Unchanged();
        var optimizer = Assert.Throws<CheckpointMismatchException>(() => model.Fit(data, options with { Optimizer = new Sgd(), ResumeFrom = checkpoint }));
        Assert.Contains("rmsprop", optimizer.Message);
        Unchanged();
        var notTraining = Assert.Throws<CheckpointFormatException>(() => model.Fit(data, options with { ResumeFrom = weightsOnly }));
        Assert.Contains("no training state", notTraining.Message);
        Unchanged();
        using var other = new TinyCharLstm(vocabulary: 9);
        Assert.Throws<CheckpointMismatchException>(() => other.Fit(Data(9, 5, 60, seed: 23), new FitOptions { ResumeFrom = checkpoint }));
        Assert.Throws<FileNotFoundException>(() => model.Fit(data, options with { ResumeFrom = dir.File("missing.safetensors") }));
        Unchanged();

        // A training checkpoint still loads as plain weights (its optimizer tensors are ignored).
        model.Load(checkpoint);
        Assert.Equal(SafeTensors.Read(weightsOnly)["dense.kernel"].Data, model.Parameter("dense.kernel").ToArray());
    }

    [Fact]
    public void Resuming_a_checkpoint_that_has_already_finished_Epochs_says_so_and_changes_nothing()
    {
        using var dir = new TemporaryDirectory();
        string checkpoint = dir.File("done.safetensors");
        var data = Data(9, 4, 60, seed: 25);
        var options = new FitOptions { Epochs = 2, BatchSize = 8, StepsPerEpoch = 2 };
        using (var first = new TinyStack(new ModelOptions { Seed = 3 }))
            first.Fit(data, options with { CheckpointPath = checkpoint });

        using var model = new TinyStack(new ModelOptions { Seed = 4 });
        var before = model.Parameters.ToArray();
        foreach (int epochs in new[] { 2, 1, 0 })
        {
            var e = Assert.Throws<CheckpointMismatchException>(() => model.Fit(data, options with { Epochs = epochs, ResumeFrom = checkpoint }));
            Assert.Contains("2 epochs", e.Message);
            Assert.Contains($"FitOptions.Epochs is {epochs}", e.Message);
            Assert.Equal(before, model.Parameters.ToArray());
            Assert.Equal(0, model.Step);
            Assert.Null(model.Optimizer);
        }

        // One more epoch trains exactly that epoch.
        var history = model.Fit(data, options with { Epochs = 3, ResumeFrom = checkpoint });
        Assert.Equal(new[] { 1, 2, 3 }, history.Epochs.Select(e => e.Epoch));
        Assert.Equal(6, model.Step);
    }

    [Fact]
    public void Checkpoint_options_are_checked_before_training()
    {
        using var model = new TinyStack();
        var data = Data(9, 4, 30, seed: 24);
        Assert.Throws<ArgumentException>(() => model.Fit(data, new FitOptions { CheckpointEverySteps = 5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(data, new FitOptions { CheckpointPath = "x", CheckpointEverySteps = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(data, new FitOptions { ClipNorm = float.NaN }));
        Assert.Equal(0, model.Step);
    }
}
