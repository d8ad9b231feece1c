#nullable enable
using System;
using System.Collections.Generic;
using System.Globalization;

namespace ModelDsl.Ir
{
    /// <summary>
    /// Lowers a declared model to an <see cref="IrProgram"/>. Layers write their forward ops in order and their backward
    /// ops into a block that runs in reverse layer order. Activations are time-major ([T, B, width]) so a time step is a
    /// contiguous [B, width] matrix. Gradient conventions: parameter gradients accumulate (+=) into a buffer the caller
    /// zeroes once per step; each activation gradient has one first writer that assigns, later writers accumulate.
    /// </summary>
    public static partial class Lowering
    {
        public static IrProgram Lower(ModelSpec spec, ProgramKind kind) =>
            kind == ProgramKind.Step && !SupportsStep(spec)
                ? throw new NotSupportedException(spec.Name + " flattens its sequence, reads it backwards (Bidirectional) or uses non-causal attention, so it has no one-step program; use window mode.")
                : new Lowerer(spec, kind).Run();

        /// <summary>Whether the model can run one time step at a time with carried state (not when it flattens a sequence).</summary>
        public static bool SupportsStep(ModelSpec spec)
        {
            foreach (var layer in spec.Layers)
                if (layer.Kind == LayerKind.Flatten || layer.Bidirectional || (layer.Kind == LayerKind.MultiHeadAttention && !layer.Causal)) return false;
            return true;
        }

        /// <summary>Whether the last layer is a Dense over a sequence: one output (and one training target) per step.</summary>
        public static bool OutputIsPerStep(ModelSpec spec)
        {
            bool sequence = true;
            for (int i = 1; i < spec.Layers.Count; i++)
            {
                var layer = spec.Layers[i];
                if (i == spec.Layers.Count - 1) return layer.Kind == LayerKind.Dense && sequence;
                sequence = layer.Kind switch
                {
                    LayerKind.Embedding or LayerKind.PositionalEmbedding => true,
                    LayerKind.Lstm or LayerKind.Gru or LayerKind.SimpleRnn => layer.ReturnSequences,
                    LayerKind.Flatten or LayerKind.Dense => false,
                    _ => sequence,
                };
            }
            return false;
        }

        /// <summary>
        /// Whether training ignores padding targets: a per-step output of a model whose Embedding or PositionalEmbedding has
        /// maskZero. Id 0 is padding there, so a position whose target (the next token) is 0 is not scored.
        /// </summary>
        public static bool IgnoresPaddingTargets(ModelSpec spec)
        {
            if (!OutputIsPerStep(spec)) return false;
            foreach (var layer in spec.Layers)
                if (layer.MaskZero) return true;
            return false;
        }

        /// <summary>Keras-style layer names: lstm, lstm_1, dense, …</summary>
        public static IReadOnlyList<string> LayerNames(ModelSpec spec)
        {
            var names = new List<string>();
            var counts = new Dictionary<string, int>();
            foreach (var layer in spec.Layers)
            {
                var key = layer.Bidirectional ? "Bidirectional" : layer.Kind.ToString();
                counts.TryGetValue(key, out int n);
                counts[key] = n + 1;
                var baseName = layer.Bidirectional ? "bidirectional" : layer.Kind switch
                {
                    LayerKind.TokenInput => "input",
                    LayerKind.Embedding => "embedding",
                    LayerKind.Lstm => "lstm",
                    LayerKind.Gru => "gru",
                    LayerKind.SimpleRnn => "simple_rnn",
                    LayerKind.Dropout => "dropout",
                    LayerKind.Dense => "dense",
                    LayerKind.Flatten => "flatten",
                    LayerKind.PositionalEmbedding => "positional_embedding",
                    LayerKind.MultiHeadAttention => "multi_head_attention",
                    LayerKind.LayerNormalization => "layer_normalization",
                    LayerKind.TransformerDecoder => "transformer_decoder",
                    _ => layer.Kind.ToString().ToLowerInvariant(),
                };
                names.Add(n == 0 ? baseName : baseName + "_" + n.ToString(CultureInfo.InvariantCulture));
            }
            return names;
        }

        /// <summary>What flows between layers.</summary>
        private sealed class Value
        {
            public IdView? Tokens;          // token ids, one column per time step (time-indexed)
            public Size Width;              // features per row (V for tokens: one-hot width)
            public bool IsSequence;
            public bool Flattened;          // a sequence seen as one vector [T·W] per row (Flatten): Step/GradStep stay per step
            public IdView? Mask;            // mask_zero: the token ids whose 0s mark padded steps (time-indexed)
            public View? Step;              // [B, W] at time t (time-indexed), sequences only
            public View? All;               // [T·B, W] or [B, W], contiguous rows
            public View? GradStep;          // gradient views with the same layout (training)
            public View? GradAll;
            public string Shape = "";
        }

        private sealed partial class Lowerer
        {
            private readonly ModelSpec _spec;
            private readonly ProgramKind _kind;
            private readonly int _t;
            private readonly List<IrBuffer> _buffers = new List<IrBuffer>();
            private readonly List<ParameterTensor> _parameters = new List<ParameterTensor>();
            private readonly List<Op> _forward = new List<Op>();
            private readonly List<List<Op>> _backwardBlocks = new List<List<Op>>();
            private Size _parameterCount = Size.Zero;
            private readonly IrBuffer _params;
            private readonly IrBuffer _grads;
            private IrBuffer _tokens = null!;
            private IrBuffer _targets = null!;
            private Size _vocabulary;

            public Lowerer(ModelSpec spec, ProgramKind kind)
            {
                _spec = spec;
                _kind = kind;
                var input = spec.Layers.Count > 0 && spec.Layers[0].Kind == LayerKind.TokenInput
                    ? spec.Layers[0]
                    : throw new ArgumentException("The first layer must be TokenInput.", nameof(spec));
                _t = kind == ProgramKind.Step ? 1 : input.Length;
                _vocabulary = SymbolicSize.IsSymbolic(input.Size) ? Size.V : new Size(input.Size);
                // Sizes are filled in at the end, once the parameter count is known.
                _params = new IrBuffer("parameters", Size.Zero, BufferKind.Parameters, "[P]");
                _grads = new IrBuffer("gradients", Size.Zero, BufferKind.Gradients, "[P]");
            }

            private bool Training => _kind == ProgramKind.Train;
            private bool _perStepTargets;

            public IrProgram Run()
            {
                var names = LayerNames(_spec);
                _perStepTargets = Training && OutputIsPerStep(_spec);
                Value? value = null;
                for (int i = 0; i < _spec.Layers.Count; i++)
                {
                    var layer = _spec.Layers[i];
                    value = layer.Kind switch
                    {
                        LayerKind.TokenInput => Input(layer),
                        LayerKind.Embedding => Embedding(names[i], layer, value!),
                        LayerKind.Lstm or LayerKind.Gru or LayerKind.SimpleRnn => Recurrent(names[i], layer, value!),
                        LayerKind.Dropout => Dropout(names[i], layer, value!),
                        LayerKind.Flatten => Flatten(value!),
                        LayerKind.Dense => Dense(names[i], layer, value!, isLast: i == _spec.Layers.Count - 1),
                        LayerKind.PositionalEmbedding => PositionalEmbedding(names[i], layer, value!),
                        LayerKind.MultiHeadAttention => MultiHeadAttentionLayer(names[i], layer, value!),
                        LayerKind.LayerNormalization => LayerNormalizationLayer(names[i], value!),
                        LayerKind.TransformerDecoder => TransformerDecoder(names[i], layer, value!),
                        _ => throw new NotSupportedException("Layer kind " + layer.Kind),
                    };
                }

                if (_positions != null)
                    _forward.Add(new AdvancePositionsOp(new IdView(_positions, 0, Size.B, 1)) { Comment = "the next call is the next position" });

                var parameters = new IrBuffer("parameters", _parameterCount, BufferKind.Parameters, "[" + _parameterCount + "]");
                var gradients = new IrBuffer("gradients", _parameterCount, BufferKind.Gradients, "[" + _parameterCount + "]");
                var remap = new Dictionary<IrBuffer, IrBuffer> { [_params] = parameters, [_grads] = gradients };
                var buffers = new List<IrBuffer> { parameters, gradients };
                buffers.AddRange(_buffers);
                var backward = new List<Op>();
                for (int i = _backwardBlocks.Count - 1; i >= 0; i--) backward.AddRange(_backwardBlocks[i]);
                var last = _spec.Layers[_spec.Layers.Count - 1];
                return new IrProgram(_kind, _t, buffers, _parameters, _parameterCount,
                    Remap(_forward, remap), Remap(backward, remap), _tokens, _targets, Remap(_output!, remap),
                    outputIsProbability: last.Activation != ActivationKind.None, targetsPerStep: _perStepTargets)
                {
                    QueryPositions = _queryPositions,
                    CacheCapacity = _kind == ProgramKind.Step ? CacheCapacity(_spec) : 0,
                };
            }

            private View? _output;

            private IrBuffer Buffer(string name, Size length, BufferKind kind, string shape, ElementType type = ElementType.Float32)
            {
                var b = new IrBuffer(name, length, kind, shape, type);
                _buffers.Add(b);
                return b;
            }

            private ParameterTensor Parameter(string layer, string name, Size rows, Size cols, InitKind init, int units = 0, bool isVector = false) =>
                AddParameter(layer, layer + "." + name, rows, cols, init, units, isVector);

            /// <summary>Lays the next tensor out in the flat buffer; <paramref name="name"/> is the checkpoint name, <paramref name="layer"/> the owning layer.</summary>
            private ParameterTensor AddParameter(string layer, string name, Size rows, Size cols, InitKind init, int units, bool isVector)
            {
                var p = new ParameterTensor(name, layer, rows, cols, _parameterCount, init, units) { IsVector = isVector };
                _parameterCount += p.Length;
                _parameters.Add(p);
                return p;
            }

            private View ParamView(ParameterTensor p) => new View(_params, p.Offset, p.Rows, p.Cols, p.Cols);
            private View GradView(ParameterTensor p) => new View(_grads, p.Offset, p.Rows, p.Cols, p.Cols);

            private Value Input(LayerSpec layer)
            {
                _tokens = Buffer("tokens", Size.B * _t, BufferKind.TokenIds, "[B, " + _t + "]", ElementType.Int32);
                _targets = _perStepTargets
                    ? Buffer("targets", Size.B * _t, BufferKind.Targets, "[B, " + _t + "]", ElementType.Int32)
                    : Buffer("targets", Size.B, BufferKind.Targets, "[B]", ElementType.Int32);
                return new Value
                {
                    // Column t of the row-major [B, T] id matrix.
                    Tokens = new IdView(_tokens, 0, Size.B, _t, timeStride: 1),
                    Width = _vocabulary,
                    IsSequence = true,
                    Shape = "[T, V]",
                };
            }

            private (View step, View all, IrBuffer buffer) Sequence(string name, Size width, BufferKind kind, string shape, int extraSteps = 0)
            {
                var b = Buffer(name, Size.B * width * (_t + extraSteps), kind, shape);
                var step = new View(b, Size.B * width * extraSteps, Size.B, width, width, timeStride: Size.B * width);
                var all = new View(b, Size.B * width * extraSteps, Size.B * _t, width, width);
                return (step, all, b);
            }

            private Value Embedding(string name, LayerSpec layer, Value input)
            {
                int e = layer.Size;
                var table = Parameter(name, "embeddings", _vocabulary, e, InitKind.Uniform005);
                var (xStep, xAll, _) = Sequence(name + "_out", e, BufferKind.Activation, "[T, B, " + e + "]");
                _forward.Add(new LoopOp(_t, false, new Op[]
                {
                    new GatherRowsOp(ParamView(table), input.Tokens!, xStep, accumulate: false) { Comment = name + ": look up the ids of step t" },
                }));
                var value = new Value { Width = e, IsSequence = true, Step = xStep, All = xAll, Shape = "[T, " + e + "]", Mask = layer.MaskZero ? input.Tokens : null };
                // A frozen table gets no gradient, and nothing flows back past it: no backward at all.
                if (Training && !layer.Frozen)
                {
                    var (gStep, gAll, _) = Sequence("d_" + name + "_out", e, BufferKind.ActivationGradient, "[T, B, " + e + "]");
                    value.GradStep = gStep; value.GradAll = gAll;
                    _backwardBlocks.Add(new List<Op>
                    {
                        new LoopOp(_t, true, new Op[]
                        {
                            new ScatterAddRowsOp(gStep, input.Tokens!, GradView(table)) { Comment = name + ": dEmbeddings[id] += dOut" },
                        }),
                    });
                }
                return value;
            }

            /// <summary>x·W + b for all steps before the recurrence: a row gather for one-hot input, one product otherwise.</summary>
            private void InputProjection(string name, Value input, IdView? tokens, ParameterTensor kernel, View bias, View zStep, View zAll)
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
            private void InputProjectionBackward(List<Op> block, string name, Value input, IdView? tokens, ParameterTensor kernel, View biasGradient, View dzStep, View dzAll, bool accumulateInputGradient)
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
                    if (input.GradAll != null)
                        block.Add(new MatMulOp(dzAll, false, ParamView(kernel), true, input.GradAll, accumulate: accumulateInputGradient) { Comment = name + ": dx " + (accumulateInputGradient ? "+" : "") + "= dz·Wᵀ" });
                }
            }

            /// <summary>
            /// Where one direction of a recurrent layer keeps its hidden state. Views are indexed by the processing step
            /// s (the loop variable); a backward direction walks original time τ = T−1−s with negative time strides, and
            /// keeps its per-step buffers in τ order so that "all steps" views line up with the forward ones.
            /// </summary>
            private sealed class Direction
            {
                public string Prefix = "";          // buffer names, e.g. "lstm" or "bidirectional_backward_gru"
                public string ParameterLayer = "";  // ParameterTensor.Layer (Summary groups by it)
                public string ParameterPrefix = ""; // tensor names, e.g. "lstm" or "bidirectional.backward_gru"
                public bool Reverse;
                public View HPrev = null!, HNext = null!, HFirst = null!, HInputsAll = null!;
                public View? HCarrySource;           // stateful: the slot copied back into HFirst after a step
                public View? DhPrev, DhNext, DhFirst;
                public bool ConsumerWritesEverySlot; // returnSequences: dh of every output slot was assigned by the consumer
                public bool AccumulateInputGradient; // the second direction adds to dx
            }

            private Value Recurrent(string name, LayerSpec layer, Value input)
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
                var block = Training ? new List<Op>() : null;
                if (Training)
                {
                    var (dhNext, dhAll, dhBuf) = Sequence("d_" + name + "_h", h, BufferKind.ActivationGradient, "[T+1, B, " + h + "]", extraSteps: 1);
                    d.DhPrev = new View(dhBuf, 0, Size.B, h, h, timeStride: Size.B * h);
                    d.DhNext = dhNext;
                    d.DhFirst = new View(dhBuf, 0, Size.B, h, h);
                    if (layer.ReturnSequences) { value.GradStep = dhNext; value.GradAll = dhAll; }
                    else value.GradAll = new View(dhBuf, Size.B * h * _t, Size.B, h, h);
                }
                RecurrentDirection(layer, input, d, block);
                if (block != null) _backwardBlocks.Add(block);
                return value;
            }

            /// <summary>
            /// Keras Bidirectional (merge_mode "concat"): a forward and a backward copy of the layer, their states in one
            /// buffer [T+2, B, 2H] — slot 0 the forward initial state, slot T+1 the backward one, slot τ+1 both outputs at
            /// time τ — so a returned sequence is slots 1..T with no copy.
            /// </summary>
            private Value Bidirectional(string name, LayerSpec layer, Value input)
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
                    ConsumerWritesEverySlot = layer.ReturnSequences, AccumulateInputGradient = true,
                };
                if (dhBuf != null)
                {
                    forward.DhPrev = At(dhBuf, 0, Size.B, 0, slot); forward.DhNext = At(dhBuf, slot, Size.B, 0, slot); forward.DhFirst = At(dhBuf, 0, Size.B, 0);
                    backward.DhPrev = At(dhBuf, slot * (_t + 1), Size.B, h, Size.Zero - slot); backward.DhNext = At(dhBuf, slot * _t, Size.B, h, Size.Zero - slot);
                    backward.DhFirst = At(dhBuf, slot * (_t + 1), Size.B, h);
                }

                var block = Training ? new List<Op>() : null;
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
                        value.GradAll = new View(dhBuf, slot, Size.B * _t, w, w);
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
                        value.GradAll = View.Whole(dOutput, Size.B, w);
                        copies = new List<Op>
                        {
                            new CopyOp(new View(dOutput, 0, Size.B, h, w), At(dhBuf, slot * _t, Size.B, 0)) { Comment = name + ": gradient of the forward final state" },
                            new CopyOp(new View(dOutput, h, Size.B, h, w), At(dhBuf, slot, Size.B, h)) { Comment = name + ": gradient of the backward final state" },
                        };
                        block!.AddRange(copies);
                    }
                    RecurrentDirection(layer, input, forward, block);
                    RecurrentDirection(layer, input, backward, block);
                    _forward.Add(new CopyOp(At(hBuf, slot * _t, Size.B, 0), new View(output, 0, Size.B, h, w)) { Comment = name + ": concatenate the final states" });
                    _forward.Add(new CopyOp(At(hBuf, slot, Size.B, h), new View(output, h, Size.B, h, w)));
                }
                if (block != null) _backwardBlocks.Add(block);
                return value;
            }

            /// <summary>One direction of a recurrent layer: forward ops to <c>_forward</c>, backward ops to <paramref name="block"/>.</summary>
            private void RecurrentDirection(LayerSpec layer, Value input, Direction d, List<Op>? block)
            {
                switch (layer.Kind)
                {
                    case LayerKind.Lstm: LstmDirection(layer.Size, input, d, block); break;
                    case LayerKind.Gru: GruDirection(layer.Size, input, d, block); break;
                    default: SimpleRnnDirection(layer.Size, input, d, block); break;
                }
            }

            private ParameterTensor DirectionParameter(Direction d, string tensor, Size rows, Size cols, InitKind init, int units = 0, bool isVector = false) =>
                AddParameter(d.ParameterLayer, d.ParameterPrefix + "." + tensor, rows, cols, init, units, isVector);

            /// <summary>A per-step buffer [T, B, width] in original time order, stepped backwards for a reverse direction.</summary>
            private (View step, View all, IrBuffer buffer) DirectionSequence(Direction d, string name, Size width, BufferKind kind)
            {
                var b = Buffer(name, Size.B * width * _t, kind, "[T, B, " + width + "]");
                var step = d.Reverse
                    ? new View(b, Size.B * width * (_t - 1), Size.B, width, width, timeStride: Size.Zero - Size.B * width)
                    : new View(b, 0, Size.B, width, width, timeStride: Size.B * width);
                return (step, new View(b, 0, Size.B * _t, width, width), b);
            }

            private IdView? DirectionTokens(Direction d, Value input) => DirectionIds(d, input.Tokens);

            private IdView? DirectionIds(Direction d, IdView? ids) =>
                ids is null ? null
                : d.Reverse ? new IdView(ids.Buffer, ids.Offset + (_t - 1), Size.B, _t, timeStride: -1)
                : ids;

            /// <summary>mask_zero: a [T, B, h] 0/1 buffer for this direction's steps (1 where the token is not padding), or null.</summary>
            private View? DirectionMask(Direction d, Value input, int h)
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
            private static Expr Masked(Expr updated, Expr previous, Expr mask) => mask * updated + (Expr.Const(1) - mask) * previous;

            private void StartState(Direction d)
            {
                if (d.HCarrySource is null) _forward.Add(new ZeroOp(d.HFirst) { Comment = d.Prefix + ": zero initial state" });
            }

            private void CarryState(Direction d)
            {
                if (d.HCarrySource != null) _forward.Add(new CopyOp(d.HCarrySource, d.HFirst) { Comment = d.Prefix + ": carry state" });
            }

            /// <summary>With returnSequences the consumer assigned every output slot's dh; the initial-state slot only accumulates, so it starts at zero.</summary>
            private void ZeroFirstGradient(Direction d, List<Op> block)
            {
                if (d.ConsumerWritesEverySlot) block.Add(new ZeroOp(d.DhFirst!) { Comment = d.Prefix + ": backward through time" });
            }

            private void LstmDirection(int h, Value input, Direction d, List<Op>? block)
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

            /// <summary>
            /// Keras SimpleRNN: h_t = tanh(x_t·W + h_{t−1}·U + b). Same skeleton as the LSTM: projection for all steps,
            /// h·U accumulated per step, a fused pointwise step, dU in one product after the backward loop.
            /// </summary>
            private void SimpleRnnDirection(int h, Value input, Direction d, List<Op>? block)
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

            /// <summary>
            /// Keras GRU, reset_after=True (the TF2 default): the recurrent product has its own bias and the reset gate
            /// multiplies it. x-projection [T, B, 3H] for all steps; per step r_t = h_{t−1}·U + b_rec (saved for backward)
            /// and one fused pointwise step. Gate blocks z, r, h.
            /// </summary>
            private void GruDirection(int h, Value input, Direction d, List<Op>? block)
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

            private static View[] GateBlocks3(View z, int h) => new[] { z.Columns(0, h), z.Columns(h, h), z.Columns(2 * h, h) };

            private static View[] GateBlocks(View z, int h) => new[] { z.Columns(0, h), z.Columns(h, h), z.Columns(2 * h, h), z.Columns(3 * h, h) };

            /// <summary>
            /// All LSTM gate math in one pass: c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c'). With <paramref name="tanhC"/>
            /// (training) the pass also writes σ(i), σ(f), tanh(g), σ(o) over the gate pre-activations and tanh(c') there, so
            /// the backward (<see cref="PointwiseBackward"/>) evaluates no transcendental function.
            /// </summary>
            private static PointwiseOp LstmCell(string name, int h, View[] gates, View cPrev, View cNext, View hNext, View? hPrev, View? mask, View? tanhC)
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

            /// <summary>
            /// The backward of a pointwise op: inputs are the forward inputs, then the saved values, then the output
            /// gradients. The forward's first <c>outputGradients.Count</c> outputs are differentiated; any further outputs
            /// are saved values (an activation written over its own input, or into a buffer of its own) that the derived
            /// expressions read instead of recomputing them.
            /// </summary>
            private static PointwiseOp PointwiseBackward(string name, PointwiseOp forward, IReadOnlyList<View?> inputGradients, IReadOnlyList<bool> accumulate, IReadOnlyList<View> outputGradients)
            {
                int n = forward.Inputs.Count;
                var inputs = new List<View>(forward.Inputs);
                var savedValues = new Dictionary<Expr, Expr>();
                var overwritten = new HashSet<int>();
                for (int j = outputGradients.Count; j < forward.Outputs.Count; j++)
                {
                    var saved = forward.Outputs[j];
                    int k = IndexOf(forward.Inputs, saved.Target);
                    if (k >= 0) overwritten.Add(k);
                    else { k = inputs.Count; inputs.Add(saved.Target); }
                    savedValues[saved.Value] = Expr.In(k);
                }
                var upstream = new Expr[outputGradients.Count];
                for (int j = 0; j < upstream.Length; j++) upstream[j] = Expr.In(inputs.Count + j);
                var outputs = new List<Expr>();
                for (int j = 0; j < outputGradients.Count; j++) outputs.Add(forward.Outputs[j].Value);
                var vjp = ExprDerivative.VectorJacobianProduct(outputs, upstream, n);
                inputs.AddRange(outputGradients);
                var results = new List<PointwiseOutput>();
                for (int k = 0; k < n; k++)
                {
                    if (inputGradients[k] is not { } target) continue;
                    var gradient = vjp[k] ?? Expr.Const(0);
                    if (savedValues.Count > 0) gradient = ExprDerivative.Substitute(gradient, savedValues, overwritten);
                    results.Add(new PointwiseOutput(target, gradient, accumulate[k]));
                }
                return new PointwiseOp(name, forward.Rows, forward.Cols, inputs, results) { Comment = name.Replace("_backward", "") + ": gradients of the fused step (derived symbolically)" };
            }

            private static int IndexOf(IReadOnlyList<View> views, View view)
            {
                for (int k = 0; k < views.Count; k++)
                    if (ReferenceEquals(views[k], view)) return k;
                return -1;
            }

            private Value Dropout(string name, LayerSpec layer, Value input)
            {
                if (!Training || layer.Rate == 0) return input; // identity at inference
                var rows = input.All!.Rows;
                var w = input.Width;
                var mask = Buffer(name + "_mask", rows * w, BufferKind.Activation, input.IsSequence ? "[T, B, " + w + "]" : "[B, " + w + "]");
                var output = Buffer(name + "_out", rows * w, BufferKind.Activation, mask.Shape);
                var grad = Buffer("d_" + name + "_out", rows * w, BufferKind.ActivationGradient, mask.Shape);
                var maskView = View.Whole(mask, rows, w);
                var outView = View.Whole(output, rows, w);
                var gradView = View.Whole(grad, rows, w);
                _forward.Add(new DropoutMaskOp(maskView, layer.Rate) { Comment = name + ": keep with probability " + (1 - layer.Rate).ToString("R", CultureInfo.InvariantCulture) + ", scaled" });
                var apply = new PointwiseOp(name, rows, w, new[] { input.All!, maskView }, new[] { new PointwiseOutput(outView, Expr.In(0) * Expr.In(1), false) });
                _forward.Add(apply);
                if (input.GradAll != null)
                {
                    _backwardBlocks.Add(new List<Op>
                    {
                        PointwiseBackward(name + "_backward", apply, new View?[] { input.GradAll, null }, new[] { false, false }, new[] { gradView }),
                    });
                }
                var value = new Value { Width = w, IsSequence = input.IsSequence, Flattened = input.Flattened, All = outView, GradAll = input.GradAll != null ? gradView : null, Shape = input.Shape, Mask = input.Mask };
                if (input.IsSequence)
                {
                    value.Step = new View(output, 0, Size.B, w, w, timeStride: Size.B * w);
                    if (value.GradAll != null) value.GradStep = new View(grad, 0, Size.B, w, w, timeStride: Size.B * w);
                }
                return value;
            }

            /// <summary>Flatten is free: the Dense that follows reads the steps one by one (see <see cref="Dense"/>).</summary>
            private Value Flatten(Value input)
            {
                if (!input.IsSequence || input.Tokens != null) throw new ArgumentException("Flatten needs a sequence of vectors.");
                return new Value
                {
                    Width = input.Width, IsSequence = true, Flattened = true, Step = input.Step, All = input.All,
                    GradStep = input.GradStep, GradAll = input.GradAll, Shape = "[" + (input.Width * _t) + "]",
                };
            }

            /// <summary>
            /// A last Dense over a sequence: logits for every step in one product, the loss averaged over all B·T positions
            /// (a language model trained on every position, as char-rnn does), less padded targets when the model masks
            /// padding. Inference computes the last step only.
            /// </summary>
            private Value DensePerStep(string name, LayerSpec layer, Value input)
            {
                Size units = SymbolicSize.IsSymbolic(layer.Size) ? _vocabulary : new Size(layer.Size);
                var kernel = Parameter(name, "kernel", input.Width, units, InitKind.GlorotUniform);
                var bias = Parameter(name, "bias", 1, units, InitKind.Zeros, isVector: true);
                var all = input.All!;
                if (!Training)
                {
                    var lastStep = _kind == ProgramKind.Infer && UsesPositions(_spec)
                        ? SelectQueryPositions(name, input)
                        : new View(all.Buffer, all.Offset + Size.B * (_t - 1) * all.RowStride, Size.B, all.Cols, all.RowStride);
                    var lastLogits = Buffer(name + "_logits", Size.B * units, BufferKind.Activation, "[B, " + units + "]");
                    var lastView = View.Whole(lastLogits, Size.B, units);
                    _forward.Add(new MatMulOp(lastStep, false, ParamView(kernel), false, lastView, accumulate: false, bias: ParamView(bias))
                        { Comment = name + ": x_T·W + b (the last step is the prediction)" });
                    FinishInference(name, layer, units, lastView);
                    return new Value { Width = units, IsSequence = false, All = lastView, Shape = "[" + units + "]" };
                }

                var (logitsStep, logitsAll, _) = Sequence(name + "_logits", units, BufferKind.Activation, "[T, B, " + units + "]");
                var (dStep, dAll, _) = Sequence("d_" + name + "_logits", units, BufferKind.ActivationGradient, "[T, B, " + units + "]");
                _forward.Add(new MatMulOp(all, false, ParamView(kernel), false, logitsAll, accumulate: false, bias: ParamView(bias))
                    { Comment = name + ": x_t·W + b for every step in one product" });
                var targets = new IdView(_targets, 0, Size.B, _t, timeStride: 1);
                bool ignorePadding = IgnoresPaddingTargets(_spec);
                _forward.Add(new LoopOp(_t, false, new Op[]
                {
                    new SoftmaxCrossEntropyOp(logitsStep, targets, dStep, binary: false, steps: _t, ignorePadding)
                    {
                        Comment = ignorePadding
                            ? "loss at step t: softmax and cross-entropy in one pass; target 0 is padding (no loss, dLogits 0); dLogits = (p − onehot)/(targets ≠ 0 in the batch)"
                            : "loss at step t: softmax and cross-entropy in one pass; dLogits = (p − onehot)/(B·T)",
                    },
                }));
                var block = new List<Op>
                {
                    new MatMulOp(all, true, dAll, false, GradView(kernel), accumulate: true) { Comment = name + ": dW += Σ_t x_tᵀ·dLogits_t in one product" },
                    new ColumnSumsOp(dAll, GradView(bias), accumulate: true) { Comment = name + ": db += Σ dLogits" },
                };
                if (input.GradAll != null)
                    block.Add(new MatMulOp(dAll, false, ParamView(kernel), true, input.GradAll, accumulate: false) { Comment = name + ": dx_t = dLogits_t·Wᵀ for every step" });
                _backwardBlocks.Add(block);
                _output = new View(logitsAll.Buffer, Size.B * (_t - 1) * units, Size.B, units, units);
                return new Value { Width = units, IsSequence = true, All = logitsAll, Step = logitsStep, Shape = "[T, " + units + "]" };
            }

            private void FinishInference(string name, LayerSpec layer, Size units, View logitsView)
            {
                if (layer.Activation == ActivationKind.Softmax)
                {
                    var probs = Buffer(name + "_probs", Size.B * units, BufferKind.Activation, "[B, " + units + "]");
                    var probsView = View.Whole(probs, Size.B, units);
                    _forward.Add(new SoftmaxOp(logitsView, probsView) { Comment = name + ": softmax" });
                    _output = probsView;
                }
                else
                {
                    _output = logitsView;
                }
            }

            private Value Dense(string name, LayerSpec layer, Value input, bool isLast)
            {
                if (input.IsSequence && !input.Flattened)
                {
                    if (!isLast || layer.Activation == ActivationKind.Sigmoid) throw new ArgumentException(name + " needs a vector but gets a sequence " + input.Shape);
                    return DensePerStep(name, layer, input);
                }
                Size units = SymbolicSize.IsSymbolic(layer.Size) ? _vocabulary : new Size(layer.Size);
                Size inputWidth = input.Flattened ? input.Width * _t : input.Width;
                var kernel = Parameter(name, "kernel", inputWidth, units, InitKind.GlorotUniform);
                var bias = Parameter(name, "bias", 1, units, InitKind.Zeros, isVector: true);
                var logits = Buffer(name + "_logits", Size.B * units, BufferKind.Activation, "[B, " + units + "]");
                var logitsView = View.Whole(logits, Size.B, units);
                // Rows [t·w, (t+1)·w) of the kernel multiply step t of a flattened sequence.
                var kernelStep = new View(_params, kernel.Offset, input.Width, units, units, timeStride: input.Width * units);
                var kernelGradStep = new View(_grads, kernel.Offset, input.Width, units, units, timeStride: input.Width * units);
                if (input.Flattened)
                {
                    // Flatten without a copy: x_flat·W = Σ_t x_t·W_t over the time-major steps.
                    var biasRows = new View(_params, bias.Offset, Size.B, units, 0);
                    _forward.Add(new PointwiseOp(name + "_bias", Size.B, units, new[] { biasRows }, new[] { new PointwiseOutput(logitsView, Expr.In(0), false) })
                        { Comment = name + ": logits = b" });
                    _forward.Add(new LoopOp(_t, false, new Op[]
                    {
                        new MatMulOp(input.Step!, false, kernelStep, false, logitsView, accumulate: true) { Comment = name + ": logits += x_t·W_t (flattened input)" },
                    }));
                }
                else
                {
                    _forward.Add(new MatMulOp(input.All!, false, ParamView(kernel), false, logitsView, accumulate: false, bias: ParamView(bias))
                        { Comment = name + ": x·W + b" });
                }
                var value = new Value { Width = units, IsSequence = false, All = logitsView, Shape = "[" + units + "]" };
                if (!isLast) throw new NotSupportedException("Dense is only supported as the last layer in this version.");

                if (Training)
                {
                    var dLogits = Buffer("d_" + name + "_logits", Size.B * units, BufferKind.ActivationGradient, "[B, " + units + "]");
                    var dView = View.Whole(dLogits, Size.B, units);
                    var targets = new IdView(_targets, 0, Size.B, 1);
                    bool binary = layer.Activation == ActivationKind.Sigmoid;
                    _forward.Add(new SoftmaxCrossEntropyOp(logitsView, targets, dView, binary)
                        { Comment = binary ? "loss: sigmoid and binary cross-entropy in one pass; dLogits = (σ(z) − y)/B" : "loss: softmax and cross-entropy in one pass; dLogits = (p − onehot)/B" });
                    var block = new List<Op>();
                    if (input.Flattened)
                    {
                        var body = new List<Op> { new MatMulOp(input.Step!, true, dView, false, kernelGradStep, accumulate: true) { Comment = name + ": dW_t += x_tᵀ·dLogits" } };
                        if (input.GradStep != null)
                            body.Add(new MatMulOp(dView, false, kernelStep, true, input.GradStep, accumulate: false) { Comment = name + ": dx_t = dLogits·W_tᵀ" });
                        block.Add(new LoopOp(_t, true, body));
                    }
                    else
                    {
                        block.Add(new MatMulOp(input.All!, true, dView, false, GradView(kernel), accumulate: true) { Comment = name + ": dW += xᵀ·dLogits" });
                        if (input.GradAll != null)
                            block.Add(new MatMulOp(dView, false, ParamView(kernel), true, input.GradAll, accumulate: false) { Comment = name + ": dx = dLogits·Wᵀ" });
                    }
                    block.Insert(Math.Min(1, block.Count), new ColumnSumsOp(dView, GradView(bias), accumulate: true) { Comment = name + ": db += Σ dLogits" });
                    _backwardBlocks.Add(block);
                    _output = logitsView;
                }
                else if (layer.Activation == ActivationKind.Sigmoid)
                {
                    var probs = Buffer(name + "_probs", Size.B * units, BufferKind.Activation, "[B, " + units + "]");
                    var probsView = View.Whole(probs, Size.B, units);
                    _forward.Add(new PointwiseOp(name + "_sigmoid", Size.B, units, new[] { logitsView }, new[] { new PointwiseOutput(probsView, Expr.Sigmoid(Expr.In(0)), false) })
                        { Comment = name + ": sigmoid" });
                    _output = probsView;
                }
                else
                {
                    FinishInference(name, layer, units, logitsView);
                }
                return value;
            }

            // Parameter and gradient views were made against placeholders before the parameter count was known.
            private static List<Op> Remap(IReadOnlyList<Op> ops, Dictionary<IrBuffer, IrBuffer> map)
            {
                var result = new List<Op>(ops.Count);
                foreach (var op in ops) result.Add(Remap(op, map));
                return result;
            }

            private static View Remap(View v, Dictionary<IrBuffer, IrBuffer> map) =>
                map.TryGetValue(v.Buffer, out var b) ? new View(b, v.Offset, v.Rows, v.Cols, v.RowStride, v.TimeStride) : v;

            private static View? RemapOptional(View? v, Dictionary<IrBuffer, IrBuffer> map) => v is null ? null : Remap(v, map);

            private static Op Remap(Op op, Dictionary<IrBuffer, IrBuffer> map)
            {
                Op result = op switch
                {
                    MatMulOp m => new MatMulOp(Remap(m.A, map), m.TransA, Remap(m.B, map), m.TransB, Remap(m.C, map), m.Accumulate, RemapOptional(m.Bias, map)),
                    GatherRowsOp g => new GatherRowsOp(Remap(g.Table, map), g.Ids, Remap(g.Output, map), g.Accumulate, RemapOptional(g.Bias, map)),
                    ScatterAddRowsOp s => new ScatterAddRowsOp(Remap(s.Source, map), s.Ids, Remap(s.Table, map)),
                    ColumnSumsOp c => new ColumnSumsOp(Remap(c.Source, map), Remap(c.Sums, map), c.Accumulate),
                    PointwiseOp p => new PointwiseOp(p.Name, p.Rows, p.Cols, RemapAll(p.Inputs, map), RemapOutputs(p.Outputs, map)),
                    LoopOp l => new LoopOp(l.Count, l.Reverse, Remap(l.Body, map)),
                    LayerNormOp n => Remap(n, map),
                    LayerNormBackwardOp n => new LayerNormBackwardOp(Remap(n.Forward, map), n.DY, n.DX, Remap(n.DGamma, map), Remap(n.DBeta, map)),
                    ZeroOp z => new ZeroOp(Remap(z.Target, map)),
                    CopyOp c => new CopyOp(Remap(c.Source, map), Remap(c.Target, map)),
                    // Made after the parameters are laid out, or never reading them: nothing to remap.
                    SoftmaxCrossEntropyOp or SoftmaxOp or DropoutMaskOp or TokenMaskOp or AttentionOp
                        or AttentionBackwardOp or CachedAttentionOp or GatherPositionsOp or RecordTokensOp or AdvancePositionsOp => op,
                    // A new op kind must say here whether it can hold a parameter or gradient view: kept as it was, it would
                    // still point at a placeholder buffer that no renderer allocates.
                    _ => throw new System.NotSupportedException("Lowering.Remap does not know " + op.GetType().Name + "."),
                };
                result.Comment = op.Comment;
                return result;
            }

            private static LayerNormOp Remap(LayerNormOp n, Dictionary<IrBuffer, IrBuffer> map) =>
                new LayerNormOp(n.X, Remap(n.Gamma, map), Remap(n.Beta, map), n.Y, n.Epsilon, n.Mean, n.InverseStd) { Comment = n.Comment };

            private static List<View> RemapAll(IReadOnlyList<View> views, Dictionary<IrBuffer, IrBuffer> map)
            {
                var r = new List<View>(views.Count);
                foreach (var v in views) r.Add(Remap(v, map));
                return r;
            }

            private static List<PointwiseOutput> RemapOutputs(IReadOnlyList<PointwiseOutput> outputs, Dictionary<IrBuffer, IrBuffer> map)
            {
                var r = new List<PointwiseOutput>(outputs.Count);
                foreach (var o in outputs) r.Add(new PointwiseOutput(Remap(o.Target, map), o.Value, o.Accumulate));
                return r;
            }
        }
    }
}
