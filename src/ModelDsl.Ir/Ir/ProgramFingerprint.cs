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
        void MixOps(System.Collections.Generic.IReadOnlyList<Op> ops)
        {
            foreach (var op in ops)
            {
                Mix(op.GetType().Name);
                switch (op)
                {
                    case LoopOp l: Mix(l.Count + (l.Reverse ? "r" : "f")); MixOps(l.Body); break;
                    case MatMulOp m: Mix(m.A + "|" + m.TransA + "|" + m.B + "|" + m.TransB + "|" + m.C + "|" + m.Accumulate + "|" + m.Bias); break;
                    case GatherRowsOp g: Mix(g.Table + "|" + g.Ids + "|" + g.Output + "|" + g.Accumulate + "|" + g.Bias); break;
                    case ScatterAddRowsOp s: Mix(s.Source + "|" + s.Ids + "|" + s.Table); break;
                    case ColumnSumsOp c: Mix(c.Source + "|" + c.Sums + "|" + c.Accumulate); break;
                    case PointwiseOp p:
                        foreach (var v in p.Inputs) Mix(v.ToString());
                        foreach (var o in p.Outputs) Mix(o.Target + "=" + o.Value + (o.Accumulate ? "+" : ""));
                        break;
                    case SoftmaxCrossEntropyOp x: Mix(x.Logits + "|" + x.Targets + "|" + x.DLogits + "|" + x.Binary + "|" + x.Steps + (x.IgnorePadding ? "|padding" : "")); break;
                    case SoftmaxOp s: Mix(s.Logits + "|" + s.Output); break;
                    case DropoutMaskOp d: Mix(d.Mask + "|" + d.Rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture)); break;
                    case ZeroOp z: Mix(z.Target.ToString()); break;
                    case TokenMaskOp m: Mix(m.Tokens + "|" + m.Mask); break;
                    case CopyOp c: Mix(c.Source + "|" + c.Target); break;
                    case AttentionOp a: Mix(Describe(a)); break;
                    case AttentionBackwardOp a: Mix(Describe(a.Forward) + "|" + a.DOutput + "|" + a.DQ + "|" + a.DK + "|" + a.DV); break;
                    case CachedAttentionOp a: Mix(a.Q + "|" + a.K + "|" + a.V + "|" + a.Output + "|" + a.KeyCache + "|" + a.ValueCache + "|" + a.Positions + "|" + a.Heads + "|" + a.KeySize + "|" + a.Capacity + "|" + Describe(a.Mask)); break;
                    case LayerNormOp n: Mix(Describe(n)); break;
                    case LayerNormBackwardOp n: Mix(Describe(n.Forward) + "|" + n.DY + "|" + n.DX + "|" + n.DGamma + "|" + n.DBeta); break;
                    case GatherPositionsOp g: Mix(g.Sequence + "|" + g.Positions + "|" + g.Output); break;
                    case RecordTokensOp r: Mix(r.Tokens + "|" + r.Positions + "|" + r.History.Name); break;
                    case AdvancePositionsOp a: Mix(a.Positions.ToString()); break;
                }
            }
        }
        string Describe(object? o) => o switch
        {
            null => "-",
            AttentionOp a => a.Q + "|" + a.K + "|" + a.V + "|" + a.Output + "|" + a.Heads + "|" + a.KeySize + "|" + a.Steps + "|" + a.Causal + "|" + Describe(a.Mask) + "|" + a.Probabilities,
            KeyTokens k => k.Buffer.Name + "@" + k.Offset + "/" + k.BatchStride + "/" + k.PositionStride,
            LayerNormOp n => n.X + "|" + n.Gamma + "|" + n.Beta + "|" + n.Y + "|" + n.Epsilon.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "|" + n.Mean + "|" + n.InverseStd,
            _ => o.ToString() ?? "",
        };
        MixOps(program.Forward);
        MixOps(program.Backward);
        Mix(program.ParameterCount.ToString());
        return program.Buffers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }
}
}
