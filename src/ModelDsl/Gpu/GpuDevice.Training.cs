using ILGPU;
using ILGPU.Runtime;

namespace ModelDsl.Gpu;

// Launches of the device-resident training step (GpuKernels.Training.cs).
public sealed partial class GpuDevice
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, TrainingStepArgs>? _gradientStatistics;
    private Action<Index1D, ArrayView<float>, TrainingStepArgs>? _stepGate;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, OptimizerArgs>? _optimizerUpdate;

    /// <summary>Threads of the gradient reduction: enough to fill a GPU, few on the emulator (each is an OS thread there).</summary>
    public int ReductionThreads(int count) => Math.Max(1, Math.Min(count, IsEmulator ? 16 : 64 * 1024));

    /// <summary>Σg², the finite check, the gate and the update, in stream order after backward; loaded on first use.</summary>
    public void TrainingUpdate(ArrayView<float> f, ArrayView<float> state, ArrayView<float> log, in TrainingStepArgs step, in OptimizerArgs update)
    {
        var a = Accelerator;
        _gradientStatistics ??= a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, TrainingStepArgs>(GpuKernels.GradientStatistics);
        _stepGate ??= a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, TrainingStepArgs>(GpuKernels.StepGate);
        _optimizerUpdate ??= a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, OptimizerArgs>(GpuKernels.OptimizerUpdate);
        var statistics = step;
        statistics.BitwiseAtomics = IsEmulator ? 1 : 0;
        _gradientStatistics(step.Threads, f, log, statistics);
        _stepGate(1, log, step);
        if (step.Count > 0) _optimizerUpdate(step.Count, f, state, log, update);
    }
}
