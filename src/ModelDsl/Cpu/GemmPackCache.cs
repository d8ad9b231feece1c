using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelDsl.Cpu;

/// <summary>
/// Packed copies of B operands that one pass of a program multiplies by again and again: the recurrent weights U at
/// every time step. A packed copy is only reused within the pass that packed it: <see cref="BeginPass"/> (called by the
/// runtime before every forward and every backward pass) makes every copy stale, so weights changed between passes by
/// anything at all (an optimizer step, a load, a write through <c>Model.Parameters</c>) are packed afresh. Not thread
/// safe: one per program, used by the thread running that program.
/// </summary>
public sealed unsafe class GemmPackCache
{
    // A few operands per program (U and Uᵀ per recurrent direction); beyond that, products pack as if uncached.
    private const int MaxEntries = 16;
    private readonly List<Entry> _entries = new();
    private long _pass = 1;

    /// <summary>Forgets every packed copy: the operands may have changed since they were packed.</summary>
    public void BeginPass() => _pass++;

    /// <summary>Packed copies made since the cache was created (for tests: a cache hit packs nothing).</summary>
    public long PackCount { get; private set; }

    /// <summary>
    /// The packed form of op(B) (k×n) for <paramref name="path"/>, packing it now unless it was packed in this pass.
    /// Null when the cache is full. Layout: k-block pc (<see cref="Gemm.KBlock"/> deep) at pc·n̄ floats (n̄ = n rounded up
    /// to the strip width), its strip s at s·kc·NR within the block.
    /// </summary>
    internal float* Get(GemmPath path, bool transB, int n, int k, float* b, int ldb, WorkerPool? pool)
    {
        Entry? match = null, stale = null;
        foreach (var e in _entries)
        {
            if (e.B == (nint)b && e.Ldb == ldb && e.N == n && e.K == k && e.TransB == transB && e.Path == path) { match = e; break; }
            if (e.Pass != _pass) stale ??= e;
        }
        if (match is not null && match.Pass == _pass) return match.Pointer;

        int nr = path == GemmPath.Vector512 ? 32 : 16;
        long floats = (long)k * ((n + nr - 1) / nr * nr);
        var entry = match ?? stale;
        if (entry is null)
        {
            if (_entries.Count == MaxEntries) return null;
            entry = new Entry();
            _entries.Add(entry);
        }
        entry.Reserve(floats);
        entry.B = (nint)b; entry.Ldb = ldb; entry.N = n; entry.K = k; entry.TransB = transB; entry.Path = path;
        // Marked stale until packed: an exception half-way must not leave a half-packed copy that looks valid.
        entry.Pass = 0;
        Gemm.PackWhole(path, transB, n, k, b, ldb, entry.Pointer, pool);
        entry.Pass = _pass;
        PackCount++;
        return entry.Pointer;
    }

    private sealed class Entry
    {
        public nint B;
        public int Ldb, N, K;
        public bool TransB;
        public GemmPath Path;
        public long Pass;
        private float[]? _array;
        public float* Pointer;

        /// <summary>A pinned, 64-byte aligned buffer of at least <paramref name="floats"/>.</summary>
        public void Reserve(long floats)
        {
            if (_array is not null && _array.Length >= floats + 16) return;
            _array = GC.AllocateUninitializedArray<float>(checked((int)(floats + 16)), pinned: true);
            nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
            Pointer = (float*)((address + 63) & ~(nint)63);
        }
    }
}
