using ILGPU;
using ModelDsl.Runtime;

namespace ModelDsl.Gpu;

// The device-resident training step after backward: gradient statistics (a reduction), a one-thread gate that decides whether
// the step applies and by how much to clip, and the optimizer update. Their host references are GradientClipping and the
// Optimizer classes (tests/ModelDsl.Tests/Gpu/ResidentTrainingTests.cs compares whole training runs).
public static partial class GpuKernels
{
    /// <summary>Step-log scalar slots: Σg², whether the step applies, the clip scale, the sticky halt flag, and whether a loss slot is not finite.</summary>
    public const int SumOfSquaresSlot = 0, ApplySlot = 1, ScaleSlot = 2, HaltSlot = 3, LossFaultSlot = 4, ScalarSlots = 5;

    /// <summary>Step status written to the log: applied, gradients or loss not finite, skipped after an earlier fault.</summary>
    public const int Applied = (int)DeviceStepStatus.Applied, NonFiniteGradients = (int)DeviceStepStatus.NonFiniteGradients,
        NonFiniteLoss = (int)DeviceStepStatus.NonFiniteLoss, Halted = (int)DeviceStepStatus.Halted;

    /// <summary>
    /// Grid-stride over the n gradients with <c>Threads</c> threads: Σg² added atomically to the log's sum slot, and the step's
    /// status set to 1 when any gradient is NaN or infinite (|g| ≤ MaxValue is false exactly for those).
    /// </summary>
    public static void GradientStatistics(Index1D index, ArrayView<float> f, ArrayView<float> log, TrainingStepArgs a)
    {
        float sum = 0f;
        bool bad = false;
        for (int i = index; i < a.Count; i += a.Threads)
        {
            float g = f[a.Gradients + i];
            sum += g * g;
            if (!(Math.Abs(g) <= float.MaxValue)) bad = true;
        }
        AtomicAdd(log, a.Scalars + SumOfSquaresSlot, sum, a.BitwiseAtomics);
        if (bad) log[a.Status] = NonFiniteGradients;
        // The loss slots (one per row: 25,344 for a Transformer batch) are checked here, spread over the same threads, rather
        // than by the gate's single thread.
        bool lossBad = false;
        for (int i = index; i < a.LossCount; i += a.Threads)
            if (!(Math.Abs(log[a.Losses + i]) <= float.MaxValue)) lossBad = true;
        if (lossBad) log[a.Scalars + LossFaultSlot] = 1f;
    }

    /// <summary>
    /// One thread: the step applies when its loss slots and gradients are finite and no earlier step halted; otherwise its status
    /// says why, and with HaltOnFault later steps are halted too (the host's non-finite checks, moved to the device). The clip
    /// scale is maxNorm/‖g‖ when ‖g‖ &gt; maxNorm, as <c>GradientClipping.ClipByGlobalNorm</c>.
    /// </summary>
    public static void StepGate(Index1D index, ArrayView<float> log, TrainingStepArgs a)
    {
        bool lossFinite = log[a.Scalars + LossFaultSlot] == 0f;
        int status = !lossFinite ? NonFiniteLoss : log[a.Status] != 0f ? NonFiniteGradients : Applied;
        if (log[a.Scalars + HaltSlot] != 0f) status = Halted;
        log[a.Status] = status;
        if (status != Applied && a.HaltOnFault != 0) log[a.Scalars + HaltSlot] = 1f;
        log[a.Scalars + ApplySlot] = status == Applied ? 1f : 0f;
        float scale = 1f;
        if (a.ClipNorm > 0f)
        {
            float norm = MathF.Sqrt(log[a.Scalars + SumOfSquaresSlot]);
            if (norm <= float.MaxValue && norm > a.ClipNorm) scale = a.ClipNorm / norm;
        }
        log[a.Scalars + ScaleSlot] = scale;
    }

    /// <summary>
    /// One thread per parameter (at arena offset i): nothing unless the gate applied the step; else the clipped gradient is written
    /// back (as the host clips in place) and the rule's Keras 3 formula updates the parameter and its state slots (slot-major: v, or
    /// m then v for Adam).
    /// </summary>
    public static void OptimizerUpdate(Index1D index, ArrayView<float> f, ArrayView<float> state, ArrayView<float> log, OptimizerArgs a)
    {
        if (log[a.Scalars + ApplySlot] == 0f) return;
        int i = index;
        float g = f[a.Gradients + i];
        float scale = log[a.Scalars + ScaleSlot];
        if (scale != 1f)
        {
            g *= scale;
            f[a.Gradients + i] = g;
        }
        float lr = a.LearningRate;
        switch (a.Rule)
        {
            case 0:
                f[i] = g * -lr + f[i];
                break;
            case 1:
            case 2:
            {
                float lrG = lr * g;
                float m = a.Decay * state[i] - lrG;
                state[i] = m;
                f[i] += a.Rule == 2 ? a.Decay * m - lrG : m;
                break;
            }
            case 3:
            {
                float v = a.Decay * state[i] + a.OneMinusDecay * g * g;
                state[i] = v;
                f[i] -= lr * g / MathF.Sqrt(v + a.Epsilon);
                break;
            }
            default:
            {
                float m = state[i] + (g - state[i]) * a.OneMinusDecay;
                float v = state[a.Count + i] + (g * g - state[a.Count + i]) * a.OneMinusDecay2;
                state[i] = m;
                state[a.Count + i] = v;
                f[i] -= m * a.Alpha / (MathF.Sqrt(v) + a.Epsilon);
                break;
            }
        }
    }
}
