#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    public static partial class Lowering
    {
        internal sealed partial class Lowerer
        {
            /// <summary>The Keras SimpleRNN cell: h_t = tanh(x_t·W + h_{t−1}·U + b), recomputed from z in the backward.</summary>
            internal sealed class SimpleRnnCell : RecurrentCell
            {
                public SimpleRnnCell(Lowerer lowerer, Direction direction, int units) : base(lowerer, direction, units) { }

                public override int Gates => 1;

                public override void CreateParameters(Size inputWidth)
                {
                    Kernel = L.DirectionParameter(D, "kernel", inputWidth, H, InitKind.GlorotUniform);
                    Recurrent = L.DirectionParameter(D, "recurrent_kernel", H, H, InitKind.Orthogonal);
                    var bias = L.DirectionParameter(D, "bias", 1, H, InitKind.Zeros, isVector: true);
                    InputBias = L.ParamView(bias);
                    InputBiasGradient = L.GradView(bias);
                }

                public override PointwiseOp Step(View zStep, View? mask) => mask is null
                    ? new PointwiseOp(Name + "_cell", Size.B, H, new[] { zStep }, new[] { new PointwiseOutput(D.HNext, Expr.Tanh(Expr.In(0)), false) })
                        { Comment = Name + ": h_t = tanh(z_t)" }
                    : new PointwiseOp(Name + "_cell", Size.B, H, new[] { zStep, D.HPrev, mask }, new[] { new PointwiseOutput(D.HNext, Masked(Expr.Tanh(Expr.In(0)), Expr.In(1), Expr.In(2)), false) })
                        { Comment = Name + ": h_t = tanh(z_t), or h_{t-1} on a padded step" };

                public override PointwiseOp StepBackward(PointwiseOp step, View dzStep, View? mask) =>
                    PointwiseBackward(Name + "_cell_backward", step,
                        mask is null ? new View?[] { dzStep } : new View?[] { dzStep, D.DhPrev, null },
                        mask is null ? new[] { false } : new[] { false, D.ConsumerWritesEverySlot, false },
                        new[] { D.DhNext! });
            }
        }
    }
}
