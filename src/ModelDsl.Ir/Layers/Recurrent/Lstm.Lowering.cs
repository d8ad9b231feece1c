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
            internal void LstmDirection(int h, Value input, Direction d, List<Op>? block)
            {
                string name = d.Prefix;
                var kernel = DirectionParameter(d, "kernel", input.Width, 4 * h, InitKind.GlorotUniform);
                var recurrent = DirectionParameter(d, "recurrent_kernel", h, 4 * h, InitKind.Orthogonal);
                var bias = DirectionParameter(d, "bias", 1, 4 * h, InitKind.LstmBias, units: h, isVector: true);
                bool stateful = d.HCarrySource != null;

                // z: gate pre-activations [T, B, 4H] in Keras order i, f, c, o; c: [T+1, B, H] by processing step, slot 0 the initial state.
                var (zStep, zAll, _) = DirectionSequence(d, name + "_z", 4 * h, BufferKind.Activation);
                var (cNext, _, cBuf) = Sequence(name + "_c", h, stateful ? BufferKind.State : BufferKind.Activation, "[T+1, B, " + h + "]", extraSteps: 1);
                var cPrev = new View(cBuf, 0, Size.B, h, h, timeStride: Size.B * h);
                var cFirst = new View(cBuf, 0, Size.B, h, h);
                StartState(d);
                if (!stateful) _forward.Add(new ZeroOp(cFirst));
                InputProjection(name, input, DirectionTokens(d, input), kernel, ParamView(bias), zStep, zAll);
                var mask = DirectionMask(d, input, h);
                // Training keeps the activated gates (over z, which nothing else reads) and tanh(c_t) for the backward.
                var tanhC = Training ? DirectionSequence(d, name + "_tanh_c", h, BufferKind.Activation).step : null;
                var cell = LstmCell(name, h, GateBlocks(zStep, h), cPrev, cNext, d.HNext, mask is null ? null : d.HPrev, mask, tanhC);
                _forward.Add(new LoopOp(_t, false, new Op[]
                {
                    new MatMulOp(d.HPrev, false, ParamView(recurrent), false, zStep, accumulate: true) { Comment = name + ": z_t += h_{t-1}·U" },
                    cell,
                }));
                CarryState(d);
                if (stateful) _forward.Add(new CopyOp(new View(cBuf, Size.B * h, Size.B, h, h), cFirst));
                if (block is null) return;

                var (dzStep, dzAll, _) = DirectionSequence(d, "d_" + name + "_z", 4 * h, BufferKind.ActivationGradient);
                var (dcNext, _, dcBuf) = Sequence("d_" + name + "_c", h, BufferKind.ActivationGradient, "[T+1, B, " + h + "]", extraSteps: 1);
                var dcPrev = new View(dcBuf, 0, Size.B, h, h, timeStride: Size.B * h);
                // Nothing flows into the last cell state from later steps.
                block.Add(new ZeroOp(new View(dcBuf, Size.B * h * _t, Size.B, h, h)) { Comment = name + ": backward through time" });
                ZeroFirstGradient(d, block);
                var dzBlocks = GateBlocks(dzStep, h);
                block.Add(new LoopOp(_t, true, new Op[]
                {
                    // Masked: h_{t-1} also reaches h_t directly (padding carries it), so the cell writes dh_{t-1} first.
                    PointwiseBackward(name + "_cell_backward", cell,
                        inputGradients: mask is null
                            ? new View?[] { dzBlocks[0], dzBlocks[1], dzBlocks[2], dzBlocks[3], dcPrev }
                            : new View?[] { dzBlocks[0], dzBlocks[1], dzBlocks[2], dzBlocks[3], dcPrev, d.DhPrev, null },
                        accumulate: mask is null
                            ? new[] { false, false, false, false, false }
                            : new[] { false, false, false, false, false, d.ConsumerWritesEverySlot, false },
                        outputGradients: new[] { dcNext, d.DhNext! }),
                    new MatMulOp(dzStep, false, ParamView(recurrent), true, d.DhPrev!, accumulate: d.ConsumerWritesEverySlot || mask != null)
                        { Comment = name + ": dh_{t-1} " + (d.ConsumerWritesEverySlot || mask != null ? "+" : "") + "= dz_t·Uᵀ" },
                }));
                block.Add(new MatMulOp(d.HInputsAll, true, dzAll, false, GradView(recurrent), accumulate: true) { Comment = name + ": dU += Σ_t h_{t-1}ᵀ·dz_t in one product" });
                InputProjectionBackward(block, name, input, DirectionTokens(d, input), kernel, GradView(bias), dzStep, dzAll, d.AccumulateInputGradient);
            }

            internal static View[] GateBlocks(View z, int h) => new[] { z.Columns(0, h), z.Columns(h, h), z.Columns(2 * h, h), z.Columns(3 * h, h) };

            /// <summary>
            /// All LSTM gate math in one pass: c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c'). With <paramref name="tanhC"/>
            /// (training) the pass also writes σ(i), σ(f), tanh(g), σ(o) over the gate pre-activations and tanh(c') there, so
            /// the backward (<see cref="PointwiseBackward"/>) evaluates no transcendental function.
            /// </summary>
            internal static PointwiseOp LstmCell(string name, int h, View[] gates, View cPrev, View cNext, View hNext, View? hPrev, View? mask, View? tanhC)
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
