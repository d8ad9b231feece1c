#nullable enable
using System;
using System.Collections.Generic;
using System.Globalization;

namespace ModelDsl.Ir
{
    public static partial class Lowering
    {
        internal sealed partial class Lowerer
        {
            /// <summary>
            /// Keras GRU, reset_after=True (the TF2 default): the recurrent product has its own bias and the reset gate
            /// multiplies it. x-projection [T, B, 3H] for all steps; per step r_t = h_{t−1}·U + b_rec (saved for backward)
            /// and one fused pointwise step. Gate blocks z, r, h.
            /// </summary>
            internal void GruDirection(int h, Value input, Direction d, List<Op>? block)
            {
                string name = d.Prefix;
                var kernel = DirectionParameter(d, "kernel", input.Width, 3 * h, InitKind.GlorotUniform);
                var recurrent = DirectionParameter(d, "recurrent_kernel", h, 3 * h, InitKind.Orthogonal);
                var bias = DirectionParameter(d, "bias", 2, 3 * h, InitKind.Zeros); // row 0: input bias, row 1: recurrent bias
                var inputBias = new View(_params, bias.Offset, 1, 3 * h, 3 * h);
                var recurrentBias = new View(_params, bias.Offset + 3 * h, 1, 3 * h, 3 * h);
                var (xStep, xAll, _) = DirectionSequence(d, name + "_x", 3 * h, BufferKind.Activation);
                var (rStep, rAll, _) = DirectionSequence(d, name + "_r", 3 * h, BufferKind.Activation);
                StartState(d);
                InputProjection(name, input, DirectionTokens(d, input), kernel, inputBias, xStep, xAll);

                var xs = GateBlocks3(xStep, h);
                var rs = GateBlocks3(rStep, h);
                var z = Expr.Sigmoid(Expr.In(0) + Expr.In(3));
                var r = Expr.Sigmoid(Expr.In(1) + Expr.In(4));
                var candidate = Expr.Tanh(Expr.In(2) + r * Expr.In(5));
                var hOut = z * Expr.In(6) + (Expr.Const(1) - z) * candidate;
                var mask = DirectionMask(d, input, h);
                if (mask != null) hOut = Masked(hOut, Expr.In(6), Expr.In(7));
                var cell = new PointwiseOp(name + "_cell", Size.B, h,
                    mask is null ? new[] { xs[0], xs[1], xs[2], rs[0], rs[1], rs[2], d.HPrev } : new[] { xs[0], xs[1], xs[2], rs[0], rs[1], rs[2], d.HPrev, mask },
                    new[] { new PointwiseOutput(d.HNext, hOut, false) })
                    { Comment = name + ": gates, reset-after candidate and state update for step t, fused" };
                _forward.Add(new LoopOp(_t, false, new Op[]
                {
                    new MatMulOp(d.HPrev, false, ParamView(recurrent), false, rStep, accumulate: false, bias: recurrentBias) { Comment = name + ": r_t = h_{t-1}·U + b_rec" },
                    cell,
                }));
                CarryState(d);
                if (block is null) return;

                var (dxStep, dxAll, _) = DirectionSequence(d, "d_" + name + "_x", 3 * h, BufferKind.ActivationGradient);
                var (drStep, drAll, _) = DirectionSequence(d, "d_" + name + "_r", 3 * h, BufferKind.ActivationGradient);
                var dxs = GateBlocks3(dxStep, h);
                var drs = GateBlocks3(drStep, h);
                ZeroFirstGradient(d, block);
                block.Add(new LoopOp(_t, true, new Op[]
                {
                    // dh_{t-1} gets the direct path z ⊙ dh_t here (assigned unless the consumer already wrote slot t-1) …
                    PointwiseBackward(name + "_cell_backward", cell,
                        mask is null ? new View?[] { dxs[0], dxs[1], dxs[2], drs[0], drs[1], drs[2], d.DhPrev } : new View?[] { dxs[0], dxs[1], dxs[2], drs[0], drs[1], drs[2], d.DhPrev, null },
                        mask is null ? new[] { false, false, false, false, false, false, d.ConsumerWritesEverySlot } : new[] { false, false, false, false, false, false, d.ConsumerWritesEverySlot, false },
                        new[] { d.DhNext! }),
                    // … and the path through the recurrent product here.
                    new MatMulOp(drStep, false, ParamView(recurrent), true, d.DhPrev!, accumulate: true) { Comment = name + ": dh_{t-1} += dr_t·Uᵀ" },
                }));
                block.Add(new MatMulOp(d.HInputsAll, true, drAll, false, GradView(recurrent), accumulate: true)
                    { Comment = name + ": dU += Σ_t h_{t-1}ᵀ·dr_t in one product" });
                block.Add(new ColumnSumsOp(drAll, new View(_grads, bias.Offset + 3 * h, 1, 3 * h, 3 * h), accumulate: true) { Comment = name + ": db_rec += Σ dr" });
                InputProjectionBackward(block, name, input, DirectionTokens(d, input), kernel, new View(_grads, bias.Offset, 1, 3 * h, 3 * h), dxStep, dxAll, d.AccumulateInputGradient);
            }

            internal static View[] GateBlocks3(View z, int h) => new[] { z.Columns(0, h), z.Columns(h, h), z.Columns(2 * h, h) };
        }
    }
}
