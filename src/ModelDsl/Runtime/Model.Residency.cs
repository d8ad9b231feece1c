using ModelDsl.Runtime;

namespace ModelDsl;

// Who holds the current training state. On the GPU backend the training program keeps parameters, gradients and optimizer state
// on its device and steps there; the host arrays (_parameters, _gradients, _optimizerState) are synchronised lazily:
//   * a host read (Save, checkpoints, another program's upload, Gradients) first downloads a newer device copy: SyncToHost;
//   * a host write (Load, LoadEmbeddings, Parameter(...) and Parameters spans, OptimizerState, Compile, resume, a host-side
//     update) also marks the device copy stale, so the next device step uploads it: HostWrites;
//   * a device step marks the host arrays stale: EnqueueDeviceStep.
// Every path into the host arrays goes through one of these, so neither copy is ever read while the other is newer.
public abstract partial class Model
{
    /// <summary>The program whose device holds a copy of the training state, or null.</summary>
    private IDeviceTraining? _device;
    /// <summary>Whether <see cref="_device"/>'s copy is at least as new as the host arrays (false: upload before its next step).</summary>
    private bool _deviceCurrent;
    /// <summary>Whether the host arrays are at least as new as <see cref="_device"/>'s copy (false: download before a host read).</summary>
    private bool _hostCurrent = true;

    /// <summary>Steps between loss readbacks when Fit trains on the device and <see cref="FitOptions.LossReadbackEvery"/> is null.</summary>
    internal const int DefaultDeviceReadbackEvery = 10;

    /// <summary>Brings the host arrays up to date with a newer device copy (parameters, optimizer state, last gradients).</summary>
    internal void SyncToHost()
    {
        if (_hostCurrent) return;
        _device!.DownloadTrainingState(_parameters, _optimizerState, _gradients);
        _hostCurrent = true;
        _parameterVersion++;
    }

    /// <summary>
    /// Changes whenever the host parameter array may have changed (a host write, or a download of newer device values): a
    /// device program that uploaded the parameters at this version need not upload them again.
    /// </summary>
    internal long ParameterVersion => _parameterVersion;
    private long _parameterVersion;

    /// <summary>Before the host changes parameters or optimizer state: fetch them first, and have the device re-read them.</summary>
    internal void HostWrites()
    {
        SyncToHost();
        _deviceCurrent = false;
        _parameterVersion++;
    }

    /// <summary>The parameters for a host-side reader that does not change them (another program's upload, the CPU programs).</summary>
    internal float[] HostParameters()
    {
        SyncToHost();
        return _parameters;
    }

    /// <summary>Before a program holding the device copy is disposed (resized, or the model disposed): keep its state on the host.</summary>
    private void ReleaseDevice(ProgramExecutor program)
    {
        if (!ReferenceEquals(program, _device)) return;
        SyncToHost();
        _device = null;
        _deviceCurrent = false;
    }

    /// <summary>The training program as a device trainer, when it is one and the optimizer has a device rule; else null (host steps).</summary>
    private IDeviceTraining? DeviceTrainingOf(ProgramExecutor program) =>
        program is IDeviceTraining device && _optimizer?.DeviceRule(1) is not null ? device : null;

    /// <summary>Queues one device step on the staged batch, uploading the host's state first if the device's is stale.</summary>
    private void EnqueueDeviceStep(IDeviceTraining device, int batch, float? clipNorm, bool haltOnFault)
    {
        if (!ReferenceEquals(device, _device))
        {
            SyncToHost();
            _device = device;
            _deviceCurrent = false;
        }
        if (!_deviceCurrent)
        {
            device.UploadTrainingState(_parameters, _optimizerState);
            _deviceCurrent = true;
        }
        // Counted as applied (Adam's bias correction needs the number); ReadDeviceSteps takes back the steps the device did not
        // apply. Counted only once queued: EnqueueStep refuses bad ids before any launch.
        device.EnqueueStep(batch, _optimizer!.DeviceRule(_optimizerStep + 1)!.Value, clipNorm ?? 0f, haltOnFault);
        _optimizerStep++;
        _hostCurrent = false;
    }

    /// <summary>
    /// Reads the pending device steps: each one's mean loss, and for a step the device did not apply (non-finite loss or
    /// gradients, or halted after such a step) the fault, numbered like the host's. <see cref="Step"/> then counts only applied steps.
    /// </summary>
    /// <param name="lastBatch">Rows of the last pending step: a fault there is localised from the device's weights and gradients.</param>
    private (double Loss, NonFiniteLossException? Fault)[] ReadDeviceSteps(IDeviceTraining device, int lastBatch)
    {
        long applied = _optimizerStep - device.PendingSteps;
        var results = device.ReadSteps();
        var outcomes = new (double, NonFiniteLossException?)[results.Length];
        for (int i = 0; i < results.Length; i++)
        {
            var r = results[i];
            if (r.Status == DeviceStepStatus.Applied)
            {
                applied++;
                outcomes[i] = (r.Loss, null);
                continue;
            }
            bool inGradients = r.Status == DeviceStepStatus.NonFiniteGradients;
            // Only the last step's gradients are still on the device; earlier faults are reported without a site.
            var site = i == results.Length - 1 && r.Status != DeviceStepStatus.Halted ? ((ProgramExecutor)device).FindNonFinite(lastBatch, inGradients) : null;
            outcomes[i] = (r.Loss, new NonFiniteLossException(applied + 1, r.Loss, inGradients, site));
        }
        _optimizerStep = applied;
        return outcomes;
    }

    /// <summary>
    /// Reads and drops steps left unread by a call that threw after queueing them (a data set's FillBatch, a progress sink):
    /// their losses are lost with that call, but <see cref="Step"/> is corrected for any the device did not apply, and the step
    /// log is empty again for the next call.
    /// </summary>
    private void DrainDeviceSteps(IDeviceTraining device)
    {
        if (device.PendingSteps > 0) ReadDeviceSteps(device, ((ProgramExecutor)device).BatchCapacity);
    }

    /// <summary>One device step read back at once (<see cref="TrainBatch"/>).</summary>
    private (double Loss, NonFiniteLossException? Fault) TrainBatchOnDevice(IDeviceTraining device, int batch, float? clipNorm)
    {
        DrainDeviceSteps(device);
        device.ReserveSteps(1);
        EnqueueDeviceStep(device, batch, clipNorm, haltOnFault: true);
        return ReadDeviceSteps(device, batch)[0];
    }
}
