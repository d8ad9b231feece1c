using ILGPU;
using ILGPU.Runtime;

namespace ModelDsl.Gpu;

// The global pooling launches, over a program's float arena f and int arena ids (the mask's token ids).
public sealed partial class GpuDevice
{
    // Loaded on first use: only models with a global pooling layer launch them.
    private Action<Index1D, ArrayView<float>, ArrayView<int>, GlobalPoolArgs>? _globalPool, _globalPoolBackward;

    /// <summary>One thread per (b, c) of the [Batch, Width] output.</summary>
    public void GlobalPool(ArrayView<float> f, ArrayView<int> ids, in GlobalPoolArgs a)
    {
        if (a.Batch <= 0 || a.Width <= 0) return;
        _globalPool ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, GlobalPoolArgs>(GpuKernels.GlobalPool);
        _globalPool(a.Batch * a.Width, f, a.Mask >= 0 ? ids : NoIds, a);
    }

    /// <summary>One thread per (b, c), each writing its column of dx at every step.</summary>
    public void GlobalPoolBackward(ArrayView<float> f, ArrayView<int> ids, in GlobalPoolArgs a)
    {
        if (a.Batch <= 0 || a.Width <= 0 || a.Steps <= 0) return;
        _globalPoolBackward ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, GlobalPoolArgs>(GpuKernels.GlobalPoolBackward);
        _globalPoolBackward(a.Batch * a.Width, f, a.Mask >= 0 ? ids : NoIds, a);
    }
}
