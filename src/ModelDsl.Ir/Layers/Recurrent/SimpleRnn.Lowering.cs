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
            /// Keras SimpleRNN: h_t = tanh(x_t·W + h_{t−1}·U + b). Same skeleton as the LSTM: projection for all steps,
            /// h·U accumulated per step, a fused pointwise step, dU in one product after the backward loop.
            /// </summary>
            internal void SimpleRnnDirection(int h, Value input, Direction d, List<Op>? block)
            {
                string name = d.Prefix;
                var kernel = DirectionParameter(d, "kernel", input.Width, h, InitKind.GlorotUniform);
                var recurrent = DirectionParameter(d, "recurrent_kernel", h, h, InitKind.Orthogonal);
                var bias = DirectionParameter(d, "bias", 1, h, InitKind.Zeros, isVector: true);
                var (zStep, zAll, _) = DirectionSequence(d, name + "_z", h, BufferKind.Activation);
                StartState(d);
                InputProjection(name, input, DirectionTokens(d, input), kernel, ParamView(bias), zStep, zAll);
                var mask = DirectionMask(d, input, h);
                var cell = mask is null
                    ? new PointwiseOp(name + "_cell", Size.B, h, new[] { zStep }, new[] { new PointwiseOutput(d.HNext, Expr.Tanh(Expr.In(0)), false) })
                        { Comment = name + ": h_t = tanh(z_t)" }
                    : new PointwiseOp(name + "_cell", Size.B, h, new[] { zStep, d.HPrev, mask }, new[] { new PointwiseOutput(d.HNext, Masked(Expr.Tanh(Expr.In(0)), Expr.In(1), Expr.In(2)), false) })
                        { Comment = name + ": h_t = tanh(z_t), or h_{t-1} on a padded step" };
                _forward.Add(new LoopOp(_t, false, new Op[]
                {
                    new MatMulOp(d.HPrev, false, ParamView(recurrent), false, zStep, accumulate: true) { Comment = name + ": z_t += h_{t-1}·U" },
                    cell,
                }));
                CarryState(d);
                if (block is null) return;

                var (dzStep, dzAll, _) = DirectionSequence(d, "d_" + name + "_z", h, BufferKind.ActivationGradient);
                ZeroFirstGradient(d, block);
                block.Add(new LoopOp(_t, true, new Op[]
                {
                    PointwiseBackward(name + "_cell_backward", cell,
                        mask is null ? new View?[] { dzStep } : new View?[] { dzStep, d.DhPrev, null },
                        mask is null ? new[] { false } : new[] { false, d.ConsumerWritesEverySlot, false },
                        new[] { d.DhNext! }),
                    new MatMulOp(dzStep, false, ParamView(recurrent), true, d.DhPrev!, accumulate: d.ConsumerWritesEverySlot || mask != null)
                        { Comment = name + ": dh_{t-1} " + (d.ConsumerWritesEverySlot || mask != null ? "+" : "") + "= dz_t·Uᵀ" },
                }));
                block.Add(new MatMulOp(d.HInputsAll, true, dzAll, false, GradView(recurrent), accumulate: true)
                    { Comment = name + ": dU += Σ_t h_{t-1}ᵀ·dz_t in one product" });
                InputProjectionBackward(block, name, input, DirectionTokens(d, input), kernel, GradView(bias), dzStep, dzAll, d.AccumulateInputGradient);
            }
        }
    }
}
