using ILGPU;
using ILGPU.Runtime;

namespace ModelDsl.Gpu;

// Queued uploads for device-resident training. ILGPU's CopyFromCPU synchronises the stream after every copy, so each step's
// id upload used to wait for the previous step to finish on the device: the host could never queue ahead, and every
// launch's host-side cost added to the step. A queued step instead writes its ids and dropout masks into one of a few
// page-locked staging slots and copies them with CopyFromCPUUnsafeAsync (a true asynchronous copy from page-locked memory).
// A slot is written again only once the stream has been synchronised since it was queued (the loss readback every N steps
// does that; otherwise the slot's reuse synchronises first), so no pending copy can read a slot being refilled.
public abstract partial class GpuProgram
{
    /// <summary>Staging slots: up to this many steps can be queued between synchronisations.</summary>
    internal const int UploadSlots = 3;

    /// <summary>Above this many mask floats per step, masks are uploaded synchronously (page-locked memory is a scarce resource).</summary>
    private const int MaxQueuedMaskFloats = 1 << 22;

    private PageLockedArray1D<int>[]? _intSlots;
    private PageLockedArray1D<float>[]? _floatSlots;
    private readonly long[] _slotQueuedAt = new long[UploadSlots];
    private long _syncEpoch = 1;
    private int _slot;
    private bool _queueUploads;
    private int _slotMaskCursor;

    /// <summary>Steps whose uploads had to wait for a slot (tests: with a readback at least every <see cref="UploadSlots"/> steps, none).</summary>
    internal long UploadWaits { get; private set; }

    /// <summary>Marks a synchronisation of the stream this program queues on: every slot queued before it is free again.</summary>
    private void StreamSynchronized() => _syncEpoch++;

    /// <summary>Whether this call's uploads go through the staging slots (set by <see cref="IDeviceTraining.EnqueueStep"/>).</summary>
    private bool QueueingUploads => _queueUploads;

    /// <summary>Takes the next staging slot, synchronising first if it may still be read by a queued copy.</summary>
    private int TakeSlot(AcceleratorStream stream)
    {
        if (_intSlots is null)
        {
            int ints = _tokens.Length + _targets.Length + _queryPositions.Length;
            _intSlots = new PageLockedArray1D<int>[UploadSlots];
            for (int s = 0; s < UploadSlots; s++) _intSlots[s] = Device.Accelerator.AllocatePageLocked1D<int>(Math.Max(1, ints));
            if (_masks.Length is > 0 and <= MaxQueuedMaskFloats)
            {
                _floatSlots = new PageLockedArray1D<float>[UploadSlots];
                for (int s = 0; s < UploadSlots; s++) _floatSlots[s] = Device.Accelerator.AllocatePageLocked1D<float>(_masks.Length);
            }
        }
        int slot = _slot;
        _slot = (_slot + 1) % UploadSlots;
        if (_slotQueuedAt[slot] == _syncEpoch)
        {
            stream.Synchronize();
            StreamSynchronized();
            UploadWaits++;
        }
        _slotQueuedAt[slot] = _syncEpoch;
        _slotMaskCursor = 0;
        return slot;
    }

    /// <summary>Copies <paramref name="count"/> staged ints into the int arena at <paramref name="target"/> through slot memory at <paramref name="at"/>.</summary>
    private void QueueInts(AcceleratorStream stream, int slot, int at, ReadOnlySpan<int> source, int target)
    {
        if (source.Length == 0) return;
        var staging = _intSlots![slot].Span.Slice(at, source.Length);
        source.CopyTo(staging);
        ArrayView<int> view = _ints.View.SubView(target, source.Length);
        view.CopyFromCPUUnsafeAsync(stream, ref staging[0], source.Length);
    }

    /// <summary>The current slot's stretch for the next mask of <paramref name="length"/> floats, or an empty span when masks are not queued.</summary>
    private Span<float> QueuedMaskSpan(int length)
    {
        if (!_queueUploads || _floatSlots is null) return Span<float>.Empty;
        var span = _floatSlots[(_slot + UploadSlots - 1) % UploadSlots].Span.Slice(_slotMaskCursor, length);
        _slotMaskCursor += length;
        return span;
    }

    private void DisposeUploadSlots()
    {
        if (_intSlots is not null) foreach (var s in _intSlots) s.Dispose();
        if (_floatSlots is not null) foreach (var s in _floatSlots) s.Dispose();
        _intSlots = null;
        _floatSlots = null;
    }
}
