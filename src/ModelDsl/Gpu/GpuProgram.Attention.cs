namespace ModelDsl.Gpu;

// The attention family as the generated code calls it: arena offsets and strides in the CPU kernels' argument order
// (ModelDsl.Cpu.Attention, LayerNorm, PositionOps). A mask offset of -1 means no padding mask; any other is an offset into
// the int arena (the input ids, or a step program's token history).
public abstract partial class GpuProgram
{
    protected void Attention(int q, int qStride, int k, int kStride, int v, int vStride, int output, int outputStride,
        int batch, int steps, int heads, int keySize, bool causal, int mask, int maskBatchStride, int maskPositionStride, int probabilities) =>
        Device.Attention(Floats, Ints, new AttentionArgs
        {
            Q = q, QStride = qStride, K = k, KStride = kStride, V = v, VStride = vStride, Output = output, OutputStride = outputStride,
            Batch = batch, Steps = steps, Heads = heads, KeySize = keySize, Causal = causal ? 1 : 0,
            Mask = mask, MaskBatchStride = maskBatchStride, MaskPositionStride = maskPositionStride, Probabilities = probabilities,
            Scale = 1f / MathF.Sqrt(keySize),
        });

    /// <summary>dQ, dK, dV (assigned) from the saved weights; the per-row sums D_t go through this program's scratch.</summary>
    protected void AttentionBackward(int q, int qStride, int k, int kStride, int v, int vStride, int probabilities, int dOutput, int dOutputStride,
        int dq, int dqStride, int dk, int dkStride, int dv, int dvStride, int batch, int steps, int heads, int keySize) =>
        Device.AttentionBackward(Floats, new AttentionBackwardArgs
        {
            Q = q, QStride = qStride, K = k, KStride = kStride, V = v, VStride = vStride, Probabilities = probabilities,
            DOutput = dOutput, DOutputStride = dOutputStride, DQ = dq, DQStride = dqStride, DK = dk, DKStride = dkStride, DV = dv, DVStride = dvStride,
            Batch = batch, Steps = steps, Heads = heads, KeySize = keySize, RowSums = _rowSumsBase, Scale = 1f / MathF.Sqrt(keySize),
        });

    /// <summary>
    /// One new position per sample with the key/value caches. Positions stay in [0, capacity): they start at 0 after
    /// <see cref="ResetState"/> and advance once per call, and <see cref="Runtime.ProgramExecutor.CountCachedStep"/> refuses
    /// the call that would pass the capacity (the kernel itself cannot throw).
    /// </summary>
    protected void CachedAttention(int q, int qStride, int k, int kStride, int v, int vStride, int output, int outputStride,
        int keyCache, int valueCache, int cacheStride, int positions, int batch, int heads, int keySize, int capacity,
        int mask, int maskBatchStride, int maskPositionStride) =>
        Device.CachedAttention(Floats, Ints, new CachedAttentionArgs
        {
            Q = q, QStride = qStride, K = k, KStride = kStride, V = v, VStride = vStride, Output = output, OutputStride = outputStride,
            KeyCache = keyCache, ValueCache = valueCache, CacheStride = cacheStride, Positions = positions,
            Batch = batch, Heads = heads, KeySize = keySize,
            Mask = mask, MaskBatchStride = maskBatchStride, MaskPositionStride = maskPositionStride, Scale = 1f / MathF.Sqrt(keySize),
        });

    /// <summary>Y = γ·(x − μ)/√(σ² + ε) + β per row; <paramref name="mean"/> and <paramref name="inverseStd"/> are -1 when not saved.</summary>
    protected void LayerNorm(int x, int xStride, int gamma, int beta, int y, int yStride, int rows, int cols, float epsilon, int mean, int inverseStd) =>
        Device.LayerNorm(Floats, new LayerNormArgs
        {
            X = x, XStride = xStride, Gamma = gamma, Beta = beta, Y = y, YStride = yStride, Rows = rows, Cols = cols,
            Epsilon = epsilon, Mean = mean, InverseStd = inverseStd,
        });

    /// <summary>dX assigned, dγ and dβ accumulated.</summary>
    protected void LayerNormBackward(int x, int xStride, int gamma, int mean, int inverseStd, int dy, int dyStride, int dx, int dxStride,
        int dGamma, int dBeta, int rows, int cols) =>
        Device.LayerNormBackward(Floats, new LayerNormArgs
        {
            X = x, XStride = xStride, Gamma = gamma, Mean = mean, InverseStd = inverseStd, DY = dy, DYStride = dyStride,
            DX = dx, DXStride = dxStride, DGamma = dGamma, DBeta = dBeta, Rows = rows, Cols = cols,
        });

    /// <summary>output[b, :] = sequence[positions[b]·B + b, :]; positions were checked on the host (<see cref="Runtime.ProgramExecutor.ValidateIds"/>).</summary>
    // steps and capacity are in the CPU kernels' argument order but not passed on: the host has already bounded every
    // position (ProgramExecutor.ValidateIds checks query positions, CountCachedStep refuses a step past the cache).
    protected void GatherPositions(int sequence, int sequenceStride, int positions, int batch, int steps, int cols, int output, int outputStride) =>
        Device.GatherPositions(Floats, Ints, new PositionArgs
        {
            Sequence = sequence, SequenceStride = sequenceStride, Positions = positions, Batch = batch, Cols = cols, Output = output, OutputStride = outputStride,
        });

    /// <summary>history[positions[b]·B + b] = tokens[b·tokenStride].</summary>
    protected void RecordTokens(int tokens, int tokenStride, int positions, int history, int batch, int capacity) =>
        Device.RecordTokens(Floats, Ints, new PositionArgs { Tokens = tokens, TokenStride = tokenStride, Positions = positions, History = history, Batch = batch });

    protected void AdvancePositions(int positions, int batch) =>
        Device.AdvancePositions(Floats, Ints, new PositionArgs { Positions = positions, Batch = batch });
}
