using ILGPU;
using ILGPU.Runtime;
using ModelDsl.Runtime;
using ModelDsl.Training;

namespace ModelDsl.Gpu;

// Device-resident training: the arena's parameter and gradient buffers, an optimizer-state buffer and a step log hold all a step
// needs, so a step is uploads of ids and dropout masks, then launches; the host reads the step log every few steps.
public abstract partial class GpuProgram : IDeviceTraining
{
    // Optimizer state, slot-major like the host's (at least one float, so plain SGD has a view to pass).
    private MemoryBuffer1D<float, Stride1D.Dense>? _optimizerState;
    private int _optimizerStateLength;
    // Step log: the gate's scalars (GpuKernels.ScalarSlots), then per pending step its loss slots and its status.
    private MemoryBuffer1D<float, Stride1D.Dense>? _stepLog;
    private int _stepCapacity;
    private int _pendingSteps;
    private float[] _hostLog = Array.Empty<float>();

    private int StepStride => _lossSlots + 1;

    int IDeviceTraining.PendingSteps => _pendingSteps;

    void IDeviceTraining.UploadTrainingState(ReadOnlySpan<float> parameters, ReadOnlySpan<float> optimizerState)
    {
        RequireTraining();
        lock (Device.Sync)
        {
            Device.Accelerator.Bind();
            var stream = Device.Accelerator.DefaultStream;
            if (_optimizerState is null || _optimizerStateLength != optimizerState.Length)
            {
                _optimizerState?.Dispose();
                _optimizerState = Device.Accelerator.Allocate1D<float>(Math.Max(1, optimizerState.Length));
                _optimizerStateLength = optimizerState.Length;
            }
            _floats.View.SubView(0, Model.ParameterCount).CopyFromCPU(stream, parameters);
            if (optimizerState.Length > 0) _optimizerState.View.SubView(0, optimizerState.Length).CopyFromCPU(stream, optimizerState);
            stream.Synchronize();
        }
    }

    void IDeviceTraining.DownloadTrainingState(Span<float> parameters, Span<float> optimizerState, Span<float> gradients)
    {
        RequireTraining();
        if (optimizerState.Length != _optimizerStateLength)
            throw new InvalidOperationException($"The device holds {_optimizerStateLength} floats of optimizer state, the host {optimizerState.Length}.");
        lock (Device.Sync)
        {
            Device.Accelerator.Bind();
            var stream = Device.Accelerator.DefaultStream;
            int count = Model.ParameterCount;
            _floats.View.SubView(0, count).CopyToCPU(stream, parameters);
            _floats.View.SubView(F(1), count).CopyToCPU(stream, gradients);
            if (optimizerState.Length > 0) _optimizerState!.View.SubView(0, optimizerState.Length).CopyToCPU(stream, optimizerState);
            stream.Synchronize();
        }
    }

    void IDeviceTraining.ReserveSteps(int steps)
    {
        RequireTraining();
        if (steps <= _stepCapacity) return;
        if (_pendingSteps > 0) throw new InvalidOperationException("Read the pending steps before growing the step log.");
        lock (Device.Sync)
        {
            Device.Accelerator.Bind();
            _stepLog?.Dispose();
            _stepLog = Device.Accelerator.Allocate1D<float>(GpuKernels.ScalarSlots + (long)steps * StepStride);
            _stepLog.MemSetToZero();
            _hostLog = new float[steps * StepStride];
            _stepCapacity = steps;
            Device.Accelerator.Synchronize();
        }
    }

    void IDeviceTraining.EnqueueStep(int batch, in DeviceUpdateRule rule, float clipNorm, bool haltOnFault)
    {
        RequireTraining();
        CheckBatch(batch);
        ValidateIds(batch, targets: true);
        if (_optimizerState is null) throw new InvalidOperationException("Upload the training state before the first device step.");
        if (_pendingSteps >= _stepCapacity) throw new InvalidOperationException($"The step log holds {_stepCapacity} unread steps; read them first.");
        var steps = new TrainingStepArgs
        {
            Gradients = F(1), Count = Model.ParameterCount, Threads = Device.ReductionThreads(Model.ParameterCount),
            Scalars = 0, Losses = GpuKernels.ScalarSlots + _pendingSteps * StepStride, LossCount = _lossSlots,
            ClipNorm = clipNorm, HaltOnFault = haltOnFault ? 1 : 0,
        };
        steps.Status = steps.Losses + _lossSlots;
        var update = new OptimizerArgs
        {
            Gradients = F(1), Count = Model.ParameterCount, Scalars = 0, Rule = rule.Rule, LearningRate = rule.LearningRate,
            Decay = rule.Decay, OneMinusDecay = rule.OneMinusDecay, OneMinusDecay2 = rule.OneMinusDecay2, Epsilon = rule.Epsilon, Alpha = rule.Alpha,
        };
        lock (Device.Sync)
        {
            Device.Accelerator.Bind();
            var stream = Device.Accelerator.DefaultStream;
            var log = _stepLog!.View;
            _queueUploads = true;
            try { UploadIdsAndRunForward(stream, batch, training: true); }
            finally { _queueUploads = false; }
            _floats.View.SubView(F(1), Model.ParameterCount).MemSetToZero(stream);
            RunBackward(batch);
            log.SubView(GpuKernels.SumOfSquaresSlot, 1).MemSetToZero(stream);
            log.SubView(GpuKernels.LossFaultSlot, 1).MemSetToZero(stream);
            log.SubView(steps.Status, 1).MemSetToZero(stream);
            _floats.View.SubView(_lossBase, _lossSlots).CopyTo(stream, log.SubView(steps.Losses, _lossSlots));
            Device.TrainingUpdate(Floats, _optimizerState.View, log, steps, update);
        }
        _pendingSteps++;
    }

    DeviceStepResult[] IDeviceTraining.ReadSteps()
    {
        RequireTraining();
        var results = new DeviceStepResult[_pendingSteps];
        if (_pendingSteps == 0) return results;
        int stride = StepStride;
        lock (Device.Sync)
        {
            Device.Accelerator.Bind();
            var stream = Device.Accelerator.DefaultStream;
            var log = _stepLog!.View;
            log.SubView(GpuKernels.ScalarSlots, _pendingSteps * stride).CopyToCPU(stream, _hostLog.AsSpan(0, _pendingSteps * stride));
            log.SubView(GpuKernels.HaltSlot, 1).MemSetToZero(stream);
            stream.Synchronize();
            StreamSynchronized();
        }
        for (int s = 0; s < results.Length; s++)
        {
            var step = _hostLog.AsSpan(s * stride, stride);
            double loss = 0;
            foreach (var l in step[.._lossSlots]) loss += l;
            results[s] = new DeviceStepResult(loss, (DeviceStepStatus)(int)step[_lossSlots]);
        }
        _pendingSteps = 0;
        return results;
    }

    private void RequireTraining()
    {
        if (Kind != ModelDsl.Ir.ProgramKind.Train) throw new InvalidOperationException("Only training programs keep training state on the device.");
    }
}
