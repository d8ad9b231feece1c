#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    /// <summary>One step of a lowered program. Every renderer and the float64 interpreter implement each kind.</summary>
    public abstract class Op
    {
        /// <summary>Why this op exists, for the comment above its rendering (e.g. "lstm: h·U for step t").</summary>
        public string Comment { get; set; } = "";
    }

    /// <summary>C (+)= op(A)·op(B) [+ bias broadcast over rows]. M = C.Rows, N = C.Cols, K from A.</summary>
    public sealed class MatMulOp : Op
    {
        public MatMulOp(View a, bool transA, View b, bool transB, View c, bool accumulate, View? bias = null)
        {
            A = a; TransA = transA; B = b; TransB = transB; C = c; Accumulate = accumulate; Bias = bias;
        }
        public View A { get; }
        public bool TransA { get; }
        public View B { get; }
        public bool TransB { get; }
        public View C { get; }
        public bool Accumulate { get; }
        /// <summary>A [1, N] row added to every row of C (only when not accumulating).</summary>
        public View? Bias { get; }
        public Size M => C.Rows;
        public Size N => C.Cols;
        public Size K => TransA ? A.Rows : A.Cols;
    }

    /// <summary>Output[r, :] (+)= Table[Ids[r], :] [+ bias]: an embedding lookup, or one-hot·W as a row gather.</summary>
    public sealed class GatherRowsOp : Op
    {
        public GatherRowsOp(View table, IdView ids, View output, bool accumulate, View? bias = null)
        {
            Table = table; Ids = ids; Output = output; Accumulate = accumulate; Bias = bias;
        }
        public View Table { get; }
        public IdView Ids { get; }
        public View Output { get; }
        public bool Accumulate { get; }
        public View? Bias { get; }
    }

    /// <summary>Table[Ids[r], :] += Source[r, :]: the backward of a gather.</summary>
    public sealed class ScatterAddRowsOp : Op
    {
        public ScatterAddRowsOp(View source, IdView ids, View table) { Source = source; Ids = ids; Table = table; }
        public View Source { get; }
        public IdView Ids { get; }
        public View Table { get; }
    }

    /// <summary>Sums[c] (+)= Σ_r Source[r, c]: bias gradients.</summary>
    public sealed class ColumnSumsOp : Op
    {
        public ColumnSumsOp(View source, View sums, bool accumulate) { Source = source; Sums = sums; Accumulate = accumulate; }
        public View Source { get; }
        public View Sums { get; }
        public bool Accumulate { get; }
    }

    /// <summary>One output of a fused pointwise op.</summary>
    public sealed class PointwiseOutput
    {
        public PointwiseOutput(View target, Expr value, bool accumulate) { Target = target; Value = value; Accumulate = accumulate; }
        public View Target { get; }
        public Expr Value { get; }
        public bool Accumulate { get; }
    }

    /// <summary>
    /// A fused elementwise computation over a [Rows, Cols] grid: every output is an expression of the inputs'
    /// elements at the same (r, c). Computed in one pass; the backward is another pointwise op derived symbolically.
    /// </summary>
    public sealed class PointwiseOp : Op
    {
        public PointwiseOp(string name, Size rows, Size cols, IReadOnlyList<View> inputs, IReadOnlyList<PointwiseOutput> outputs)
        {
            Name = name; Rows = rows; Cols = cols; Inputs = inputs; Outputs = outputs;
        }
        /// <summary>Kernel name, unique within a program (e.g. "lstm_cell_forward").</summary>
        public string Name { get; }
        public Size Rows { get; }
        public Size Cols { get; }
        public IReadOnlyList<View> Inputs { get; }
        public IReadOnlyList<PointwiseOutput> Outputs { get; }
    }

    /// <summary>
    /// Fused softmax + sparse categorical cross-entropy over rows of logits: adds Σ_r −log p[r, target r] / N to the
    /// program's loss, and (when training) writes DLogits = (p − onehot) / N, where N is the number of positions scored.
    /// </summary>
    public sealed class SoftmaxCrossEntropyOp : Op
    {
        public SoftmaxCrossEntropyOp(View logits, IdView targets, View? dLogits, bool binary = false, int steps = 1, bool ignorePadding = false)
        {
            Logits = logits; Targets = targets; DLogits = dLogits; Binary = binary; Steps = steps; IgnorePadding = ignorePadding;
        }
        /// <summary>How many such ops (one per time step) share the mean: N is rows·Steps, less the padding when <see cref="IgnorePadding"/>.</summary>
        public int Steps { get; }
        /// <summary>
        /// Target id 0 is padding (a model with mask_zero): such a row adds nothing to the loss and gets dLogits 0, and N counts
        /// only the targets ≠ 0 among all rows·Steps of <see cref="Targets"/> (at least 1, so a batch of padding has loss 0).
        /// The runtime counts them from the staged targets before the forward.
        /// </summary>
        public bool IgnorePadding { get; }
        public View Logits { get; }
        public IdView Targets { get; }
        public View? DLogits { get; }
        /// <summary>
        /// One logit per row and targets 0/1: binary cross-entropy of the sigmoid, softplus(z) − y·z computed stably,
        /// with dLogits = (σ(z) − y)/rows.
        /// </summary>
        public bool Binary { get; }
    }

    /// <summary>Row-wise softmax.</summary>
    public sealed class SoftmaxOp : Op
    {
        public SoftmaxOp(View logits, View output) { Logits = logits; Output = output; }
        public View Logits { get; }
        public View Output { get; }
    }

    /// <summary>Fills Mask with 1/(1−Rate) where kept and 0 where dropped, from the program's random stream.</summary>
    public sealed class DropoutMaskOp : Op
    {
        public DropoutMaskOp(View mask, double rate) { Mask = mask; Rate = rate; }
        public View Mask { get; }
        public double Rate { get; }
    }

    /// <summary>Mask[r, :] = 1 where Tokens[r] ≠ 0, else 0 (Keras mask_zero: id 0 is padding).</summary>
    public sealed class TokenMaskOp : Op
    {
        public TokenMaskOp(IdView tokens, View mask) { Tokens = tokens; Mask = mask; }
        public IdView Tokens { get; }
        public View Mask { get; }
    }

    public sealed class ZeroOp : Op
    {
        public ZeroOp(View target) { Target = target; }
        public View Target { get; }
    }

    public sealed class CopyOp : Op
    {
        public CopyOp(View source, View target) { Source = source; Target = target; }
        public View Source { get; }
        public View Target { get; }
    }

    /// <summary>Runs Body for t = 0..Count−1 (or backwards); time-indexed views inside step with t.</summary>
    public sealed class LoopOp : Op
    {
        public LoopOp(int count, bool reverse, IReadOnlyList<Op> body) { Count = count; Reverse = reverse; Body = body; }
        public int Count { get; }
        public bool Reverse { get; }
        public IReadOnlyList<Op> Body { get; }
    }

    /// <summary>
    /// Where an attention op finds the token ids that mark padded keys: the id of batch row b at position s is at
    /// Offset + b·BatchStride + s·PositionStride of Buffer. Keys whose id is 0 are ignored.
    /// </summary>
    public sealed class KeyTokens
    {
        public KeyTokens(IrBuffer buffer, Size offset, Size batchStride, Size positionStride)
        {
            Buffer = buffer; Offset = offset; BatchStride = batchStride; PositionStride = positionStride;
        }
        public IrBuffer Buffer { get; }
        public Size Offset { get; }
        public Size BatchStride { get; }
        public Size PositionStride { get; }
    }

    /// <summary>
    /// Multi-head scaled dot-product attention over time-major rows (row t·B + b is position t of batch row b), fused:
    /// for each batch row b, head h and query position t, scores q·k/√d over the allowed keys s (s ≤ t when causal, and
    /// not padding when <see cref="Mask"/> is set), a softmax, and Out = Σ_s p_s·v_s. Head h uses columns [h·d, (h+1)·d)
    /// of Q, K, V and Out. A query with no allowed key gets zeros. When <see cref="Probabilities"/> is set (training) the
    /// softmax weights are saved there as [B, H, T, T] (zero where not allowed) for the backward.
    /// </summary>
    public sealed class AttentionOp : Op
    {
        public AttentionOp(View q, View k, View v, View output, int heads, int keySize, int steps, bool causal, KeyTokens? mask, View? probabilities)
        {
            Q = q; K = k; V = v; Output = output; Heads = heads; KeySize = keySize; Steps = steps; Causal = causal; Mask = mask; Probabilities = probabilities;
        }
        public View Q { get; }
        public View K { get; }
        public View V { get; }
        public View Output { get; }
        public int Heads { get; }
        public int KeySize { get; }
        /// <summary>Positions T; the views have T·B rows.</summary>
        public int Steps { get; }
        public bool Causal { get; }
        public KeyTokens? Mask { get; }
        /// <summary>[B·H·T, T] contiguous, or null when nothing is saved (inference).</summary>
        public View? Probabilities { get; }
        public double Scale => 1.0 / System.Math.Sqrt(KeySize);
    }

    /// <summary>
    /// The backward of <see cref="AttentionOp"/> from its saved probabilities P: dV_s = Σ_t P_ts·dOut_t,
    /// dS_ts = P_ts·(dOut_t·v_s − Σ_s' P_ts'·dOut_t·v_s'), dQ_t = scale·Σ_s dS_ts·k_s, dK_s = scale·Σ_t dS_ts·q_t.
    /// DQ, DK and DV are assigned (not accumulated).
    /// </summary>
    public sealed class AttentionBackwardOp : Op
    {
        public AttentionBackwardOp(AttentionOp forward, View dOutput, View dq, View dk, View dv)
        {
            Forward = forward; DOutput = dOutput; DQ = dq; DK = dk; DV = dv;
        }
        public AttentionOp Forward { get; }
        public View DOutput { get; }
        public View DQ { get; }
        public View DK { get; }
        public View DV { get; }
    }

    /// <summary>
    /// One new position of attention with a key/value cache (stateful sampling): for batch row b at position
    /// p = Positions[b], writes the new key and value rows into the caches at row p·B + b, then attends from Q over the
    /// cached positions 0..p (causal by construction; padded keys skipped when <see cref="Mask"/> is set).
    /// </summary>
    public sealed class CachedAttentionOp : Op
    {
        public CachedAttentionOp(View q, View k, View v, View output, View keyCache, View valueCache, IdView positions, int heads, int keySize, int capacity, KeyTokens? mask)
        {
            Q = q; K = k; V = v; Output = output; KeyCache = keyCache; ValueCache = valueCache; Positions = positions;
            Heads = heads; KeySize = keySize; Capacity = capacity; Mask = mask;
        }
        /// <summary>[B, H·d] each: this position's query, key and value.</summary>
        public View Q { get; }
        public View K { get; }
        public View V { get; }
        public View Output { get; }
        /// <summary>[Capacity·B, H·d], time-major.</summary>
        public View KeyCache { get; }
        public View ValueCache { get; }
        public IdView Positions { get; }
        public int Heads { get; }
        public int KeySize { get; }
        public int Capacity { get; }
        public KeyTokens? Mask { get; }
        public double Scale => 1.0 / System.Math.Sqrt(KeySize);
    }

    /// <summary>
    /// Layer normalisation of each row of X: Y = γ·(x − μ)/√(σ² + ε) + β with the row's mean μ and (biased) variance σ².
    /// When <see cref="Mean"/> and <see cref="InverseStd"/> are set (training) they are saved ([rows, 1] each) for the backward.
    /// </summary>
    public sealed class LayerNormOp : Op
    {
        public LayerNormOp(View x, View gamma, View beta, View y, double epsilon, View? mean, View? inverseStd)
        {
            X = x; Gamma = gamma; Beta = beta; Y = y; Epsilon = epsilon; Mean = mean; InverseStd = inverseStd;
        }
        public View X { get; }
        public View Gamma { get; }
        public View Beta { get; }
        public View Y { get; }
        public double Epsilon { get; }
        public View? Mean { get; }
        public View? InverseStd { get; }
    }

    /// <summary>
    /// The backward of <see cref="LayerNormOp"/>: with x̂ = (x − μ)·r and g = dY·γ, dX = r·(g − mean(g) − x̂·mean(g·x̂))
    /// (assigned), dγ += Σ_rows dY·x̂, dβ += Σ_rows dY.
    /// </summary>
    public sealed class LayerNormBackwardOp : Op
    {
        public LayerNormBackwardOp(LayerNormOp forward, View dY, View dX, View dGamma, View dBeta)
        {
            Forward = forward; DY = dY; DX = dX; DGamma = dGamma; DBeta = dBeta;
        }
        public LayerNormOp Forward { get; }
        public View DY { get; }
        public View DX { get; }
        public View DGamma { get; }
        public View DBeta { get; }
    }

    /// <summary>Output[b, :] = Sequence[Positions[b]·B + b, :]: the row of one chosen position per batch row of a time-major sequence.</summary>
    public sealed class GatherPositionsOp : Op
    {
        public GatherPositionsOp(View sequence, IdView positions, View output) { Sequence = sequence; Positions = positions; Output = output; }
        /// <summary>[T·B, W], time-major.</summary>
        public View Sequence { get; }
        public IdView Positions { get; }
        public View Output { get; }
    }

    /// <summary>History[Positions[b]·B + b] = Tokens[b]: the token ids a step program has seen, for the padding mask of cached keys.</summary>
    public sealed class RecordTokensOp : Op
    {
        public RecordTokensOp(IdView tokens, IdView positions, IrBuffer history) { Tokens = tokens; Positions = positions; History = history; }
        public IdView Tokens { get; }
        public IdView Positions { get; }
        public IrBuffer History { get; }
    }

    /// <summary>Positions[b] += 1 for every batch row: the end of one cached step.</summary>
    public sealed class AdvancePositionsOp : Op
    {
        public AdvancePositionsOp(IdView positions) { Positions = positions; }
        public IdView Positions { get; }
    }
}
