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
    /// Fused softmax + sparse categorical cross-entropy over rows of logits: adds Σ_r −log p[r, target r] · LossScale to the
    /// program's loss, and (when training) writes DLogits = GradientScale · (p − onehot).
    /// </summary>
    public sealed class SoftmaxCrossEntropyOp : Op
    {
        public SoftmaxCrossEntropyOp(View logits, IdView targets, View? dLogits, bool binary = false, int steps = 1) { Logits = logits; Targets = targets; DLogits = dLogits; Binary = binary; Steps = steps; }
        /// <summary>How many such ops (one per time step) share the mean: loss and dLogits are divided by rows·Steps.</summary>
        public int Steps { get; }
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
}
