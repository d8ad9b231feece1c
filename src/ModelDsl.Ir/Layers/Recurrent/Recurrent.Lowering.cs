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
            /// <summary>x·W + b for all steps before the recurrence: a row gather for one-hot input, one product otherwise.</summary>
            internal void InputProjection(string name, Value input, IdView? tokens, ParameterTensor kernel, View bias, View zStep, View zAll)
            {
                if (tokens != null)
                {
                    _forward.Add(new LoopOp(_t, false, new Op[]
                    {
                        new GatherRowsOp(ParamView(kernel), tokens, zStep, accumulate: false, bias: bias)
                            { Comment = name + ": one-hot(x_t)·W + b as a row gather" },
                    }));
                }
                else
                {
                    _forward.Add(new MatMulOp(input.All!, false, ParamView(kernel), false, zAll, accumulate: false, bias: bias)
                        { Comment = name + ": x·W + b for all steps at once" });
                }
            }

            /// <summary>The input projection's gradients: db, dW (scatter-add for one-hot input) and dx.</summary>
            internal void InputProjectionBackward(List<Op> block, string name, Value input, IdView? tokens, ParameterTensor kernel, View biasGradient, View dzStep, View dzAll)
            {
                block.Add(new ColumnSumsOp(dzAll, biasGradient, accumulate: true) { Comment = name + ": db += Σ dz" });
                if (tokens != null)
                {
                    block.Add(new LoopOp(_t, true, new Op[]
                    {
                        new ScatterAddRowsOp(dzStep, tokens, GradView(kernel)) { Comment = name + ": dW[x_t] += dz_t (one-hot input)" },
                    }));
                }
                else
                {
                    block.Add(new MatMulOp(input.All!, true, dzAll, false, GradView(kernel), accumulate: true) { Comment = name + ": dW += xᵀ·dz" });
                    if (input.Grad is { } dx)
                    {
                        // A bidirectional layer's second direction adds to what the first wrote.
                        bool add = dx.Take();
                        block.Add(new MatMulOp(dzAll, false, ParamView(kernel), true, dx.View, accumulate: add) { Comment = name + ": dx " + (add ? "+" : "") + "= dz·Wᵀ" });
                    }
                }
            }

            /// <summary>
            /// Where one direction of a recurrent layer keeps its hidden state. Views are indexed by the processing step
            /// s (the loop variable); a backward direction walks original time τ = T−1−s with negative time strides, and
            /// keeps its per-step buffers in τ order so that "all steps" views line up with the forward ones.
            /// </summary>
            internal sealed class Direction
            {
                public string Prefix = "";          // buffer names, e.g. "lstm" or "bidirectional_backward_gru"
                public string ParameterLayer = "";  // ParameterTensor.Layer (Summary groups by it)
                public string ParameterPrefix = ""; // tensor names, e.g. "lstm" or "bidirectional.backward_gru"
                public bool Reverse;
                public View HPrev = null!, HNext = null!, HFirst = null!, HInputsAll = null!;
                public View? HCarrySource;           // stateful: the slot copied back into HFirst after a step
                public View? DhPrev, DhNext, DhFirst;
                public bool ConsumerWritesEverySlot; // returnSequences: dh of every output slot was assigned by the consumer
            }

            internal Value Recurrent(string name, LayerSpec layer, Value input)
            {
                if (layer.Bidirectional) return Bidirectional(name, layer, input);
                int h = layer.Size;
                bool stateful = _kind == ProgramKind.Step;
                var (hNext, hAll, hBuf) = Sequence(name + "_h", h, stateful ? BufferKind.State : BufferKind.Activation, "[T+1, B, " + h + "]", extraSteps: 1);
                var d = new Direction
                {
                    Prefix = name, ParameterLayer = name, ParameterPrefix = name,
                    HPrev = new View(hBuf, 0, Size.B, h, h, timeStride: Size.B * h),
                    HNext = hNext,
                    HFirst = new View(hBuf, 0, Size.B, h, h),
                    HInputsAll = new View(hBuf, 0, Size.B * _t, h, h),
                    HCarrySource = stateful ? new View(hBuf, Size.B * h, Size.B, h, h) : null,
                    ConsumerWritesEverySlot = layer.ReturnSequences,
                };
                var value = layer.ReturnSequences
                    ? new Value { Width = h, IsSequence = true, Step = hNext, All = hAll, Shape = "[T, " + h + "]", Mask = input.Mask }
                    : new Value { Width = h, IsSequence = false, All = new View(hBuf, Size.B * h * _t, Size.B, h, h), Shape = "[" + h + "]" };
                var block = Training ? new List<Action<List<Op>>>() : null;
                if (Training)
                {
                    var (dhNext, dhAll, dhBuf) = Sequence("d_" + name + "_h", h, BufferKind.ActivationGradient, "[T+1, B, " + h + "]", extraSteps: 1);
                    d.DhPrev = new View(dhBuf, 0, Size.B, h, h, timeStride: Size.B * h);
                    d.DhNext = dhNext;
                    d.DhFirst = new View(dhBuf, 0, Size.B, h, h);
                    if (layer.ReturnSequences) { value.GradStep = dhNext; value.Grad = new GradSink(dhAll); }
                    else value.Grad = new GradSink(new View(dhBuf, Size.B * h * _t, Size.B, h, h));
                }
                RecurrentDirection(layer, input, d, block);
                if (block != null) Backward(ops => { foreach (var piece in block) piece(ops); });
                return value;
            }

            /// <summary>
            /// Keras Bidirectional (merge_mode "concat"): a forward and a backward copy of the layer, their states in one
            /// buffer [T+2, B, 2H] — slot 0 the forward initial state, slot T+1 the backward one, slot τ+1 both outputs at
            /// time τ — so a returned sequence is slots 1..T with no copy.
            /// </summary>
            internal Value Bidirectional(string name, LayerSpec layer, Value input)
            {
                int h = layer.Size, w = 2 * h;
                string cell = layer.Kind switch { LayerKind.Gru => "gru", LayerKind.SimpleRnn => "simple_rnn", _ => "lstm" };
                var hBuf = Buffer(name + "_h", Size.B * w * (_t + 2), BufferKind.Activation, "[T+2, B, " + w + "]");
                var dhBuf = Training ? Buffer("d_" + name + "_h", Size.B * w * (_t + 2), BufferKind.ActivationGradient, "[T+2, B, " + w + "]") : null;
                Size slot = Size.B * w;
                View At(IrBuffer b, Size offset, Size rows, int column, Size timeStride = default) => new View(b, offset + column, rows, h, w, timeStride);
                var forward = new Direction
                {
                    Prefix = name + "_forward_" + cell, ParameterLayer = name, ParameterPrefix = name + ".forward_" + cell,
                    HPrev = At(hBuf, 0, Size.B, 0, slot), HNext = At(hBuf, slot, Size.B, 0, slot),
                    HFirst = At(hBuf, 0, Size.B, 0), HInputsAll = At(hBuf, 0, Size.B * _t, 0),
                    ConsumerWritesEverySlot = layer.ReturnSequences,
                };
                var backward = new Direction
                {
                    Prefix = name + "_backward_" + cell, ParameterLayer = name, ParameterPrefix = name + ".backward_" + cell, Reverse = true,
                    HPrev = At(hBuf, slot * (_t + 1), Size.B, h, Size.Zero - slot), HNext = At(hBuf, slot * _t, Size.B, h, Size.Zero - slot),
                    HFirst = At(hBuf, slot * (_t + 1), Size.B, h), HInputsAll = At(hBuf, slot * 2, Size.B * _t, h),
                    ConsumerWritesEverySlot = layer.ReturnSequences,
                };
                if (dhBuf != null)
                {
                    forward.DhPrev = At(dhBuf, 0, Size.B, 0, slot); forward.DhNext = At(dhBuf, slot, Size.B, 0, slot); forward.DhFirst = At(dhBuf, 0, Size.B, 0);
                    backward.DhPrev = At(dhBuf, slot * (_t + 1), Size.B, h, Size.Zero - slot); backward.DhNext = At(dhBuf, slot * _t, Size.B, h, Size.Zero - slot);
                    backward.DhFirst = At(dhBuf, slot * (_t + 1), Size.B, h);
                }

                var block = Training ? new List<Action<List<Op>>>() : null;
                Value value;
                if (layer.ReturnSequences)
                {
                    value = new Value
                    {
                        Width = w, IsSequence = true, Shape = "[T, " + w + "]", Mask = input.Mask,
                        Step = new View(hBuf, slot, Size.B, w, w, timeStride: slot), All = new View(hBuf, slot, Size.B * _t, w, w),
                    };
                    if (dhBuf != null)
                    {
                        value.GradStep = new View(dhBuf, slot, Size.B, w, w, timeStride: slot);
                        value.Grad = new GradSink(new View(dhBuf, slot, Size.B * _t, w, w));
                    }
                    RecurrentDirection(layer, input, forward, block);
                    RecurrentDirection(layer, input, backward, block);
                }
                else
                {
                    // The final states sit in different slots (forward after τ = T−1, backward after τ = 0): copy them side by side.
                    var output = Buffer(name + "_out", Size.B * w, BufferKind.Activation, "[B, " + w + "]");
                    value = new Value { Width = w, IsSequence = false, All = View.Whole(output, Size.B, w), Shape = "[" + w + "]" };
                    List<Op>? copies = null;
                    if (dhBuf != null)
                    {
                        var dOutput = Buffer("d_" + name + "_out", Size.B * w, BufferKind.ActivationGradient, "[B, " + w + "]");
                        value.Grad = new GradSink(View.Whole(dOutput, Size.B, w));
                        copies = new List<Op>
                        {
                            new CopyOp(new View(dOutput, 0, Size.B, h, w), At(dhBuf, slot * _t, Size.B, 0)) { Comment = name + ": gradient of the forward final state" },
                            new CopyOp(new View(dOutput, h, Size.B, h, w), At(dhBuf, slot, Size.B, h)) { Comment = name + ": gradient of the backward final state" },
                        };
                        block!.Add(ops => ops.AddRange(copies));
                    }
                    RecurrentDirection(layer, input, forward, block);
                    RecurrentDirection(layer, input, backward, block);
                    _forward.Add(new CopyOp(At(hBuf, slot * _t, Size.B, 0), new View(output, 0, Size.B, h, w)) { Comment = name + ": concatenate the final states" });
                    _forward.Add(new CopyOp(At(hBuf, slot, Size.B, h), new View(output, h, Size.B, h, w)));
                }
                if (block != null) Backward(ops => { foreach (var piece in block) piece(ops); });
                return value;
            }

            /// <summary>
            /// One direction of a recurrent layer, the skeleton every cell shares: parameters, the input projection for all
            /// steps, the mask, the time loop of (recurrent product, fused cell step), the carried state; in backward the
            /// reverse loop of (cell backward, dh_{t−1} from the product), dU in one product over all steps, and the input
            /// projection's gradients. Forward ops go to <c>_forward</c>; the backward is added to <paramref name="backward"/> as a piece that writes its ops when the layer's backward runs; what
            /// differs between LSTM, GRU and SimpleRNN is the <see cref="RecurrentCell"/>.
            /// </summary>
            internal void RecurrentDirection(LayerSpec layer, Value input, Direction d, List<Action<List<Op>>>? backward)
            {
                int h = layer.Size;
                string name = d.Prefix;
                RecurrentCell cell = layer.Kind switch
                {
                    LayerKind.Lstm => new LstmCell(this, d, h),
                    LayerKind.Gru => new GruCell(this, d, h),
                    _ => new SimpleRnnCell(this, d, h),
                };
                cell.CreateParameters(input.Width);
                var (zStep, zAll, _) = DirectionSequence(d, name + "_" + cell.ProjectionName, cell.Gates * h, BufferKind.Activation);
                cell.CreateStateBuffers();
                StartState(d);
                cell.StartState();
                InputProjection(name, input, DirectionTokens(d, input), cell.Kernel, cell.InputBias, zStep, zAll);
                var mask = DirectionMask(d, input, h);
                var step = cell.Step(zStep, mask);
                _forward.Add(new LoopOp(_t, false, new Op[] { cell.RecurrentProduct(zStep), step }));
                CarryState(d);
                cell.CarryState();
                if (backward is null) return;

                // Gradient buffers now, in layout order; the ops when the backward is written (the input's sink is taken then).
                var (dzStep, dzAll, _) = DirectionSequence(d, "d_" + name + "_" + cell.ProjectionName, cell.Gates * h, BufferKind.ActivationGradient);
                var (dProductStep, dProductAll) = cell.CreateGradientBuffers(dzStep, dzAll);
                backward.Add(block => DirectionBackward(cell, input, d, mask, step, dzStep, dzAll, dProductStep, dProductAll, block));
            }

            private void DirectionBackward(RecurrentCell cell, Value input, Direction d, View? mask, PointwiseOp step, View dzStep, View dzAll, View dProductStep, View dProductAll, List<Op> block)
            {
                string name = d.Prefix;
                cell.StartBackward(block);
                ZeroFirstGradient(d, block);
                // The cell writes dh_{t−1} first when h_{t−1} reaches h_t directly (a mask, the GRU's z·h): then the product adds.
                bool accumulate = d.ConsumerWritesEverySlot || cell.WritesPreviousStateGradient(mask);
                string p = cell.ProductName;
                block.Add(new LoopOp(_t, true, new Op[]
                {
                    cell.StepBackward(step, dzStep, mask),
                    new MatMulOp(dProductStep, false, ParamView(cell.Recurrent), true, d.DhPrev!, accumulate)
                        { Comment = name + ": dh_{t-1} " + (accumulate ? "+" : "") + "= d" + p + "_t·Uᵀ" },
                }));
                block.Add(new MatMulOp(d.HInputsAll, true, dProductAll, false, GradView(cell.Recurrent), accumulate: true)
                    { Comment = name + ": dU += Σ_t h_{t-1}ᵀ·d" + p + "_t in one product" });
                cell.AfterRecurrentGradient(block, dProductAll);
                InputProjectionBackward(block, name, input, DirectionTokens(d, input), cell.Kernel, cell.InputBiasGradient, dzStep, dzAll);
            }

            /// <summary>
            /// What differs between the recurrent layers, called by <see cref="RecurrentDirection"/> in this order:
            /// parameters, extra state buffers, the per-step recurrent product and the fused cell step, their backward.
            /// </summary>
            internal abstract class RecurrentCell
            {
                protected RecurrentCell(Lowerer lowerer, Direction direction, int units)
                {
                    L = lowerer;
                    D = direction;
                    H = units;
                }

                protected Lowerer L { get; }
                protected Direction D { get; }
                protected int H { get; }
                protected string Name => D.Prefix;

                /// <summary>Gate blocks of the projection z (LSTM 4, GRU 3, SimpleRNN 1).</summary>
                public abstract int Gates { get; }

                /// <summary>The projection buffer's name suffix (<c>z</c>; the GRU's is <c>x</c>).</summary>
                public virtual string ProjectionName => "z";

                /// <summary>The per-step product's name in comments: <c>z</c> when it adds into the projection, else its own.</summary>
                public virtual string ProductName => "z";

                public ParameterTensor Kernel { get; protected set; } = null!;
                public ParameterTensor Recurrent { get; protected set; } = null!;
                public View InputBias { get; protected set; } = null!;
                public View InputBiasGradient { get; protected set; } = null!;

                /// <summary>Kernel [n, G·H] (glorot), recurrent kernel [H, G·H] (orthogonal) and the bias, in Keras's order.</summary>
                public abstract void CreateParameters(Size inputWidth);

                public virtual void CreateStateBuffers() { }

                public virtual void StartState() { }

                public virtual void CarryState() { }

                /// <summary>The product of step t: by default z_t += h_{t−1}·U.</summary>
                public virtual MatMulOp RecurrentProduct(View zStep) =>
                    new MatMulOp(D.HPrev, false, L.ParamView(Recurrent), false, zStep, accumulate: true) { Comment = Name + ": z_t += h_{t-1}·U" };

                /// <summary>The fused pointwise step of step t.</summary>
                public abstract PointwiseOp Step(View zStep, View? mask);

                /// <summary>Gradient buffers beyond dz (the GRU's dr, the LSTM's dc); returns the product's gradient (dz by default).</summary>
                public virtual (View Step, View All) CreateGradientBuffers(View dzStep, View dzAll) => (dzStep, dzAll);

                /// <summary>The first backward ops of the direction (the LSTM zeroes the last cell state's gradient).</summary>
                public virtual void StartBackward(List<Op> block) { }

                /// <summary>Whether the cell's backward writes dh_{t−1} before the product's part (h_{t−1} reaches h_t directly).</summary>
                public virtual bool WritesPreviousStateGradient(View? mask) => mask != null;

                public abstract PointwiseOp StepBackward(PointwiseOp step, View dzStep, View? mask);

                public virtual void AfterRecurrentGradient(List<Op> block, View dProductAll) { }
            }

            internal ParameterTensor DirectionParameter(Direction d, string tensor, Size rows, Size cols, InitKind init, int units = 0, bool isVector = false) =>
                AddParameter(d.ParameterLayer, d.ParameterPrefix + "." + tensor, rows, cols, init, units, isVector);

            /// <summary>A per-step buffer [T, B, width] in original time order, stepped backwards for a reverse direction.</summary>
            internal (View step, View all, IrBuffer buffer) DirectionSequence(Direction d, string name, Size width, BufferKind kind)
            {
                var b = Buffer(name, Size.B * width * _t, kind, "[T, B, " + width + "]");
                var step = d.Reverse
                    ? new View(b, Size.B * width * (_t - 1), Size.B, width, width, timeStride: Size.Zero - Size.B * width)
                    : new View(b, 0, Size.B, width, width, timeStride: Size.B * width);
                return (step, new View(b, 0, Size.B * _t, width, width), b);
            }

            internal IdView? DirectionTokens(Direction d, Value input) => DirectionIds(d, input.Tokens);

            internal IdView? DirectionIds(Direction d, IdView? ids) =>
                ids is null ? null
                : d.Reverse ? new IdView(ids.Buffer, ids.Offset + (_t - 1), Size.B, _t, timeStride: -1)
                : ids;

            /// <summary>mask_zero: a [T, B, h] 0/1 buffer for this direction's steps (1 where the token is not padding), or null.</summary>
            internal View? DirectionMask(Direction d, Value input, int h)
            {
                if (input.Mask is null) return null;
                var (step, _, _) = DirectionSequence(d, d.Prefix + "_mask", h, BufferKind.Activation);
                _forward.Add(new LoopOp(_t, false, new Op[]
                {
                    new TokenMaskOp(DirectionIds(d, input.Mask)!, step) { Comment = d.Prefix + ": 1 where the step is a real token, 0 where it is padding" },
                }));
                return step;
            }

            /// <summary>Masked steps keep the previous state: m·new + (1 − m)·previous.</summary>
            internal static Expr Masked(Expr updated, Expr previous, Expr mask) => mask * updated + (Expr.Const(1) - mask) * previous;

            internal void StartState(Direction d)
            {
                if (d.HCarrySource is null) _forward.Add(new ZeroOp(d.HFirst) { Comment = d.Prefix + ": zero initial state" });
            }

            internal void CarryState(Direction d)
            {
                if (d.HCarrySource != null) _forward.Add(new CopyOp(d.HCarrySource, d.HFirst) { Comment = d.Prefix + ": carry state" });
            }

            /// <summary>With returnSequences the consumer assigned every output slot's dh; the initial-state slot only accumulates, so it starts at zero.</summary>
            internal void ZeroFirstGradient(Direction d, List<Op> block)
            {
                if (d.ConsumerWritesEverySlot) block.Add(new ZeroOp(d.DhFirst!) { Comment = d.Prefix + ": backward through time" });
            }
        }
    }
}
