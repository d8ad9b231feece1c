#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    /// <summary>
    /// An IR pass: which recurrent steps a renderer may run as one kernel, the per-step product with its cell (forward) or
    /// the cell's backward with the product dz·Uᵀ (backward). It proves, from the views alone, that no thread of the fused
    /// kernel reads what another writes; the GPU renderer launches each pair it finds as one kernel (docs/architecture.md,
    /// "Fewer launches"), and any renderer may read the result.
    /// </summary>
    public static class RecurrentStepFusion
    {
        /// <summary>
        /// Largest recurrent matrix U, as stored ([state width, gates × state width]), whose step is fused: a forward thread
        /// computes its slices' dot products over U's rows, a backward thread one dot product over U's columns, for each of
        /// its rows.
        /// </summary>
        public const int MaxURows = 256, MaxUCols = 1024;

        /// <summary>Every fusable pair of the program, by product and by cell (an op belongs to one pair at most).</summary>
        public static Dictionary<Op, FusedStep> Find(IrProgram program)
        {
            var fused = new Dictionary<Op, FusedStep>();
            CollectFusedSteps(program.Forward, fused);
            CollectFusedSteps(program.Backward, fused);
            return fused;
        }

        private static void CollectFusedSteps(IReadOnlyList<Op> ops, Dictionary<Op, FusedStep> fused)
        {
            for (int i = 0; i < ops.Count; i++)
            {
                if (ops[i] is LoopOp loop) CollectFusedSteps(loop.Body, fused);
                else if (ops[i] is MatMulOp m && i + 1 < ops.Count && ops[i + 1] is PointwiseOp p && TryFuse(m, p) is FusedStep step)
                {
                    fused[m] = step;
                    fused[p] = step;
                    i++; // an op belongs to one fused pair at most
                }
                else if (ops[i] is PointwiseOp q && i + 1 < ops.Count && ops[i + 1] is MatMulOp n && TryFuseBackward(q, n) is FusedStep back)
                {
                    fused[q] = back;
                    fused[n] = back;
                    i++;
                }
            }
        }

        /// <summary>
        /// A per-step recurrent product C (+)= A·U (+ bias) followed by the cell that reads C only as whole column slices
        /// [j·cols, (j+1)·cols), which together cover C: thread (r, c) can then compute its own C[r, j·cols + c] for every j
        /// and run the cell on them, with no other thread reading or writing those elements. Null when any condition fails:
        /// transposes, a non-constant or too large U, cell outputs over A's rows of this step or over U, other uses of C.
        /// </summary>
        public static FusedStep? TryFuse(MatMulOp m, PointwiseOp p)
        {
            if (m.TransA || m.TransB || !m.N.IsConstant || !m.K.IsConstant || !p.Cols.IsConstant) return null;
            long n = m.N.Constant, k = m.K.Constant, cols = p.Cols.Constant;
            if (k > MaxURows || n > MaxUCols || cols <= 0 || n % cols != 0 || p.Rows != m.M) return null;
            if (m.B.IsTimeIndexed || !m.A.IsTimeIndexed || !m.C.IsTimeIndexed) return null;
            int slices = (int)(n / cols);
            var sliceOf = new int[p.Inputs.Count];
            var covered = new bool[slices];
            for (int i = 0; i < p.Inputs.Count; i++)
            {
                sliceOf[i] = -1;
                var v = p.Inputs[i];
                if (v.Buffer != m.C.Buffer) continue;
                int j = SliceIndex(m.C, v, cols, slices);
                if (j < 0) return null;
                sliceOf[i] = j;
                covered[j] = true;
            }
            foreach (var c in covered)
                if (!c) return null;
            var slab = m.A.Rows * m.A.RowStride;
            foreach (var o in p.Outputs)
            {
                var v = o.Target;
                if (v.Buffer == m.B.Buffer) return null;
                if (v.Buffer == m.C.Buffer && SliceIndex(m.C, v, cols, slices) < 0) return null;
                if (v.Buffer == m.A.Buffer)
                {
                    // The next step's state beside this step's (either time direction): never over the rows being read.
                    var d = v.Offset - m.A.Offset;
                    if (v.TimeStride != m.A.TimeStride || v.RowStride != m.A.RowStride || (d != slab && d != Size.Zero - slab)) return null;
                }
            }
            return new FusedStep(m, p, sliceOf, slices, cols);
        }

        /// <summary>Which column slice of C the view is (same strides, a constant offset of j·cols), or -1.</summary>
        private static int SliceIndex(View c, View v, long cols, int slices)
        {
            if (v.RowStride != c.RowStride || v.TimeStride != c.TimeStride || v.Rows != c.Rows || !v.Cols.IsConstant || v.Cols.Constant != cols) return -1;
            var d = v.Offset - c.Offset;
            if (!d.IsConstant || d.Constant < 0 || d.Constant % cols != 0 || d.Constant / cols >= slices) return -1;
            return (int)(d.Constant / cols);
        }

        /// <summary>
        /// The backward of a recurrent step: the cell's backward writes dz_t (every column slice of the product's A), then
        /// dh_{t-1} (+)= dz_t·Uᵀ. Fused into one kernel of one group per a few rows (the GPU renderer's <c>FusedRows</c>) and one thread per
        /// cell column: each thread runs the cell backward for its rows, the group waits at a barrier (its rows of dz_t are
        /// then all written), and thread c computes dh_{t-1}[r, c] for the group's rows. Accepted only when the product's
        /// columns are the cell's (thread c owns C[r, c] in both halves), the cell writes every slice of A and writes C only
        /// as exactly C's view, and reads C's buffer only there or in an adjacent time slot (never rows another group writes).
        /// </summary>
        public static FusedStep? TryFuseBackward(PointwiseOp p, MatMulOp m)
        {
            if (m.TransA || !m.TransB || m.Bias != null || !m.N.IsConstant || !m.K.IsConstant || !p.Cols.IsConstant) return null;
            long n = m.N.Constant, k = m.K.Constant, cols = p.Cols.Constant;
            // op(B) = Uᵀ: U is stored [n, k], so n is its row count and k its column count.
            if (n != cols || n > MaxURows || k > MaxUCols || cols <= 0 || k % cols != 0 || p.Rows != m.M) return null;
            if (m.B.IsTimeIndexed || !m.A.IsTimeIndexed || !m.C.IsTimeIndexed) return null;
            if (m.A.Buffer == m.C.Buffer || m.A.Buffer == m.B.Buffer || m.C.Buffer == m.B.Buffer) return null;
            int slices = (int)(k / cols);
            var covered = new bool[slices];
            var slab = m.C.Rows * m.C.RowStride;
            foreach (var o in p.Outputs)
            {
                var v = o.Target;
                if (v.Buffer == m.B.Buffer) return null;
                if (v.Buffer == m.A.Buffer)
                {
                    int j = SliceIndex(m.A, v, cols, slices);
                    if (j < 0) return null;
                    covered[j] = true;
                }
                if (v.Buffer == m.C.Buffer && !SameView(v, m.C)) return null;
            }
            foreach (var c in covered)
                if (!c) return null;
            foreach (var v in p.Inputs)
            {
                if (v.Buffer == m.A.Buffer && SliceIndex(m.A, v, cols, slices) < 0) return null;
                if (v.Buffer == m.C.Buffer && !SameView(v, m.C))
                {
                    var d = v.Offset - m.C.Offset;
                    if (v.TimeStride != m.C.TimeStride || v.RowStride != m.C.RowStride || (d != slab && d != Size.Zero - slab)) return null;
                }
            }
            return new FusedStep(m, p, System.Array.Empty<int>(), slices, cols, backward: true);
        }

        private static bool SameView(View a, View b) =>
            a.Buffer == b.Buffer && a.Offset == b.Offset && a.RowStride == b.RowStride && a.TimeStride == b.TimeStride && a.Rows == b.Rows && a.Cols == b.Cols;
    }

    /// <summary>A recurrent step whose product and cell may run as one kernel (<see cref="RecurrentStepFusion"/>).</summary>
    public sealed class FusedStep
    {
        public FusedStep(MatMulOp product, PointwiseOp cell, int[] sliceOf, int slices, long cols, bool backward = false)
        {
            Product = product;
            Cell = cell;
            SliceOf = sliceOf;
            Slices = slices;
            Cols = cols;
            Backward = backward;
        }

        /// <summary>The backward order: cell, barrier, then the product dz·Uᵀ (a grouped kernel).</summary>
        public bool Backward { get; }

        public MatMulOp Product { get; }
        public PointwiseOp Cell { get; }
        /// <summary>Forward: per cell input, which column slice of the product it is, or -1 for any other input (empty for a backward step).</summary>
        public int[] SliceOf { get; }
        public int Slices { get; }
        public long Cols { get; }
    }
}
