using ILGPU;
using ILGPU.Runtime;

namespace ModelDsl.Gpu;

// The attention family's launches: fused attention, layer normalisation and the position bookkeeping of step and infer
// programs, over a program's float arena f and int arena ids.
public sealed partial class GpuDevice
{
    private Action<Index1D, ArrayView<float>, ArrayView<int>, AttentionArgs> _attention = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, AttentionBackwardArgs> _attentionBackwardQueries = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, AttentionBackwardArgs> _attentionBackwardKeys = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, CachedAttentionArgs> _cachedAttention = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, LayerNormArgs> _layerNorm = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, LayerNormArgs> _layerNormBackwardRows = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, LayerNormArgs> _layerNormBackwardColumns = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, PositionArgs> _gatherPositions = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, PositionArgs> _recordTokens = null!;
    private Action<Index1D, ArrayView<float>, ArrayView<int>, PositionArgs> _advancePositions = null!;

    private void LoadAttentionKernels()
    {
        var a = Accelerator;
        _attention = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, AttentionArgs>(GpuKernels.Attention);
        _attentionBackwardQueries = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, AttentionBackwardArgs>(GpuKernels.AttentionBackwardQueries);
        _attentionBackwardKeys = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, AttentionBackwardArgs>(GpuKernels.AttentionBackwardKeys);
        _cachedAttention = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, CachedAttentionArgs>(GpuKernels.CachedAttention);
        _layerNorm = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, LayerNormArgs>(GpuKernels.LayerNorm);
        _layerNormBackwardRows = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, LayerNormArgs>(GpuKernels.LayerNormBackwardRows);
        _layerNormBackwardColumns = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, LayerNormArgs>(GpuKernels.LayerNormBackwardColumns);
        _gatherPositions = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, PositionArgs>(GpuKernels.GatherPositions);
        _recordTokens = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, PositionArgs>(GpuKernels.RecordTokens);
        _advancePositions = a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, PositionArgs>(GpuKernels.AdvancePositions);
    }

    /// <summary>One thread per (sample, head, query position).</summary>
    public void Attention(ArrayView<float> f, ArrayView<int> ids, in AttentionArgs a)
    {
        int rows = a.Batch * a.Heads * a.Steps;
        if (rows > 0 && a.KeySize > 0) _attention(rows, f, ids, a);
    }

    /// <summary>Two launches in stream order: query rows (dQ and the row sums D_t), then key rows (dK, dV, reading D_t).</summary>
    public void AttentionBackward(ArrayView<float> f, in AttentionBackwardArgs a)
    {
        int rows = a.Batch * a.Heads * a.Steps;
        if (rows <= 0 || a.KeySize <= 0) return;
        _attentionBackwardQueries(rows, f, NoIds, a);
        _attentionBackwardKeys(rows, f, NoIds, a);
    }

    /// <summary>One thread per (sample, head).</summary>
    public void CachedAttention(ArrayView<float> f, ArrayView<int> ids, in CachedAttentionArgs a)
    {
        int units = a.Batch * a.Heads;
        if (units > 0 && a.KeySize > 0) _cachedAttention(units, f, ids, a);
    }

    /// <summary>One thread per row.</summary>
    public void LayerNorm(ArrayView<float> f, in LayerNormArgs a)
    {
        if (a.Rows > 0 && a.Cols > 0) _layerNorm(a.Rows, f, NoIds, a);
    }

    /// <summary>
    /// The parameter sums first (one thread per column), then dX (one thread per row): dX is then free to overwrite dY, which
    /// the sums read.
    /// </summary>
    private Action<Index1D, ArrayView<float>, ArrayView<float>, LayerNormArgs>? _layerNormBackwardPartials, _layerNormBackwardOfPartials;

    /// <summary>dγ and dβ first (one thread per column for one chunk of rows, else two deterministic stages), then dX per row.</summary>
    public void LayerNormBackward(ArrayView<float> f, in LayerNormArgs a)
    {
        if (a.Rows <= 0 || a.Cols <= 0) return;
        int chunks = (a.Rows + GpuKernels.ColumnSumsChunk - 1) / GpuKernels.ColumnSumsChunk;
        if (chunks <= 1)
        {
            _layerNormBackwardColumns(a.Cols, f, NoIds, a);
        }
        else
        {
            var partial = ColumnScratch(2L * chunks * a.Cols);
            _layerNormBackwardPartials ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, LayerNormArgs>(GpuKernels.LayerNormBackwardPartials);
            _layerNormBackwardOfPartials ??= Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, LayerNormArgs>(GpuKernels.LayerNormBackwardOfPartials);
            _layerNormBackwardPartials(chunks * a.Cols, f, partial, a);
            _layerNormBackwardOfPartials(a.Cols, f, partial, a);
        }
        _layerNormBackwardRows(a.Rows, f, NoIds, a);
    }

    public void GatherPositions(ArrayView<float> f, ArrayView<int> ids, in PositionArgs a)
    {
        if (a.Batch > 0 && a.Cols > 0) _gatherPositions(a.Batch * a.Cols, f, ids, a);
    }

    public void RecordTokens(ArrayView<float> f, ArrayView<int> ids, in PositionArgs a)
    {
        if (a.Batch > 0) _recordTokens(a.Batch, f, ids, a);
    }

    public void AdvancePositions(ArrayView<float> f, ArrayView<int> ids, in PositionArgs a)
    {
        if (a.Batch > 0) _advancePositions(a.Batch, f, ids, a);
    }
}
