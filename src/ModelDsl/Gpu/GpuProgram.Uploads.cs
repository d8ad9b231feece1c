using ILGPU;
using ILGPU.Runtime;

namespace ModelDsl.Gpu;

// Queued uploads for device-resident training. ILGPU's CopyFromCPU synchronises the stream after every copy, so each step's
// id upload used to wait for the previous step to finish on the device: the host could never queue ahead, and every
// launch's host-side cost added to the step. A queued step instead writes its ids and dropout masks into one of a few
// page-locked staging slots and copies them with CopyFromCPUUnsafeAsync (a true asynchronous copy from page-locked memory).
// There is one slot more than the steps read back at once (the step log's capacity, at most MaxUploadSlots), so between two
// loss readbacks no slot is reused; a slot is written again only once the stream has been synchronised since it was queued
// (otherwise its reuse synchronises first), so no pending copy can read a slot being refilled.
public abstract partial class GpuProgram
{
    /// <summary>Most staging slots a program keeps (a longer readback window reuses slots, synchronising as it does).</summary>
    internal const int MaxUploadSlots = 16;

    /// <summary>Page-locked bytes a program may hold for queued dropout masks (all slots); above it masks upload synchronously.</summary>
    private const long MaxQueuedMaskBytes = 64L << 20;

    private PageLockedArray1D<int>[]? _intSlots;
    private PageLockedArray1D<float>[]? _floatSlots;
    private long[] _slotQueuedAt = Array.Empty<long>();
    private long _syncEpoch = 1;
    private int _slot;
    // Whether this call's uploads go through the staging slots (set while a device-resident training step is queued).
    private bool _queueUploads;
    private int _slotMaskCursor;

    /// <summary>Staging slots in use: the step log's capacity plus one, at most <see cref="MaxUploadSlots"/> (0 before the first queued step).</summary>
    internal int UploadSlots => _intSlots?.Length ?? 0;

    /// <summary>Steps whose uploads had to wait for a slot (none while the readback window fits the slots).</summary>
    internal long UploadWaits { get; private set; }

    /// <summary>Marks a synchronisation of the stream this program queues on: every slot queued before it is free again.</summary>
    private void StreamSynchronized() => _syncEpoch++;

    /// <summary>Takes the next staging slot, synchronising first if it may still be read by a queued copy.</summary>
    private int TakeSlot(AcceleratorStream stream)
    {
        int wanted = Math.Clamp(_stepCapacity + 1, 2, MaxUploadSlots);
        if (_intSlots is null || _intSlots.Length < wanted)
        {
            // (Re)allocated only when the readback window grows; the old slots may still feed queued copies.
            if (_intSlots is not null)
            {
                stream.Synchronize();
                StreamSynchronized();
                DisposeUploadSlots();
            }
            int ints = _tokens.Length + _targets.Length + _queryPositions.Length;
            _intSlots = new PageLockedArray1D<int>[wanted];
            for (int s = 0; s < wanted; s++) _intSlots[s] = Device.Accelerator.AllocatePageLocked1D<int>(Math.Max(1, ints));
            if (_masks.Length > 0 && (long)_masks.Length * sizeof(float) * wanted <= MaxQueuedMaskBytes)
            {
                _floatSlots = new PageLockedArray1D<float>[wanted];
                for (int s = 0; s < wanted; s++) _floatSlots[s] = Device.Accelerator.AllocatePageLocked1D<float>(_masks.Length);
            }
            _slotQueuedAt = new long[wanted];
            _slot = 0;
        }
        int slot = _slot;
        _slot = (_slot + 1) % _intSlots.Length;
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

    /// <summary>Copies <paramref name="source"/> into the int arena at <paramref name="target"/> through slot memory at <paramref name="at"/>.</summary>
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
        var span = _floatSlots[(_slot + _floatSlots.Length - 1) % _floatSlots.Length].Span.Slice(_slotMaskCursor, length);
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
