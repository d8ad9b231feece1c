using ILGPU;
using ILGPU.Runtime;
using ModelDsl.Gpu;

namespace ModelDsl.Tests.Gpu;

// The device step's finite checks and gate on crafted step logs: the whole-model tests cannot reach a non-finite loss with
// finite gradients, and a NaN gradient never finishes on the emulator (its float atomics).
public partial class GpuKernelTests
{
    [Theory]
    [InlineData(-1, 0)]   // everything finite: applied
    [InlineData(0, 2)]    // the first loss slot NaN
    [InlineData(37, 2)]   // a loss slot reached by a thread's later stride
    [InlineData(-2, 2)]   // an infinite loss
    public void Step_gate_applies_only_finite_steps_and_names_a_non_finite_loss(int badLoss, int expectedStatus)
    {
        const int n = 50, lossCount = 40;
        // Arena: parameters [n], gradients [n]. Log: scalars, losses, status.
        var floats = new float[2 * n];
        for (int i = 0; i < n; i++) { floats[i] = 1f; floats[n + i] = 0.5f; }
        var log = new float[GpuKernels.ScalarSlots + lossCount + 1];
        for (int i = 0; i < lossCount; i++) log[GpuKernels.ScalarSlots + i] = 2.5f;
        if (badLoss >= 0) log[GpuKernels.ScalarSlots + badLoss] = float.NaN;
        if (badLoss == -2) log[GpuKernels.ScalarSlots + 5] = float.PositiveInfinity;
        var device = Device;
        using var arena = new Arena(floats);
        using var logBuffer = device.Accelerator.Allocate1D(log);
        using var state = device.Accelerator.Allocate1D<float>(n);
        state.MemSetToZero();
        var step = new TrainingStepArgs
        {
            Gradients = n, Count = n, Threads = 8, Scalars = 0, Losses = GpuKernels.ScalarSlots, LossCount = lossCount,
            Status = GpuKernels.ScalarSlots + lossCount, ClipNorm = 0f, HaltOnFault = 1,
        };
        // Plain SGD (rule 0) with learning rate 0.1: an applied step moves every parameter from 1 to 0.95.
        var update = new OptimizerArgs { Gradients = n, Count = n, Scalars = 0, Rule = 0, LearningRate = 0.1f };
        lock (device.Sync)
        {
            device.Accelerator.Bind();
            device.TrainingUpdate(arena.F, state.View, logBuffer.View, step, update);
            device.Accelerator.Synchronize();
        }
        var after = logBuffer.GetAsArray1D();
        var parameters = arena.Read();
        Assert.Equal(expectedStatus, (int)after[step.Status]);
        Assert.Equal(expectedStatus == 0 ? 0.95f : 1f, parameters[0], 6);
        Assert.Equal(expectedStatus == 0 ? 0.95f : 1f, parameters[n - 1], 6);
        Assert.Equal(expectedStatus == 0 ? 0f : 1f, after[GpuKernels.HaltSlot]);
    }
}
