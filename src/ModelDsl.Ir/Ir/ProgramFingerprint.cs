#nullable enable
namespace ModelDsl.Ir
{

/// <summary>A short text naming a program's buffers and sizes: generated code carries the generator's, the runtime checks it.</summary>
public static class ProgramFingerprint
{
    public static string Of(IrProgram program)
    {
        ulong hash = 14695981039346656037UL;
        void Mix(string s)
        {
            foreach (char ch in s) { hash ^= ch; hash *= 1099511628211UL; }
        }
        foreach (var b in program.Buffers) Mix(b.Name + ":" + b.Length + ";");
        // The ops too: a change of gate order, a flag or an offset in the lowering must make stale generated code fail.
        var ops = new OpMixer(Mix);
        ops.VisitAll(program.Forward);
        ops.VisitAll(program.Backward);
        Mix(program.ParameterCount.ToString());
        return program.Buffers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Mixes each op's kind and every field that changes what it computes.</summary>
    private sealed class OpMixer : OpVisitor
    {
        private readonly System.Action<string> _mix;

        public OpMixer(System.Action<string> mix) => _mix = mix;

        private void Mix(Op op, string fields)
        {
            _mix(op.GetType().Name);
            _mix(fields);
        }

        protected override void VisitLoop(LoopOp l) { Mix(l, l.Count + (l.Reverse ? "r" : "f")); VisitAll(l.Body); }
        protected override void VisitMatMul(MatMulOp m) => Mix(m, m.A + "|" + m.TransA + "|" + m.B + "|" + m.TransB + "|" + m.C + "|" + m.Accumulate + "|" + m.Bias);
        protected override void VisitGatherRows(GatherRowsOp g) => Mix(g, g.Table + "|" + g.Ids + "|" + g.Output + "|" + g.Accumulate + "|" + g.Bias);
        protected override void VisitScatterAddRows(ScatterAddRowsOp s) => Mix(s, s.Source + "|" + s.Ids + "|" + s.Table);
        protected override void VisitColumnSums(ColumnSumsOp c) => Mix(c, c.Source + "|" + c.Sums + "|" + c.Accumulate);

        protected override void VisitPointwise(PointwiseOp p)
        {
            _mix(p.GetType().Name);
            foreach (var v in p.Inputs) _mix(v.ToString());
            foreach (var o in p.Outputs) _mix(o.Target + "=" + o.Value + (o.Accumulate ? "+" : ""));
        }

        protected override void VisitSoftmaxCrossEntropy(SoftmaxCrossEntropyOp x) => Mix(x, x.Logits + "|" + x.Targets + "|" + x.DLogits + "|" + x.Binary + "|" + x.Steps + (x.IgnorePadding ? "|padding" : ""));
        protected override void VisitSoftmax(SoftmaxOp s) => Mix(s, s.Logits + "|" + s.Output);
        protected override void VisitDropoutMask(DropoutMaskOp d) => Mix(d, d.Mask + "|" + d.Rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        protected override void VisitZero(ZeroOp z) => Mix(z, z.Target.ToString());
        protected override void VisitTokenMask(TokenMaskOp m) => Mix(m, m.Tokens + "|" + m.Mask);
        protected override void VisitCopy(CopyOp c) => Mix(c, c.Source + "|" + c.Target);
        protected override void VisitAttention(AttentionOp a) => Mix(a, Describe(a));
        protected override void VisitAttentionBackward(AttentionBackwardOp a) => Mix(a, Describe(a.Forward) + "|" + a.DOutput + "|" + a.DQ + "|" + a.DK + "|" + a.DV);
        protected override void VisitCachedAttention(CachedAttentionOp a) => Mix(a, a.Q + "|" + a.K + "|" + a.V + "|" + a.Output + "|" + a.KeyCache + "|" + a.ValueCache + "|" + a.Positions + "|" + a.Heads + "|" + a.KeySize + "|" + a.Capacity + "|" + Describe(a.Mask));
        protected override void VisitLayerNorm(LayerNormOp n) => Mix(n, Describe(n));
        protected override void VisitLayerNormBackward(LayerNormBackwardOp n) => Mix(n, Describe(n.Forward) + "|" + n.DY + "|" + n.DX + "|" + n.DGamma + "|" + n.DBeta);
        protected override void VisitGatherPositions(GatherPositionsOp g) => Mix(g, g.Sequence + "|" + g.Positions + "|" + g.Output);
        protected override void VisitRecordTokens(RecordTokensOp r) => Mix(r, r.Tokens + "|" + r.Positions + "|" + r.History.Name);
        protected override void VisitAdvancePositions(AdvancePositionsOp a) => Mix(a, a.Positions.ToString());
        protected override void VisitGlobalPool(GlobalPoolOp g) => Mix(g, Describe(g));
        protected override void VisitGlobalPoolBackward(GlobalPoolBackwardOp g) => Mix(g, Describe(g.Forward) + "|" + g.DOutput + "|" + g.DInput + "|" + g.DStepStride + "|" + g.Accumulate);

        private static string Describe(object? o) => o switch
        {
            null => "-",
            AttentionOp a => a.Q + "|" + a.K + "|" + a.V + "|" + a.Output + "|" + a.Heads + "|" + a.KeySize + "|" + a.Steps + "|" + a.Causal + "|" + Describe(a.Mask) + "|" + a.Probabilities,
            GlobalPoolOp g => g.Kind + "|" + g.Input + "|" + g.StepStride + "|" + g.Steps + "|" + g.Output + "|" + Describe(g.Mask) + "|" + g.MaskStepStride + "|" + Describe(g.ArgMax),
            KeyTokens k => k.Buffer.Name + "@" + k.Offset + "/" + k.BatchStride + "/" + k.PositionStride,
            LayerNormOp n => n.X + "|" + n.Gamma + "|" + n.Beta + "|" + n.Y + "|" + n.Epsilon.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "|" + n.Mean + "|" + n.InverseStd,
            _ => o.ToString() ?? "",
        };
    }
}
}
