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
            internal IrBuffer? _positions;       // Step: per-row position of the current token (State, int)
            internal IrBuffer? _history;         // Step: token ids seen so far, [L, B] time-major, for padding masks
            internal IrBuffer? _queryPositions;  // Infer: which position's output to read per row

            internal int PositionCapacity => CacheCapacity(_spec);

            internal IdView StepPositions()
            {
                _positions ??= Buffer("positions", Size.B, BufferKind.State, "[B]", ElementType.Int32);
                return new IdView(_positions, 0, Size.B, 1);
            }

            /// <summary>Where attention finds padded keys: the input ids (whole windows) or the recorded history (steps).</summary>
            internal KeyTokens? MaskTokens(Value input)
            {
                if (input.Mask is null) return null;
                if (_kind == ProgramKind.Step)
                    return _history is null ? null : new KeyTokens(_history, 0, 1, Size.B);
                return new KeyTokens(_tokens, 0, _t, 1);
            }

            /// <summary>A fresh [T·B, width] activation and, when training, its gradient sink.</summary>
            internal (View all, View step, GradSink? sink) Activation(string name, Size width)
            {
                var (step, all, _) = Sequence(name, width, BufferKind.Activation, "[T, B, " + width + "]");
                GradSink? sink = null;
                if (Training)
                {
                    var (_, gAll, _) = Sequence("d_" + name, width, BufferKind.ActivationGradient, "[T, B, " + width + "]");
                    sink = new GradSink(gAll);
                }
                return (all, step, sink);
            }

            internal Value SequenceValue(View all, View step, GradSink? sink, Size width, Value input)
            {
                var value = new Value { Width = width, IsSequence = true, All = all, Step = step, Shape = "[T, " + width + "]", Mask = input.Mask };
                if (sink != null)
                {
                    value.Grad = sink;
                    value.GradStep = new View(sink.View.Buffer, sink.View.Offset, Size.B, width, width, timeStride: Size.B * width);
                }
                return value;
            }

            /// <summary>target (+)= source, as the sink's first or a later writer.</summary>
            internal static void AddInto(List<Op> block, GradSink sink, View source, string name)
            {
                if (!sink.Take())
                {
                    block.Add(new CopyOp(source, sink.View) { Comment = name + ": gradient passes through" });
                    return;
                }
                block.Add(new PointwiseOp(name + "_grad", source.Rows, source.Cols, new[] { source },
                    new[] { new PointwiseOutput(sink.View, Expr.In(0), accumulate: true) }) { Comment = name + ": gradient adds on" });
            }

            /// <summary>out = x·W + b over all rows; backward: db, dW, and dx into the input's sink.</summary>
            internal void Linear(string layer, string name, View x, GradSink? xSink, ParameterTensor kernel, ParameterTensor bias, View output, GradSink? outSink)
            {
                _forward.Add(new MatMulOp(x, false, ParamView(kernel), false, output, accumulate: false, bias: ParamView(bias)) { Comment = layer + ": " + name + " = x·W + b" });
                if (outSink is null) return;
                Backward(block =>
                {
                    var d = outSink.View;
                    block.Add(new ColumnSumsOp(d, GradView(bias), accumulate: true) { Comment = layer + ": d" + name + " bias" });
                    block.Add(new MatMulOp(x, true, d, false, GradView(kernel), accumulate: true) { Comment = layer + ": d" + name + " kernel += xᵀ·d" + name });
                    if (xSink != null)
                        block.Add(new MatMulOp(d, false, ParamView(kernel), true, xSink.View, accumulate: xSink.Take()) { Comment = layer + ": dx (+)= d" + name + "·Wᵀ" });
                });
            }

            /// <summary>
            /// Multi-head attention of queries from <paramref name="query"/> over keys and values from <paramref name="keys"/>,
            /// projected back to the query width. Parameters are named as Keras's MultiHeadAttention names them.
            /// </summary>
            internal (View all, View step, GradSink? sink) Attention(string layer, string prefix, int heads, int keySize, bool causal,
                View query, GradSink? querySink, Size queryWidth, View keys, GradSink? keysSink, Size keysWidth, KeyTokens? mask)
            {
                Size hd = heads * keySize;
                string tag = layer + (prefix.Length > 0 ? "_" + prefix : "");
                string p = prefix.Length > 0 ? prefix + "." : "";
                var wq = Parameter(layer, p + "query.kernel", queryWidth, hd, InitKind.GlorotUniform);
                var bq = Parameter(layer, p + "query.bias", 1, hd, InitKind.Zeros, isVector: true);
                var wk = Parameter(layer, p + "key.kernel", keysWidth, hd, InitKind.GlorotUniform);
                var bk = Parameter(layer, p + "key.bias", 1, hd, InitKind.Zeros, isVector: true);
                var wv = Parameter(layer, p + "value.kernel", keysWidth, hd, InitKind.GlorotUniform);
                var bv = Parameter(layer, p + "value.bias", 1, hd, InitKind.Zeros, isVector: true);
                var wo = Parameter(layer, p + "attention_output.kernel", hd, queryWidth, InitKind.GlorotUniform);
                var bo = Parameter(layer, p + "attention_output.bias", 1, queryWidth, InitKind.Zeros, isVector: true);

                var (q, _, qSink) = Activation(tag + "_q", hd);
                var (k, _, kSink) = Activation(tag + "_k", hd);
                var (v, _, vSink) = Activation(tag + "_v", hd);
                var (a, _, aSink) = Activation(tag + "_heads", hd);
                var (o, oStep, oSink) = Activation(tag + "_out", queryWidth);

                Linear(tag, "q", query, querySink, wq, bq, q, qSink);
                Linear(tag, "k", keys, keysSink, wk, bk, k, kSink);
                Linear(tag, "v", keys, keysSink, wv, bv, v, vSink);
                if (_kind == ProgramKind.Step)
                {
                    int capacity = PositionCapacity;
                    var kc = Buffer(tag + "_key_cache", Size.B * hd * capacity, BufferKind.State, "[" + capacity + ", B, " + hd + "]");
                    var vc = Buffer(tag + "_value_cache", Size.B * hd * capacity, BufferKind.State, "[" + capacity + ", B, " + hd + "]");
                    _forward.Add(new CachedAttentionOp(q, k, v, a, View.Whole(kc, Size.B * capacity, hd), View.Whole(vc, Size.B * capacity, hd), StepPositions(), heads, keySize, capacity, mask)
                        { Comment = tag + ": cache this position's key and value, attend over positions 0..p (" + heads + " heads of " + keySize + ")" });
                }
                else
                {
                    View? probabilities = null;
                    if (Training)
                    {
                        var pBuf = Buffer(tag + "_probs", Size.B * (heads * _t * _t), BufferKind.Activation, "[B, " + heads + ", " + _t + ", " + _t + "]");
                        probabilities = View.Whole(pBuf, Size.B * (heads * _t), _t);
                    }
                    var op = new AttentionOp(q, k, v, a, heads, keySize, _t, causal, mask, probabilities)
                        { Comment = tag + ": " + (causal ? "causal " : "") + "attention, " + heads + " heads of " + keySize + (mask != null ? ", padded keys skipped" : "") + ": scores, mask, softmax and weighted sum fused" };
                    _forward.Add(op);
                    if (aSink != null)
                    {
                        Backward(block => block.Add(new AttentionBackwardOp(op, aSink.View, qSink!.View, kSink!.View, vSink!.View)
                            { Comment = tag + ": attention backward from the saved probabilities" }));
                        // The backward op assigns dq, dk and dv.
                        qSink!.Take(); kSink!.Take(); vSink!.Take();
                    }
                }
                Linear(tag, "out", a, aSink, wo, bo, o, oSink);
                return (o, oStep, oSink);
            }

            /// <summary>y = LayerNorm(x) with a learned scale (ones) and offset (zeros), Keras's epsilon.</summary>
            internal (View all, View step, GradSink? sink) LayerNorm(string layer, string prefix, View x, GradSink? xSink, Size width)
            {
                string tag = layer + (prefix.Length > 0 ? "_" + prefix : "");
                string p = prefix.Length > 0 ? prefix + "." : "";
                var gamma = Parameter(layer, p + "gamma", 1, width, InitKind.Ones, isVector: true);
                var beta = Parameter(layer, p + "beta", 1, width, InitKind.Zeros, isVector: true);
                var (y, yStep, ySink) = Activation(tag + "_out", width);
                Size rows = x.Rows;
                View? mean = null, inverseStd = null;
                if (Training)
                {
                    mean = View.Whole(Buffer(tag + "_mean", rows, BufferKind.Activation, "[T, B]"), rows, 1);
                    inverseStd = View.Whole(Buffer(tag + "_rstd", rows, BufferKind.Activation, "[T, B]"), rows, 1);
                }
                var op = new LayerNormOp(x, ParamView(gamma), ParamView(beta), y, LayerNormEpsilon, mean, inverseStd) { Comment = tag + ": layer normalisation of each row" };
                _forward.Add(op);
                if (ySink != null && xSink != null)
                {
                    var dx = View.Whole(Buffer("d_" + tag + "_in", rows * width, BufferKind.ActivationGradient, "[T, B, " + width + "]"), rows, width);
                    Backward(block =>
                    {
                        block.Add(new LayerNormBackwardOp(op, ySink.View, dx, GradView(gamma), GradView(beta)) { Comment = tag + ": layer normalisation backward" });
                        AddInto(block, xSink, dx, tag);
                    });
                }
                return (y, yStep, ySink);
            }

            /// <summary>s = a + b (a residual connection); backward passes ds to both.</summary>
            internal (View all, GradSink? sink) Residual(string tag, View a, GradSink? aSink, View b, GradSink? bSink, Size width)
            {
                var (s, _, sSink) = Activation(tag + "_sum", width);
                _forward.Add(new PointwiseOp(tag + "_residual", a.Rows, width, new[] { a, b }, new[] { new PointwiseOutput(s, Expr.In(0) + Expr.In(1), false) })
                    { Comment = tag + ": residual connection" });
                if (sSink != null)
                {
                    Backward(block =>
                    {
                        if (aSink != null) AddInto(block, aSink, sSink.View, tag + "_residual_a");
                        if (bSink != null) AddInto(block, bSink, sSink.View, tag + "_residual_b");
                    });
                }
                return (s, sSink);
            }

            /// <summary>Infer programs of attention models read one chosen position per row (the runtime fills the positions).</summary>
            internal View SelectQueryPositions(string name, Value input)
            {
                _queryPositions ??= Buffer("query_positions", Size.B, BufferKind.Positions, "[B]", ElementType.Int32);
                var selected = View.Whole(Buffer(name + "_query_rows", Size.B * input.Width, BufferKind.Activation, "[B, " + input.Width + "]"), Size.B, input.Width);
                _forward.Add(new GatherPositionsOp(input.All!, new IdView(_queryPositions, 0, Size.B, 1), selected) { Comment = name + ": the row of each sample's query position" });
                return selected;
            }
        }
    }
}
