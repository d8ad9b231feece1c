using ModelDsl.Training;

namespace ModelDsl.Runtime;

/// <summary>
/// A training program that keeps the training state on its device: parameters, gradients and optimizer state live there, and
/// whole steps (forward, backward, finite checks, clipping, update) run without the host. <see cref="Model"/> decides when the
/// host arrays and the device copy are exchanged (Model.Residency.cs); the program only moves data when told.
/// </summary>
internal interface IDeviceTraining
{
    /// <summary>Copies the host's parameters and optimizer state (any length; empty for plain SGD) to the device.</summary>
    void UploadTrainingState(ReadOnlySpan<float> parameters, ReadOnlySpan<float> optimizerState);

    /// <summary>Copies the device's parameters, optimizer state and last step's (clipped) gradients to the host.</summary>
    void DownloadTrainingState(Span<float> parameters, Span<float> optimizerState, Span<float> gradients);

    /// <summary>Makes room in the step log for <paramref name="steps"/> steps between reads; only with no step pending.</summary>
    void ReserveSteps(int steps);

    /// <summary>
    /// Queues one step on the staged batch: nothing comes back to the host. The update applies only if the loss and gradients are
    /// finite and, with <paramref name="haltOnFault"/>, no earlier unread step faulted.
    /// </summary>
    void EnqueueStep(int batch, in DeviceUpdateRule rule, float clipNorm, bool haltOnFault);

    /// <summary>Steps queued since the last <see cref="ReadSteps"/>.</summary>
    int PendingSteps { get; }

    /// <summary>Reads every pending step's loss (summed in double, as <see cref="ProgramExecutor.Forward"/> returns it) and status, and clears the halt.</summary>
    DeviceStepResult[] ReadSteps();
}

/// <summary>What one device step did: its mean loss and its status.</summary>
internal readonly record struct DeviceStepResult(double Loss, DeviceStepStatus Status);

/// <summary>How a device step ended; the device's step log holds these values (the GPU kernels write them).</summary>
internal enum DeviceStepStatus
{
    Applied = 0,
    NonFiniteGradients = 1,
    NonFiniteLoss = 2,
    /// <summary>Not applied: an earlier unread step faulted and the step was asked to halt on a fault.</summary>
    Halted = 3,
}
