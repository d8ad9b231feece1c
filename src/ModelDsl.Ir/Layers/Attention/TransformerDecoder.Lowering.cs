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
            /// Post-LayerNorm decoder block: causal self-attention, residual + LayerNorm, [the seed's second attention, queries from
            /// that result over the block's input, residual + LayerNorm,] a ReLU feed-forward, residual + LayerNorm.
            /// </summary>
            internal Value TransformerDecoder(string name, LayerSpec layer, Value input)
            {
                Size w = input.Width;
                int keySize = layer.KeySize > 0 ? layer.KeySize : (int)(w.Constant / layer.Heads);
                var mask = MaskTokens(input);
                var x = input.All!;
                var xSink = input.Grad;

                var (o1, _, o1Sink) = Attention(name, "attention_1", layer.Heads, keySize, causal: true, x, xSink, w, x, xSink, w, mask);
                var (s1, s1Sink) = Residual(name + "_1", x, xSink, o1, o1Sink, w);
                var (y, _, ySink) = LayerNorm(name, "layernorm_1", s1, s1Sink, w);
                int norms = 1;
                if (layer.AttendToInput)
                {
                    // The seed's decoder(x, x): queries from the first sublayer, keys and values from the block's input.
                    var (o2, _, o2Sink) = Attention(name, "attention_2", layer.Heads, keySize, causal: true, y, ySink, w, x, xSink, w, mask);
                    var (s2, s2Sink) = Residual(name + "_2", y, ySink, o2, o2Sink, w);
                    (y, _, ySink) = LayerNorm(name, "layernorm_2", s2, s2Sink, w);
                    norms = 2;
                }

                int hidden = layer.Hidden;
                var w1 = Parameter(name, "dense_proj.dense_1.kernel", w, hidden, InitKind.GlorotUniform);
                var b1 = Parameter(name, "dense_proj.dense_1.bias", 1, hidden, InitKind.Zeros, isVector: true);
                var w2 = Parameter(name, "dense_proj.dense_2.kernel", hidden, w, InitKind.GlorotUniform);
                var b2 = Parameter(name, "dense_proj.dense_2.bias", 1, w, InitKind.Zeros, isVector: true);
                var (pre, _, preSink) = Activation(name + "_ffn_pre", hidden);
                var (act, _, actSink) = Activation(name + "_ffn_relu", hidden);
                var (g, _, gSink) = Activation(name + "_ffn_out", w);
                Linear(name + "_ffn", "h", y, ySink, w1, b1, pre, preSink);
                var relu = new PointwiseOp(name + "_relu", pre.Rows, hidden, new[] { pre }, new[] { new PointwiseOutput(act, Expr.In(0) * new UnaryExpr(UnaryOp.Step, Expr.In(0)), false) })
                    { Comment = name + ": ReLU" };
                _forward.Add(relu);
                if (actSink != null)
                {
                    Backward(block =>
                    {
                        block.Add(PointwiseBackward(name + "_relu_backward", relu, new View?[] { preSink!.View }, new[] { false }, new[] { actSink.View }));
                        preSink.Take();
                    });
                }
                Linear(name + "_ffn", "out", act, actSink, w2, b2, g, gSink);
                var (s3, s3Sink) = Residual(name + "_" + (norms + 1), y, ySink, g, gSink, w);
                var (output, outStep, outSink) = LayerNorm(name, "layernorm_" + (norms + 1), s3, s3Sink, w);
                return SequenceValue(output, outStep, outSink, w, input);
            }
        }
    }
}
