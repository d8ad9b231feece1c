using ModelDsl.Data;
using ModelDsl.Ir;
using ModelDsl.Tests.Models;
using ModelDsl.Tests.Runtime;
using ModelDsl.Training;

namespace ModelDsl.Tests.Gpu;

/// <summary>
/// Device-resident training on the emulator (steps, clipping and optimizer updates as kernels, state on the device) against the
/// host update of the CPU backend, and the synchronisation of the host arrays with the device copy.
/// </summary>
[Collection(GpuEmulatorCollection.Name)]
public class DeviceTrainingTests
{
    private static WindowDataset Data(int vocabulary, ulong seed)
    {
        var rng = new Numerics.Rng(seed);
        var ids = new int[40];
        for (int i = 0; i < ids.Length; i++) ids[i] = rng.NextInt(vocabulary);
        return new WindowDataset(ids, 5, 1);
    }

    private static TinyCharLstm Create(Backend backend, ulong seed = 7) => new(vocabulary: 7, new ModelOptions { Backend = backend, Seed = seed });

    private static Optimizer OptimizerNamed(string name) => name switch
    {
        "rmsprop" => new RmsProp(0.01f),
        "adam" => new Adam(0.01f),
        "sgd" => new Sgd(0.5f),
        "momentum" => new Sgd(0.5f, momentum: 0.9f),
        "nesterov" => new Sgd(0.5f, momentum: 0.9f, nesterov: true),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what, double tolerance = 2e-4)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i]))))
                Assert.Fail($"{what}[{i}]: {actual[i]} on the device vs {expected[i]} on the CPU");
    }

    [Theory]
    [InlineData("rmsprop", 0f)]
    [InlineData("adam", 0f)]
    [InlineData("sgd", 0f)]
    [InlineData("momentum", 0f)]
    [InlineData("nesterov", 0f)]
    [InlineData("rmsprop", 0.05f)]
    [InlineData("adam", 0.05f)]
    [InlineData("sgd", 0.05f)]
    public void Steps_on_the_device_match_the_cpu_update(string optimizer, float clipNorm)
    {
        // 4 steps read back every 3: one full window and one cut short by the epoch's end. A clip norm of 0.05 clips every step.
        var data = Data(7, seed: 3);
        var options = new FitOptions { Epochs = 1, BatchSize = 4, StepsPerEpoch = 4, ClipNorm = clipNorm > 0 ? clipNorm : null, LossReadbackEvery = 3 };
        using var cpu = Create(Backend.Cpu);
        using var gpu = Create(Backend.GpuEmulator);
        var expected = cpu.Fit(data, options with { Optimizer = OptimizerNamed(optimizer) });
        var actual = gpu.Fit(data, options with { Optimizer = OptimizerNamed(optimizer) });

        Assert.Equal(4, gpu.Step);
        AssertClose(cpu.Parameters, gpu.Parameters, "weights");
        AssertClose(cpu.OptimizerState, gpu.OptimizerState, "optimizer state");
        AssertClose(cpu.Gradients, gpu.Gradients, "last gradients (clipped)");
        Assert.Equal(expected.Epochs[0].TrainingLoss, actual.Epochs[0].TrainingLoss, 4);
    }

    [Fact]
    public void Queued_id_and_dropout_mask_uploads_give_the_cpu_steps_with_more_steps_queued_than_staging_slots()
    {
        // Readback every 40 steps, 20 steps: the device program queues them through its page-locked slots (GpuProgram.Uploads.cs),
        // at most MaxUploadSlots of them, so step 17 reuses slot 0 after a synchronisation it must add itself. Two dropout
        // layers draw masks into the slots too.
        var rng = new Numerics.Rng(11);
        var ids = new int[100];
        for (int i = 0; i < ids.Length; i++) ids[i] = rng.NextInt(9);
        var data = new WindowDataset(ids, 4, 1);
        var options = new FitOptions { Epochs = 1, BatchSize = 3, StepsPerEpoch = 20, LossReadbackEvery = 40, Optimizer = new RmsProp(0.01f), Progress = TextWriter.Null };
        using var cpu = new TinyStack(new ModelOptions { Backend = Backend.Cpu, Seed = 5 });
        using var gpu = new TinyStack(new ModelOptions { Backend = Backend.GpuEmulator, Seed = 5 });
        var expected = cpu.Fit(data, options);
        var actual = gpu.Fit(data, options with { Optimizer = new RmsProp(0.01f) });

        AssertClose(cpu.Parameters, gpu.Parameters, "weights");
        Assert.Equal(expected.Epochs[0].TrainingLoss, actual.Epochs[0].TrainingLoss, 4);
        var program = (ModelDsl.Gpu.GpuProgram)gpu.GetProgram(ProgramKind.Train, 3);
        Assert.Equal(ModelDsl.Gpu.GpuProgram.MaxUploadSlots, program.UploadSlots);
        Assert.Equal(1, program.UploadWaits);
    }

    [Fact]
    public void Weights_saved_after_device_training_are_the_trained_ones_and_predict_the_same_on_the_cpu()
    {
        using var dir = new TemporaryDirectory();
        string path = dir.File("gpu.safetensors");
        using var cpu = Create(Backend.Cpu);
        using var gpu = Create(Backend.GpuEmulator);
        var options = new FitOptions { Epochs = 2, BatchSize = 4, StepsPerEpoch = 3, Optimizer = new Adam(0.01f), LossReadbackEvery = 2 };
        cpu.Fit(Data(7, seed: 5), options);
        gpu.Fit(Data(7, seed: 5), options with { Optimizer = new Adam(0.01f) });
        gpu.Save(path);

        using var reloaded = Create(Backend.Cpu, seed: 99);
        reloaded.Load(path);
        Assert.Equal(gpu.Parameters.ToArray(), reloaded.Parameters.ToArray());
        AssertClose(cpu.Parameters, reloaded.Parameters, "weights saved from the device");

        // Predict runs the device's Infer program, which must see the trained weights, not the initial ones.
        int[] window = [1, 4, 2, 6, 0];
        var onDevice = new float[gpu.OutputSize];
        var onCpu = new float[gpu.OutputSize];
        gpu.Predict(window, onDevice);
        reloaded.Predict(window, onCpu);
        AssertClose(onCpu, onDevice, "predictions", 1e-5);
    }

    [Fact]
    public void Weights_loaded_or_written_on_the_host_are_what_the_device_trains_from()
    {
        using var dir = new TemporaryDirectory();
        string path = dir.File("start.safetensors");
        using (var other = Create(Backend.Cpu, seed: 42)) other.Save(path);
        var data = Data(7, seed: 6);
        // No shuffle and a fresh plain SGD per Fit, so only the weights carry over from the first Fit.
        var options = new FitOptions { Epochs = 1, BatchSize = 4, StepsPerEpoch = 3, Shuffle = false, LossReadbackEvery = 2 };

        using var gpu = Create(Backend.GpuEmulator);
        gpu.Fit(data, options with { Optimizer = new Sgd(0.5f) }); // the device copy is now the newer one
        gpu.Load(path);
        gpu.Parameter("dense.bias")[0] = 0.25f;
        gpu.Fit(data, options with { Optimizer = new Sgd(0.5f) });

        using var cpu = Create(Backend.Cpu);
        cpu.Load(path);
        cpu.Parameter("dense.bias")[0] = 0.25f;
        cpu.Fit(data, options with { Optimizer = new Sgd(0.5f) });
        AssertClose(cpu.Parameters, gpu.Parameters, "weights after load, write and training");
    }

    [Fact]
    public void A_resumed_device_run_continues_from_the_checkpoint_of_a_device_run()
    {
        using var dir = new TemporaryDirectory();
        string checkpoint = dir.File("run.safetensors");
        var data = Data(7, seed: 8);
        var options = new FitOptions { Epochs = 2, BatchSize = 4, StepsPerEpoch = 3, Optimizer = null, LossReadbackEvery = 2 };

        using var whole = Create(Backend.GpuEmulator);
        whole.Compile(new RmsProp(0.01f));
        whole.Fit(data, options);
        using var saving = Create(Backend.GpuEmulator);
        saving.Compile(new RmsProp(0.01f));
        saving.Fit(data, options with { Epochs = 1, CheckpointPath = checkpoint, CheckpointEverySteps = 2 });
        using var resumed = Create(Backend.GpuEmulator, seed: 99);
        resumed.Fit(data, options with { ResumeFrom = checkpoint });

        Assert.Equal(6, resumed.Step);
        AssertClose(whole.Parameters, resumed.Parameters, "weights");
        AssertClose(whole.OptimizerState, resumed.OptimizerState, "optimizer state");
    }

    private sealed class StepRecorder(Model model, List<(int Batch, long ModelStep)> reports) : IProgressSink
    {
        public void Report(int step, double loss) => reports.Add((step, model.Step));
        public void Finish(string summary) { }
        public void Dispose() { }
    }

    [Fact]
    public void Losses_come_back_every_n_steps_and_at_the_epoch_end()
    {
        using var gpu = Create(Backend.GpuEmulator);
        var reports = new List<(int Batch, long ModelStep)>();
        gpu.Fit(Data(7, seed: 9), new FitOptions
        {
            Epochs = 1, BatchSize = 4, StepsPerEpoch = 5, LossReadbackEvery = 2,
            ProgressFactory = _ => new StepRecorder(gpu, reports),
        });
        // Each batch is reported in order, but only once its readback came: after steps 2, 4 and the last, 5.
        Assert.Equal([(1, 2L), (2, 2L), (3, 4L), (4, 4L), (5, 5L)], reports);
    }

    // (It used to hang on the emulator: ILGPU's CPU float atomic spins once its target is NaN; GpuKernels.AtomicAdd avoids it.)
    [Fact]
    public void A_non_finite_step_on_the_device_stops_the_run_with_nothing_applied_from_it_on()
    {
        using var gpu = Create(Backend.GpuEmulator);
        gpu.Compile(new Adam(0.01f));
        gpu.Parameter("dense.bias")[0] = float.NaN;
        var before = gpu.Parameters.ToArray();
        var options = new FitOptions { Epochs = 1, BatchSize = 4, StepsPerEpoch = 3, LossReadbackEvery = 3 };

        var fault = Assert.Throws<NonFiniteLossException>(() => gpu.Fit(Data(7, seed: 10), options));
        Assert.Equal(1, fault.Step);
        Assert.False(fault.InGradients);
        Assert.Equal(0, gpu.Step);
        Assert.Equal(before, gpu.Parameters.ToArray()); // steps 2 and 3 ran on the device but were halted
        Assert.All(gpu.OptimizerState.ToArray(), v => Assert.Equal(0f, v));

        var history = gpu.Fit(Data(7, seed: 10), options with { SkipNonFiniteBatches = true });
        Assert.Equal(3, history.Epochs[0].SkippedBatches);
        Assert.Equal(0, gpu.Step);
    }

    [Fact]
    public void Train_batch_on_the_device_returns_each_step_loss()
    {
        using var cpu = Create(Backend.Cpu);
        using var gpu = Create(Backend.GpuEmulator);
        foreach (var model in new Model[] { cpu, gpu }) model.Compile(new RmsProp(0.01f));
        for (int step = 0; step < 2; step++)
        {
            var c = cpu.GetProgram(ProgramKind.Train, 3);
            var g = gpu.GetProgram(ProgramKind.Train, 3);
            GpuHarness.FillRandom(3, cpu, (ulong)step, c, g);
            double expected = cpu.TrainBatch(3, clipNorm: 0.1f);
            double actual = gpu.TrainBatch(3, clipNorm: 0.1f);
            Assert.Equal(expected, actual, 4);
        }
        Assert.Equal(2, gpu.Step);
        AssertClose(cpu.Parameters, gpu.Parameters, "weights");
    }

    /// <summary>A data set whose FillBatch throws on one call: a Fit that dies between queueing steps and reading them back.</summary>
    private sealed class FailingData(ISequenceData inner, int failAt) : ISequenceData
    {
        private int _calls;
        public int Count => inner.Count;
        public int SequenceLength => inner.SequenceLength;
        public ReadOnlySpan<int> Sequence(int index) => inner.Sequence(index);
        public int Target(int index) => inner.Target(index);
        public void FillBatch(ReadOnlySpan<int> indices, Span<int> inputs, Span<int> targets)
        {
            if (++_calls == failAt) throw new IOException("the data source went away");
            inner.FillBatch(indices, inputs, targets);
        }
    }

    [Fact]
    public void Steps_left_unread_by_a_failed_fit_are_drained_before_the_next_one()
    {
        using var gpu = Create(Backend.GpuEmulator);
        var options = new FitOptions { Epochs = 1, BatchSize = 4, StepsPerEpoch = 5, Optimizer = new RmsProp(0.01f), LossReadbackEvery = 10, Progress = TextWriter.Null };
        // Steps 1 and 2 are queued, not read back, when the third FillBatch throws.
        Assert.Throws<IOException>(() => gpu.Fit(new FailingData(Data(7, seed: 3), failAt: 3), options));
        Assert.Equal(2, gpu.Step);
        var history = gpu.Fit(Data(7, seed: 3), options with { Optimizer = null });
        Assert.Equal(7, gpu.Step);
        Assert.True(double.IsFinite(history.Epochs[0].TrainingLoss));
        var program = gpu.GetProgram(ProgramKind.Train, 4);
        Data(7, seed: 4).FillBatch(new[] { 0, 1, 2, 3 }, program.Tokens, program.Targets);
        Assert.True(double.IsFinite(gpu.TrainBatch(4)));
        Assert.Equal(8, gpu.Step);
    }

    [Fact]
    public void A_parameter_span_kept_and_written_later_is_seen_by_the_next_prediction()
    {
        using var gpu = Create(Backend.GpuEmulator);
        using var cpu = Create(Backend.Cpu);
        var window = new[] { 1, 2, 3, 4, 5 };
        var before = new float[gpu.OutputSize];
        var bias = gpu.Parameter("dense.bias"); // kept, written after a prediction
        gpu.Predict(window, before);
        bias[2] += 3f;
        cpu.Parameter("dense.bias")[2] += 3f;
        var after = new float[gpu.OutputSize];
        var expected = new float[cpu.OutputSize];
        gpu.Predict(window, after);
        cpu.Predict(window, expected);
        Assert.NotEqual(before[2], after[2]);
        AssertClose(expected, after, "prediction after the write");
        // Generation keeps its uploaded copy between tokens and still matches the CPU.
        Assert.Equal(cpu.Generate(new[] { 1 }, 6, 0f, SamplingMode.Stateful), gpu.Generate(new[] { 1 }, 6, 0f, SamplingMode.Stateful));
        Assert.Equal(cpu.Generate(new[] { 1 }, 3, 0f, SamplingMode.Window), gpu.Generate(new[] { 1 }, 3, 0f, SamplingMode.Window));
    }
}
