#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    /// <summary>
    /// An IR pass: which time loops consist of steps that do not depend on each other, so that a renderer may run each of
    /// their ops over every step in one launch (the GPU renderer does; the one-hot input projection, a position embedding
    /// and their gradients would otherwise cost a launch per step). Proves the regions apart for every batch and vocabulary size.
    /// </summary>
    public static class TimeBatching
    {
        /// <summary>
        /// Whether a time loop's ops can each run all their steps in one launch: gathers into per-step outputs, scatter-adds
        /// (atomic, so order-free) and per-step column sums, where no op reads a buffer that an op of the loop writes, so no
        /// step sees another step's (or another op's) results.
        /// </summary>
        public static bool Batchable(LoopOp loop)
        {
            if (loop.Body.Count == 0) return false;
            var read = new HashSet<IrBuffer>();
            // Every write as (view, atomic): plain writes must not meet another step's or another op's.
            var writes = new List<KeyValuePair<View, bool>>();
            foreach (var op in loop.Body)
            {
                switch (op)
                {
                    case GatherRowsOp g when g.Output.IsTimeIndexed && !g.Table.IsTimeIndexed:
                        writes.Add(new KeyValuePair<View, bool>(g.Output, false));
                        read.Add(g.Table.Buffer);
                        read.Add(g.Ids.Buffer);
                        if (g.Bias != null) read.Add(g.Bias.Buffer);
                        break;
                    case ScatterAddRowsOp s when s.Source.IsTimeIndexed && !s.Table.IsTimeIndexed:
                        writes.Add(new KeyValuePair<View, bool>(s.Table, true));
                        read.Add(s.Source.Buffer);
                        read.Add(s.Ids.Buffer);
                        break;
                    case ColumnSumsOp c when c.Source.IsTimeIndexed && c.Sums.IsTimeIndexed:
                        writes.Add(new KeyValuePair<View, bool>(c.Sums, false));
                        read.Add(c.Source.Buffer);
                        break;
                    default:
                        return false;
                }
            }
            try
            {
                for (int i = 0; i < writes.Count; i++)
                {
                    var v = writes[i].Key;
                    if (read.Contains(v.Buffer)) return false;
                    // A plain write's steps must not overlap: |time stride| ≥ the rows and columns one step covers.
                    if (!writes[i].Value && !NonNegative(Abs(v.TimeStride) - Extent(v))) return false;
                    for (int j = 0; j < i; j++)
                    {
                        var u = writes[j].Key;
                        if (u.Buffer != v.Buffer || (writes[i].Value && writes[j].Value)) continue;
                        var (lo1, hi1) = Region(v, loop.Count);
                        var (lo2, hi2) = Region(u, loop.Count);
                        if (!NonNegative(lo2 - hi1) && !NonNegative(lo1 - hi2)) return false;
                    }
                }
            }
            catch (System.InvalidOperationException)
            {
                return false; // a size the checks cannot form (B² or V²): keep the loop
            }
            return true;
        }

        /// <summary>Whether <paramref name="s"/> ≥ 0 for every batch and vocabulary size ≥ 1 (no negative coefficient, ≥ 0 at B = V = 1).</summary>
        private static bool NonNegative(Size s) => s.Batch >= 0 && s.Vocabulary >= 0 && s.BatchVocabulary >= 0 && s.Evaluate(1, 1) >= 0;

        /// <summary>|s| when its sign is known for every B and V, else s itself (which then fails the callers' checks).</summary>
        private static Size Abs(Size s) => NonNegative(s) ? s : NonNegative(Size.Zero - s) ? Size.Zero - s : s;

        /// <summary>Elements from a view's first to past its last in one step.</summary>
        private static Size Extent(View v) => (v.Rows - 1) * v.RowStride + v.Cols;

        /// <summary>[first, past the last) element a (time-indexed) view touches over <paramref name="steps"/> steps.</summary>
        private static (Size Low, Size High) Region(View v, int steps)
        {
            var span = (steps - 1) * v.TimeStride;
            return NonNegative(v.TimeStride) ? (v.Offset, v.Offset + span + Extent(v)) : (v.Offset + span, v.Offset + Extent(v));
        }

    }
}
