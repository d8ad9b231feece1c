#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    public static partial class Lowering
    {
        internal sealed partial class Lowerer
        {
            /// <summary>
            /// The Keras GRU cell, reset_after=True (the TF2 default): the recurrent product has its own bias and the reset
            /// gate multiplies it, so it is not added into the projection (x [T, B, 3H]) but kept per step as
            /// r_t = h_{t−1}·U + b_rec [T, B, 3H] for the backward. Bias [2, 3H]: row 0 input, row 1 recurrent. Gate blocks z, r, h.
            /// </summary>
            internal sealed class GruCell : RecurrentCell
            {
                private View _recurrentBias = null!, _recurrentBiasGradient = null!;
                private View _rStep = null!;
                private View _drStep = null!;

                public GruCell(Lowerer lowerer, Direction direction, int units) : base(lowerer, direction, units) { }

                public override int Gates => 3;
                public override string ProjectionName => "x";
                public override string ProductName => "r";

                public override void CreateParameters(Size inputWidth)
                {
                    Kernel = L.DirectionParameter(D, "kernel", inputWidth, 3 * H, InitKind.GlorotUniform);
                    Recurrent = L.DirectionParameter(D, "recurrent_kernel", H, 3 * H, InitKind.Orthogonal);
                    var bias = L.DirectionParameter(D, "bias", 2, 3 * H, InitKind.Zeros); // row 0: input bias, row 1: recurrent bias
                    InputBias = new View(L._params, bias.Offset, 1, 3 * H, 3 * H);
                    InputBiasGradient = new View(L._grads, bias.Offset, 1, 3 * H, 3 * H);
                    _recurrentBias = new View(L._params, bias.Offset + 3 * H, 1, 3 * H, 3 * H);
                    _recurrentBiasGradient = new View(L._grads, bias.Offset + 3 * H, 1, 3 * H, 3 * H);
                }

                public override void CreateStateBuffers() => _rStep = L.DirectionSequence(D, Name + "_r", 3 * H, BufferKind.Activation).step;

                public override MatMulOp RecurrentProduct(View zStep) =>
                    new MatMulOp(D.HPrev, false, L.ParamView(Recurrent), false, _rStep, accumulate: false, bias: _recurrentBias) { Comment = Name + ": r_t = h_{t-1}·U + b_rec" };

                public override PointwiseOp Step(View xStep, View? mask)
                {
                    var xs = GateBlocks3(xStep, H);
                    var rs = GateBlocks3(_rStep, H);
                    var z = Expr.Sigmoid(Expr.In(0) + Expr.In(3));
                    var r = Expr.Sigmoid(Expr.In(1) + Expr.In(4));
                    var candidate = Expr.Tanh(Expr.In(2) + r * Expr.In(5));
                    var hOut = z * Expr.In(6) + (Expr.Const(1) - z) * candidate;
                    if (mask != null) hOut = Masked(hOut, Expr.In(6), Expr.In(7));
                    return new PointwiseOp(Name + "_cell", Size.B, H,
                        mask is null ? new[] { xs[0], xs[1], xs[2], rs[0], rs[1], rs[2], D.HPrev } : new[] { xs[0], xs[1], xs[2], rs[0], rs[1], rs[2], D.HPrev, mask },
                        new[] { new PointwiseOutput(D.HNext, hOut, false) })
                        { Comment = Name + ": gates, reset-after candidate and state update for step t, fused" };
                }

                public override (View Step, View All) CreateGradientBuffers(View dxStep, View dxAll)
                {
                    var (drStep, drAll, _) = L.DirectionSequence(D, "d_" + Name + "_r", 3 * H, BufferKind.ActivationGradient);
                    _drStep = drStep;
                    return (drStep, drAll);
                }

                /// <summary>h' = z·h + …: the cell always writes dh_{t−1}'s direct path, the product adds to it.</summary>
                public override bool WritesPreviousStateGradient(View? mask) => true;

                public override PointwiseOp StepBackward(PointwiseOp step, View dxStep, View? mask)
                {
                    var dxs = GateBlocks3(dxStep, H);
                    var drs = GateBlocks3(_drStep, H);
                    // dh_{t-1} gets the direct path z ⊙ dh_t here (assigned unless the consumer already wrote slot t-1).
                    return PointwiseBackward(Name + "_cell_backward", step,
                        mask is null ? new View?[] { dxs[0], dxs[1], dxs[2], drs[0], drs[1], drs[2], D.DhPrev } : new View?[] { dxs[0], dxs[1], dxs[2], drs[0], drs[1], drs[2], D.DhPrev, null },
                        mask is null ? new[] { false, false, false, false, false, false, D.ConsumerWritesEverySlot } : new[] { false, false, false, false, false, false, D.ConsumerWritesEverySlot, false },
                        new[] { D.DhNext! });
                }

                public override void AfterRecurrentGradient(List<Op> block, View drAll) =>
                    block.Add(new ColumnSumsOp(drAll, _recurrentBiasGradient, accumulate: true) { Comment = Name + ": db_rec += Σ dr" });
            }

            internal static View[] GateBlocks3(View z, int h) => new[] { z.Columns(0, h), z.Columns(h, h), z.Columns(2 * h, h) };
        }
    }
}
