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
            internal Value Embedding(string name, LayerSpec layer, Value input)
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
                    value.GradStep = gStep; value.Grad = new GradSink(gAll);
                    AddBackwardBlock(new List<Op>
                    {
                        new LoopOp(_t, true, new Op[]
                        {
                            new ScatterAddRowsOp(gStep, input.Tokens!, GradView(table)) { Comment = name + ": dEmbeddings[id] += dOut" },
                        }),
                    });
                }
                return value;
            }
        }
    }
}
