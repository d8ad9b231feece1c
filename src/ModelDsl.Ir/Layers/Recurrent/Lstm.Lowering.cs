#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    public static partial class Lowering
    {
        internal sealed partial class Lowerer
        {
            /// <summary>
            /// The Keras LSTM cell: gates i, f, c, o (forget-gate bias 1); a cell state c [T+1, B, H] beside h; training keeps
            /// the activated gates (over z, which nothing else reads) and tanh(c_t), so the backward evaluates no
            /// transcendental function.
            /// </summary>
            internal sealed class LstmCell : RecurrentCell
            {
                private View _cPrev = null!, _cNext = null!, _cFirst = null!;
                private IrBuffer _cBuffer = null!;
                private View _dcPrev = null!, _dcNext = null!;
                private IrBuffer _dcBuffer = null!;

                public LstmCell(Lowerer lowerer, Direction direction, int units) : base(lowerer, direction, units) { }

                public override int Gates => 4;

                private bool Stateful => D.HCarrySource != null;

                public override void CreateParameters(Size inputWidth)
                {
                    Kernel = L.DirectionParameter(D, "kernel", inputWidth, 4 * H, InitKind.GlorotUniform);
                    Recurrent = L.DirectionParameter(D, "recurrent_kernel", H, 4 * H, InitKind.Orthogonal);
                    var bias = L.DirectionParameter(D, "bias", 1, 4 * H, InitKind.LstmBias, units: H, isVector: true);
                    InputBias = L.ParamView(bias);
                    InputBiasGradient = L.GradView(bias);
                }

                /// <summary>c: [T+1, B, H] by processing step, slot 0 the initial state.</summary>
                public override void CreateStateBuffers()
                {
                    var (cNext, _, cBuf) = L.Sequence(Name + "_c", H, Stateful ? BufferKind.State : BufferKind.Activation, "[T+1, B, " + H + "]", extraSteps: 1);
                    _cNext = cNext;
                    _cBuffer = cBuf;
                    _cPrev = new View(cBuf, 0, Size.B, H, H, timeStride: Size.B * H);
                    _cFirst = new View(cBuf, 0, Size.B, H, H);
                }

                public override void StartState()
                {
                    if (!Stateful) L._forward.Add(new ZeroOp(_cFirst));
                }

                public override void CarryState()
                {
                    if (Stateful) L._forward.Add(new CopyOp(new View(_cBuffer, Size.B * H, Size.B, H, H), _cFirst));
                }

                public override PointwiseOp Step(View zStep, View? mask)
                {
                    var tanhC = L.Training ? L.DirectionSequence(D, Name + "_tanh_c", H, BufferKind.Activation).step : null;
                    return LstmStep(Name, H, GateBlocks(zStep, H), _cPrev, _cNext, D.HNext, mask is null ? null : D.HPrev, mask, tanhC);
                }

                public override (View Step, View All) CreateGradientBuffers(View dzStep, View dzAll)
                {
                    var (dcNext, _, dcBuf) = L.Sequence("d_" + Name + "_c", H, BufferKind.ActivationGradient, "[T+1, B, " + H + "]", extraSteps: 1);
                    _dcNext = dcNext;
                    _dcBuffer = dcBuf;
                    _dcPrev = new View(dcBuf, 0, Size.B, H, H, timeStride: Size.B * H);
                    return (dzStep, dzAll);
                }

                /// <summary>Nothing flows into the last cell state from later steps.</summary>
                public override void StartBackward(List<Op> block) =>
                    block.Add(new ZeroOp(new View(_dcBuffer, Size.B * H * L._t, Size.B, H, H)) { Comment = Name + ": backward through time" });

                public override PointwiseOp StepBackward(PointwiseOp step, View dzStep, View? mask)
                {
                    var dz = GateBlocks(dzStep, H);
                    // Masked: h_{t-1} also reaches h_t directly (padding carries it), so the cell writes dh_{t-1} first.
                    return PointwiseBackward(Name + "_cell_backward", step,
                        inputGradients: mask is null
                            ? new View?[] { dz[0], dz[1], dz[2], dz[3], _dcPrev }
                            : new View?[] { dz[0], dz[1], dz[2], dz[3], _dcPrev, D.DhPrev, null },
                        accumulate: mask is null
                            ? new[] { false, false, false, false, false }
                            : new[] { false, false, false, false, false, D.ConsumerWritesEverySlot, false },
                        outputGradients: new[] { _dcNext, D.DhNext! });
                }
            }

            internal static View[] GateBlocks(View z, int h) => new[] { z.Columns(0, h), z.Columns(h, h), z.Columns(2 * h, h), z.Columns(3 * h, h) };

            /// <summary>
            /// All LSTM gate math in one pass: c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c'). With <paramref name="tanhC"/>
            /// (training) the pass also writes σ(i), σ(f), tanh(g), σ(o) over the gate pre-activations and tanh(c') there, so
            /// the backward (<see cref="PointwiseBackward"/>) evaluates no transcendental function.
            /// </summary>
            internal static PointwiseOp LstmStep(string name, int h, View[] gates, View cPrev, View cNext, View hNext, View? hPrev, View? mask, View? tanhC)
            {
                var i = Expr.Sigmoid(Expr.In(0));
                var f = Expr.Sigmoid(Expr.In(1));
                var g = Expr.Tanh(Expr.In(2));
                var o = Expr.Sigmoid(Expr.In(3));
                var c = f * Expr.In(4) + i * g;
                var hOut = o * Expr.Tanh(c);
                var saved = tanhC is null ? "" : "; keeps the activated gates and tanh(c_t) for the backward";
                // mask_zero: a padded step carries c and h over unchanged.
                var outputs = mask is null
                    ? new List<PointwiseOutput> { new PointwiseOutput(cNext, c, false), new PointwiseOutput(hNext, hOut, false) }
                    : new List<PointwiseOutput> { new PointwiseOutput(cNext, Masked(c, Expr.In(4), Expr.In(6)), false), new PointwiseOutput(hNext, Masked(hOut, Expr.In(5), Expr.In(6)), false) };
                if (tanhC != null)
                {
                    // In place: element (r, c) of each gate is read before it is written, by every renderer and the interpreter.
                    outputs.Add(new PointwiseOutput(gates[0], i, false));
                    outputs.Add(new PointwiseOutput(gates[1], f, false));
                    outputs.Add(new PointwiseOutput(gates[2], g, false));
                    outputs.Add(new PointwiseOutput(gates[3], o, false));
                    outputs.Add(new PointwiseOutput(tanhC, Expr.Tanh(c), false));
                }
                return new PointwiseOp(name + "_cell", Size.B, h,
                    mask is null ? new[] { gates[0], gates[1], gates[2], gates[3], cPrev } : new[] { gates[0], gates[1], gates[2], gates[3], cPrev, hPrev!, mask },
                    outputs)
                { Comment = name + ": gates and state update for step t, fused" + (mask is null ? "" : "; padded steps keep the state") + saved };
            }
        }
    }
}
