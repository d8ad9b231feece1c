using ILGPU;
using ILGPU.Runtime;

namespace ModelDsl.Gpu;

// Pooling launches (GlobalPoolOp): loaded on first use, one thread per (row, column).
public sealed partial class GpuDevice
{
    private Action<Index1D, ArrayView<float>, ArrayView<int>, PoolArgs>? _globalPool, _globalPoolBackward;

    public void GlobalPool(ArrayView<float> f, ArrayView<int> ids, in PoolArgs a)
    {
        _globalPool ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, PoolArgs>(GpuKernels.GlobalPool);
        if (a.Rows > 0 && a.Cols > 0) _globalPool(a.Rows * a.Cols, f, ids, a);
    }

    /// <summary>X, RowStride and StepStride here describe dx.</summary>
    public void GlobalPoolBackward(ArrayView<float> f, ArrayView<int> ids, in PoolArgs a)
    {
        _globalPoolBackward ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, PoolArgs>(GpuKernels.GlobalPoolBackward);
        if (a.Rows > 0 && a.Cols > 0) _globalPoolBackward(a.Rows * a.Cols, f, ids, a);
    }
}
