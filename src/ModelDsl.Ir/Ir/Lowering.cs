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
        /// <summary>The Keras LayerNormalization default epsilon.</summary>
        public const double LayerNormEpsilon = 1e-3;

        public static IrProgram Lower(ModelSpec spec, ProgramKind kind) =>
            kind == ProgramKind.Step && !SupportsStep(spec)
                ? throw new NotSupportedException(spec.Name + " flattens its sequence, reads it backwards (Bidirectional), convolves or pools over it, or uses non-causal attention, so it has no one-step program; use window mode.")
                : new Lowerer(spec, kind).Run();

        /// <summary>Whether every layer can run one time step at a time with carried state (the stateful sampling program).</summary>
        public static bool SupportsStep(ModelSpec spec)
        {
            foreach (var layer in spec.Layers)
                if (!LayerDefinition.For(layer.Kind).SupportsStep(layer)) return false;
            return true;
        }

        /// <summary>Whether the last layer is a Dense over a sequence: one output (and one training target) per step.</summary>
        public static bool OutputIsPerStep(ModelSpec spec)
        {
            int last = spec.Layers.Count - 1;
            return last > 0 && spec.Layers[last].Kind == LayerKind.Dense && spec.Flow.Inputs[last].IsSequence;
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
                var baseName = LayerDefinition.For(layer.Kind).KerasNameOf(layer);
                counts.TryGetValue(baseName, out int n);
                counts[baseName] = n + 1;
                names.Add(n == 0 ? baseName : baseName + "_" + n.ToString(CultureInfo.InvariantCulture));
            }
            return names;
        }

        /// <summary>
        /// Positions a step program can take before its state must be reset: the key/value caches' length, which is the
        /// position table's (or the input length without one); 0 when the model has neither attention nor a position table.
        /// </summary>
        public static int CacheCapacity(ModelSpec spec)
        {
            int capacity = spec.Layers[0].Length;
            foreach (var layer in spec.Layers)
                if (layer.Kind == LayerKind.PositionalEmbedding && layer.Length > 0) capacity = layer.Length;
            return UsesPositions(spec) ? capacity : 0;
        }

        /// <summary>Whether the model has attention (or a position table): its outputs depend on absolute positions.</summary>
        public static bool UsesPositions(ModelSpec spec)
        {
            foreach (var layer in spec.Layers)
                if (LayerDefinition.For(layer.Kind).UsesPositions) return true;
            return false;
        }

        /// <summary>What flows between layers.</summary>
        internal sealed class Value
        {
            public IdView? Tokens;          // token ids, one column per time step (time-indexed)
            public Size Width;              // features per row (V for tokens: one-hot width)
            public bool IsSequence;
            public bool Flattened;          // a sequence seen as one vector [T·W] per row (Flatten): Step/GradStep stay per step
            public IdView? Mask;            // mask_zero: the token ids whose 0s mark padded steps (time-indexed)
            public View? Step;              // [B, W] at time t (time-indexed), sequences only
            public View? All;               // [T·B, W] or [B, W], contiguous rows
            public View? GradStep;          // the gradient's step view, same layout (training)
            public GradSink? Grad;          // the gradient of All (training): its writers take it, the first assigns
            public View? GradAll => Grad?.View;
            public string Shape = "";
            public int Steps;               // steps of a sequence when a layer changed them (Conv1D); 0: the program's length
        }

        /// <summary>A gradient buffer with several writers: the first (in execution order) assigns, the others add.</summary>
        internal sealed class GradSink
        {
            public GradSink(View view) { View = view; }
            public View View { get; }
            public bool Written { get; private set; }

            /// <summary>Whether the next writer must accumulate; marks the sink written.</summary>
            public bool Take()
            {
                bool accumulate = Written;
                Written = true;
                return accumulate;
            }
        }

        internal sealed partial class Lowerer
        {
            private readonly ModelSpec _spec;
            private readonly ProgramKind _kind;
            private readonly int _t;
            private readonly List<IrBuffer> _buffers = new List<IrBuffer>();
            private readonly List<ParameterTensor> _parameters = new List<ParameterTensor>();
            private readonly List<Op> _forward = new List<Op>();
            private readonly List<Action<List<Op>>> _backwardPieces = new List<Action<List<Op>>>();
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

            internal bool Training => _kind == ProgramKind.Train;
            private bool _perStepTargets;

            private static readonly Value[] NoInputs = new Value[0];

            public IrProgram Run()
            {
                var names = LayerNames(_spec);
                _perStepTargets = Training && OutputIsPerStep(_spec);
                Value? value = null;
                for (int i = 0; i < _spec.Layers.Count; i++)
                {
                    var layer = _spec.Layers[i];
                    value = LayerDefinition.For(layer.Kind).Lower(this, names[i], layer, i == 0 ? NoInputs : new[] { value! }, isLast: i == _spec.Layers.Count - 1);
                }

                if (_positions != null)
                    _forward.Add(new AdvancePositionsOp(new IdView(_positions, 0, Size.B, 1)) { Comment = "the next call is the next position" });

                var parameters = new IrBuffer("parameters", _parameterCount, BufferKind.Parameters, "[" + _parameterCount + "]");
                var gradients = new IrBuffer("gradients", _parameterCount, BufferKind.Gradients, "[" + _parameterCount + "]");
                var remap = new Dictionary<IrBuffer, IrBuffer> { [_params] = parameters, [_grads] = gradients };
                var buffers = new List<IrBuffer> { parameters, gradients };
                buffers.AddRange(_buffers);
                // The backward runs the layers' pieces in reverse: ops are written, and gradient sinks taken, in execution order.
                var backward = new List<Op>();
                for (int i = _backwardPieces.Count - 1; i >= 0; i--) _backwardPieces[i](backward);
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

            internal IrBuffer Buffer(string name, Size length, BufferKind kind, string shape, ElementType type = ElementType.Float32)
            {
                var b = new IrBuffer(name, length, kind, shape, type);
                _buffers.Add(b);
                return b;
            }

            internal ParameterTensor Parameter(string layer, string name, Size rows, Size cols, InitKind init, int units = 0, bool isVector = false) =>
                AddParameter(layer, layer + "." + name, rows, cols, init, units, isVector);

            /// <summary>Lays the next tensor out in the flat buffer; <paramref name="name"/> is the checkpoint name, <paramref name="layer"/> the owning layer.</summary>
            internal ParameterTensor AddParameter(string layer, string name, Size rows, Size cols, InitKind init, int units, bool isVector)
            {
                var p = new ParameterTensor(name, layer, rows, cols, _parameterCount, init, units) { IsVector = isVector };
                _parameterCount += p.Length;
                _parameters.Add(p);
                return p;
            }

            internal View ParamView(ParameterTensor p) => new View(_params, p.Offset, p.Rows, p.Cols, p.Cols);
            internal View GradView(ParameterTensor p) => new View(_grads, p.Offset, p.Rows, p.Cols, p.Cols);


            /// <summary>
            /// Registers a piece of the backward. The one gradient convention: each layer registers its pieces in forward
            /// order; after the forward is lowered they run in reverse registration order, each appending its ops, so the
            /// backward is written in execution order; an activation gradient is a <see cref="GradSink"/> whose writers take
            /// it as they write: the first assigns, later ones add (a writer that covers only part of it zeroes it first).
            /// </summary>
            internal void Backward(Action<List<Op>> piece) => _backwardPieces.Add(piece);

            /// <summary>A backward piece whose ops are known when the layer is lowered (they take no gradient sink).</summary>
            internal void AddBackwardBlock(List<Op> ops) => Backward(block => block.AddRange(ops));

            /// <summary>The steps of a sequence value: its own when a layer changed them, else the program's length.</summary>
            internal int StepsOf(Value value) => value.Steps > 0 ? value.Steps : _t;

            /// <summary>A time-major [steps (+ extra), B, width] buffer: its step view (time-indexed) and its all-steps view.</summary>
            internal (View step, View all, IrBuffer buffer) Sequence(string name, Size width, BufferKind kind, string shape, int extraSteps = 0, int stepsOverride = 0)
            {
                int steps = stepsOverride > 0 ? stepsOverride : _t;
                var b = Buffer(name, Size.B * width * (steps + extraSteps), kind, shape);
                var step = new View(b, Size.B * width * extraSteps, Size.B, width, width, timeStride: Size.B * width);
                var all = new View(b, Size.B * width * extraSteps, Size.B * steps, width, width);
                return (step, all, b);
            }


            /// <summary>
            /// The backward of a pointwise op: inputs are the forward inputs, then the saved values, then the output
            /// gradients. The forward's first <c>outputGradients.Count</c> outputs are differentiated; any further outputs
            /// are saved values (an activation written over its own input, or into a buffer of its own) that the derived
            /// expressions read instead of recomputing them.
            /// </summary>
            internal static PointwiseOp PointwiseBackward(string name, PointwiseOp forward, IReadOnlyList<View?> inputGradients, IReadOnlyList<bool> accumulate, IReadOnlyList<View> outputGradients)
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

            internal static int IndexOf(IReadOnlyList<View> views, View view)
            {
                for (int k = 0; k < views.Count; k++)
                    if (ReferenceEquals(views[k], view)) return k;
                return -1;
            }


            // Parameter and gradient views were made against placeholders before the parameter count was known.
            internal static List<Op> Remap(IReadOnlyList<Op> ops, Dictionary<IrBuffer, IrBuffer> map)
            {
                var remapper = new Remapper(map);
                var result = new List<Op>(ops.Count);
                foreach (var op in ops) result.Add(remapper.Remap(op));
                return result;
            }

            internal static View Remap(View v, Dictionary<IrBuffer, IrBuffer> map) =>
                map.TryGetValue(v.Buffer, out var b) ? new View(b, v.Offset, v.Rows, v.Cols, v.RowStride, v.TimeStride) : v;

            internal static View? RemapOptional(View? v, Dictionary<IrBuffer, IrBuffer> map) => v is null ? null : Remap(v, map);

            /// <summary>
            /// Parameter and gradient views point at placeholders until the parameter count is known: this copies each op
            /// with its views on the real buffers. Every op kind says whether it can hold such a view (a new kind must).
            /// </summary>
            private sealed class Remapper : OpVisitor<Op>
            {
                private readonly Dictionary<IrBuffer, IrBuffer> _map;

                public Remapper(Dictionary<IrBuffer, IrBuffer> map) => _map = map;

                public Op Remap(Op op)
                {
                    var result = Visit(op);
                    result.Comment = op.Comment;
                    return result;
                }

                private View V(View v) => Lowerer.Remap(v, _map);
                private View? Optional(View? v) => RemapOptional(v, _map);

                protected override Op VisitMatMul(MatMulOp m) => new MatMulOp(V(m.A), m.TransA, V(m.B), m.TransB, V(m.C), m.Accumulate, Optional(m.Bias));
                protected override Op VisitGatherRows(GatherRowsOp g) => new GatherRowsOp(V(g.Table), g.Ids, V(g.Output), g.Accumulate, Optional(g.Bias));
                protected override Op VisitScatterAddRows(ScatterAddRowsOp s) => new ScatterAddRowsOp(V(s.Source), s.Ids, V(s.Table));
                protected override Op VisitColumnSums(ColumnSumsOp c) => new ColumnSumsOp(V(c.Source), V(c.Sums), c.Accumulate);
                protected override Op VisitPointwise(PointwiseOp p) => new PointwiseOp(p.Name, p.Rows, p.Cols, RemapAll(p.Inputs, _map), RemapOutputs(p.Outputs, _map));
                protected override Op VisitLoop(LoopOp l) => new LoopOp(l.Count, l.Reverse, Lowerer.Remap(l.Body, _map));
                protected override Op VisitLayerNorm(LayerNormOp n) => LayerNorm(n);
                protected override Op VisitLayerNormBackward(LayerNormBackwardOp n) => new LayerNormBackwardOp(LayerNorm(n.Forward), n.DY, n.DX, V(n.DGamma), V(n.DBeta));
                protected override Op VisitZero(ZeroOp z) => new ZeroOp(V(z.Target));
                protected override Op VisitCopy(CopyOp c) => new CopyOp(V(c.Source), V(c.Target));

                // Made after the parameters are laid out, or never reading them: nothing to remap.
                protected override Op VisitSoftmaxCrossEntropy(SoftmaxCrossEntropyOp op) => op;
                protected override Op VisitSoftmax(SoftmaxOp op) => op;
                protected override Op VisitDropoutMask(DropoutMaskOp op) => op;
                protected override Op VisitTokenMask(TokenMaskOp op) => op;
                protected override Op VisitAttention(AttentionOp op) => op;
                protected override Op VisitAttentionBackward(AttentionBackwardOp op) => op;
                protected override Op VisitCachedAttention(CachedAttentionOp op) => op;
                protected override Op VisitGatherPositions(GatherPositionsOp op) => op;
                protected override Op VisitRecordTokens(RecordTokensOp op) => op;
                protected override Op VisitAdvancePositions(AdvancePositionsOp op) => op;
                protected override Op VisitGlobalPool(GlobalPoolOp op) => op;
                protected override Op VisitGlobalPoolBackward(GlobalPoolBackwardOp op) => op;

                private LayerNormOp LayerNorm(LayerNormOp n) =>
                    new LayerNormOp(n.X, V(n.Gamma), V(n.Beta), n.Y, n.Epsilon, n.Mean, n.InverseStd) { Comment = n.Comment };
            }

            internal static List<View> RemapAll(IReadOnlyList<View> views, Dictionary<IrBuffer, IrBuffer> map)
            {
                var r = new List<View>(views.Count);
                foreach (var v in views) r.Add(Remap(v, map));
                return r;
            }

            internal static List<PointwiseOutput> RemapOutputs(IReadOnlyList<PointwiseOutput> outputs, Dictionary<IrBuffer, IrBuffer> map)
            {
                var r = new List<PointwiseOutput>(outputs.Count);
                foreach (var o in outputs) r.Add(new PointwiseOutput(Remap(o.Target, map), o.Value, o.Accumulate));
                return r;
            }
        }
    }
}
