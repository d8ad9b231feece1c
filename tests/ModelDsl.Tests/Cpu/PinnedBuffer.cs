using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ModelDsl.Tests.Cpu;

/// <summary>
/// A pinned array and its stable pointer, as the runtime allocates every buffer. Pinned is not rooted: keep the buffer
/// reachable (use it afterwards, or GC.KeepAlive) until the last kernel that got its pointer has returned.
/// </summary>
internal sealed unsafe class PinnedBuffer<T> where T : unmanaged
{
    public PinnedBuffer(int length)
    {
        Array = GC.AllocateArray<T>(Math.Max(length, 1), pinned: true);
        Pointer = (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Array));
    }

    public T[] Array { get; }
    public T* Pointer { get; }

    public static PinnedBuffer<float> Random(int length, int seed, float scale = 1f)
    {
        var buffer = new PinnedBuffer<float>(length);
        var random = new Random(seed);
        for (int i = 0; i < length; i++) buffer.Array[i] = (random.NextSingle() * 2f - 1f) * scale;
        return buffer;
    }
}
