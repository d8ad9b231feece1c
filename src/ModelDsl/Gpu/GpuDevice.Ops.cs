using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace ModelDsl.Gpu;

// The library ops as launches on the default stream, over a program's float arena f and int arena ids.
public sealed partial class GpuDevice
{
    private Action<KernelConfig, ArrayView<float>, GemmArgs> _gemm = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, GatherRowsArgs> _gatherRows = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ScatterAddRowsArgs> _scatterAddRows = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ColumnSumsArgs> _columnSums = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, ColumnSumsArgs>? _stepColumnSums;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, SoftmaxArgs> _softmax = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, SoftmaxArgs> _softmaxCrossEntropy = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, SoftmaxArgs> _sigmoidCrossEntropy = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, RowsArgs> _tokenMask = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, RowsArgs> _zero = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, RowsArgs> _copy = null!;

    private MemoryBuffer1D<int, Stride1D.Dense> _noIds = null!;

    /// <summary>A one-element int view for kernels that read no ids (a real view rather than a null one).</summary>
    private ArrayView<int> NoIds => _noIds.View;

    private void LoadKernels()
    {
        _noIds = Accelerator.Allocate1D<int>(1);
        var a = Accelerator;
        GemmTile = a.MaxNumThreadsPerGroup >= 256 ? 16 : 4;
        _gemm = a.LoadStreamKernel<ArrayView<float>, GemmArgs>(GemmTile == 16 ? GpuKernels.GemmTile16 : GpuKernels.GemmTile4);
        _gatherRows = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, GatherRowsArgs>(GpuKernels.GatherRows);
        _scatterAddRows = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ScatterAddRowsArgs>(GpuKernels.ScatterAddRows);
        _columnSums = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ColumnSumsArgs>(GpuKernels.ColumnSums);
        _softmax = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, SoftmaxArgs>(GpuKernels.Softmax);
        _softmaxCrossEntropy = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, SoftmaxArgs>(GpuKernels.SoftmaxCrossEntropy);
        _sigmoidCrossEntropy = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, SoftmaxArgs>(GpuKernels.SigmoidCrossEntropy);
        _tokenMask = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, RowsArgs>(GpuKernels.TokenMask);
        _zero = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, RowsArgs>(GpuKernels.Zero);
        _copy = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, RowsArgs>(GpuKernels.Copy);
    }

    /// <summary>Loads a generated pointwise kernel (one thread per element, shapes baked into its body).</summary>
    public Action<Index1D, ArrayView<float>, PointwiseArgs> LoadPointwise(Action<Index1D, ArrayView<float>, PointwiseArgs> kernel) =>
        Accelerator.LoadAutoGroupedStreamKernel(kernel);

    /// <summary>Loads a generated kernel launched with an explicit grid and group (it synchronises its group with barriers).</summary>
    public Action<KernelConfig, ArrayView<float>, PointwiseArgs> LoadGroupedPointwise(Action<ArrayView<float>, PointwiseArgs> kernel) =>
        Accelerator.LoadStreamKernel(kernel);

    /// <summary>Side of the GEMM kernel's square tile: 16 where groups of 256 threads are allowed, else 4.</summary>
    public int GemmTile { get; private set; }

    /// <summary>C (+)= op(A)·op(B) (+ bias): cuBLAS when bound, else the tiled kernel.</summary>
    public void Gemm(ArrayView<float> f, in GemmArgs g)
    {
        if (g.M <= 0 || g.N <= 0) return;
        if (UsesCuBlas && g.K > 0)
        {
            GemmCuBlas(f, g);
            return;
        }
        var grid = new Index2D((g.N + GemmTile - 1) / GemmTile, (g.M + GemmTile - 1) / GemmTile);
        _gemm(new KernelConfig(grid, new Index2D(GemmTile, GemmTile)), f, g);
    }

    /// <summary>
    /// cuBLAS is column-major: a row-major X with stride ld is Xᵀ column-major with the same ld, so row-major C = op(A)·op(B)
    /// is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands and M with N, keep the transpose flags.
    /// </summary>
    private void GemmCuBlas(ArrayView<float> f, in GemmArgs g)
    {
        float beta = g.Accumulate != 0 ? 1f : 0f;
        if (g.Bias >= 0)
        {
            _copy(g.M * g.N, f, NoIds, new RowsArgs { Source = g.Bias, SourceStride = 0, Target = g.C, TargetStride = g.Ldc, Rows = g.M, Cols = g.N });
            beta = 1f;
        }
        var opA = g.TransA != 0 ? CuBlasOperation.Transpose : CuBlasOperation.NonTranspose;
        var opB = g.TransB != 0 ? CuBlasOperation.Transpose : CuBlasOperation.NonTranspose;
        int aRows = g.TransA != 0 ? g.K : g.M, aCols = g.TransA != 0 ? g.M : g.K;
        int bRows = g.TransB != 0 ? g.N : g.K, bCols = g.TransB != 0 ? g.K : g.N;
        _blas!.Gemm(opB, opA, g.N, g.M, g.K,
            1f, Window(f, g.B, bRows, bCols, g.Ldb), g.Ldb,
            Window(f, g.A, aRows, aCols, g.Lda), g.Lda,
            beta, Window(f, g.C, g.M, g.N, g.Ldc), g.Ldc);
    }

    private static ArrayView<float> Window(ArrayView<float> f, int offset, int rows, int cols, int stride) =>
        f.SubView(offset, (long)(rows - 1) * stride + cols);

    /// <summary>Every step of <see cref="GatherRowsArgs.Steps"/> in one launch (0, an args struct from before time steps, means 1).</summary>
    public void GatherRows(ArrayView<float> f, ArrayView<int> ids, in GatherRowsArgs g)
    {
        if (g.Rows > 0 && g.Cols > 0) _gatherRows(Threads(Math.Max(1, g.Steps), g.Rows, g.Cols), f, ids, g);
    }

    /// <summary>Every step of <see cref="ScatterAddRowsArgs.Steps"/> in one launch (0 means 1).</summary>
    public void ScatterAddRows(ArrayView<float> f, ArrayView<int> ids, in ScatterAddRowsArgs s)
    {
        if (s.Rows <= 0 || s.Cols <= 0) return;
        var args = s;
        args.BitwiseAtomics = IsEmulator ? 1 : 0;
        _scatterAddRows(Threads(Math.Max(1, s.Steps), s.Rows, s.Cols), f, ids, args);
    }

    /// <summary>One column sum per time step, all <see cref="ColumnSumsArgs.Steps"/> in one launch (a batch of rows each).</summary>
    public void StepColumnSums(ArrayView<float> f, in ColumnSumsArgs s)
    {
        if (s.Cols <= 0 || s.Steps <= 0) return;
        _stepColumnSums ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ColumnSumsArgs>(GpuKernels.StepColumnSums);
        _stepColumnSums(Threads(s.Steps, 1, s.Cols), f, NoIds, s);
    }

    /// <summary>steps · rows · cols threads, refused when it does not fit one launch's int index.</summary>
    private static int Threads(int steps, int rows, int cols)
    {
        long threads = (long)steps * rows * cols;
        if (threads > int.MaxValue)
            throw new InvalidOperationException($"{steps} steps of {rows}×{cols} elements exceed one launch ({int.MaxValue} threads).");
        return (int)threads;
    }

    private Action<Index1D, ArrayView<float>, ArrayView<float>, ColumnSumsArgs>? _columnPartialSums, _columnSumsOfPartials;
    private MemoryBuffer1D<float, Stride1D.Dense>? _columnPartials;

    /// <summary>
    /// Sums[c] (+)= Σ_r Source[r, c]. One thread per column walking every row would leave most of the GPU idle and wait on memory
    /// row after row (25,344 rows for a Transformer batch); above one chunk of rows the sum runs in two deterministic stages
    /// through a device-owned scratch buffer. Callers hold <see cref="Sync"/>, as for every launch.
    /// </summary>
    public void ColumnSums(ArrayView<float> f, in ColumnSumsArgs s)
    {
        if (s.Cols <= 0) return;
        int chunks = (s.Rows + GpuKernels.ColumnSumsChunk - 1) / GpuKernels.ColumnSumsChunk;
        if (chunks <= 1)
        {
            _columnSums(s.Cols, f, NoIds, s);
            return;
        }
        long needed = (long)chunks * s.Cols;
        var partial = ColumnScratch(needed);
        _columnPartialSums ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ColumnSumsArgs>(GpuKernels.ColumnPartialSums);
        _columnSumsOfPartials ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ColumnSumsArgs>(GpuKernels.ColumnSumsOfPartials);
        _columnPartialSums((int)needed, f, partial, s);
        _columnSumsOfPartials(s.Cols, f, partial, s);
    }

    /// <summary>The partial sums' scratch, grown to at least <paramref name="length"/> floats (stream order keeps reuse safe).</summary>
    private ArrayView<float> ColumnScratch(long length)
    {
        if (_columnPartials is null || _columnPartials.Length < length)
        {
            // Launches queued on the stream may still read the old scratch: let them finish before freeing it (growth is rare).
            Accelerator.DefaultStream.Synchronize();
            _columnPartials?.Dispose();
            _columnPartials = Accelerator.Allocate1D<float>(length);
        }
        return _columnPartials.View;
    }

    public void Softmax(ArrayView<float> f, in SoftmaxArgs s)
    {
        if (s.Rows > 0) _softmax(s.Rows, f, NoIds, s);
    }

    public void SoftmaxCrossEntropy(ArrayView<float> f, ArrayView<int> ids, in SoftmaxArgs s)
    {
        if (s.Rows > 0) _softmaxCrossEntropy(s.Rows, f, ids, s);
    }

    public void SigmoidCrossEntropy(ArrayView<float> f, ArrayView<int> ids, in SoftmaxArgs s)
    {
        if (s.Rows > 0) _sigmoidCrossEntropy(s.Rows, f, ids, s);
    }

    public void TokenMask(ArrayView<float> f, ArrayView<int> ids, int source, int sourceStride, int rows, int cols, int target, int stride)
    {
        if (rows > 0 && cols > 0) _tokenMask(rows * cols, f, ids, new RowsArgs { Source = source, SourceStride = sourceStride, Target = target, TargetStride = stride, Rows = rows, Cols = cols });
    }

    public void Zero(ArrayView<float> f, int target, int rows, int cols, int stride)
    {
        if (rows > 0 && cols > 0) _zero(rows * cols, f, NoIds, new RowsArgs { Target = target, TargetStride = stride, Rows = rows, Cols = cols });
    }

    /// <summary>Target = Source over [rows, cols]; a source stride of 0 broadcasts one row.</summary>
    private Action<Index1D, ArrayView<float>, ArrayView<int>, RowsArgs>? _transpose;

    /// <summary>Target[c, r] = Source[r, c]: the [rows, cols] source written as [cols, rows] (row stride <paramref name="targetStride"/>).</summary>
    public void Transpose(ArrayView<float> f, int source, int sourceStride, int target, int targetStride, int rows, int cols)
    {
        if (rows <= 0 || cols <= 0) return;
        _transpose ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, RowsArgs>(GpuKernels.Transpose);
        _transpose(rows * cols, f, NoIds, new RowsArgs { Source = source, SourceStride = sourceStride, Target = target, TargetStride = targetStride, Rows = rows, Cols = cols });
    }

    public void Copy(ArrayView<float> f, int source, int sourceStride, int target, int targetStride, int rows, int cols)
    {
        if (rows > 0 && cols > 0)
            _copy(rows * cols, f, NoIds, new RowsArgs { Source = source, SourceStride = sourceStride, Target = target, TargetStride = targetStride, Rows = rows, Cols = cols });
    }
}
