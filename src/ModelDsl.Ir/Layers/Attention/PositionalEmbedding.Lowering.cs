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
            internal Value PositionalEmbedding(string name, LayerSpec layer, Value input)
            {
                int w = layer.Size;
                int length = layer.Length > 0 ? layer.Length : _spec.Layers[0].Length;
                var tokens = Parameter(name, "token_embeddings", _vocabulary, w, InitKind.Uniform005);
                var positions = Parameter(name, "position_embeddings", length, w, InitKind.Uniform005);
                var (all, step, sink) = Activation(name + "_out", w);
                if (_kind == ProgramKind.Step)
                {
                    var at = StepPositions();
                    var ids = new IdView(_tokens, 0, Size.B, 1); // the one position of this call, outside any loop
                    if (layer.MaskZero)
                    {
                        _history = Buffer("token_history", Size.B * length, BufferKind.State, "[" + length + ", B]", ElementType.Int32);
                        _forward.Add(new RecordTokensOp(ids, at, _history) { Comment = name + ": remember this position's id (padding mask of the cached keys)" });
                    }
                    _forward.Add(new GatherRowsOp(ParamView(tokens), ids, all, accumulate: false) { Comment = name + ": token embedding" });
                    _forward.Add(new GatherRowsOp(ParamView(positions), at, all, accumulate: true) { Comment = name + ": + the embedding of this row's position" });
                }
                else
                {
                    // Row t of the position table is the bias of step t's gather.
                    var row = new View(_params, positions.Offset, 1, w, w, timeStride: w);
                    _forward.Add(new LoopOp(_t, false, new Op[]
                    {
                        new GatherRowsOp(ParamView(tokens), input.Tokens!, step, accumulate: false, bias: row) { Comment = name + ": token embedding + position embedding of step t" },
                    }));
                }
                var value = SequenceValue(all, step, sink, w, input);
                value.Mask = layer.MaskZero ? input.Tokens : null;
                if (value.GradStep is { } gradStep)
                {
                    var gradRow = new View(_grads, positions.Offset, 1, w, w, timeStride: w);
                    AddBackwardBlock(new List<Op>
                    {
                        new LoopOp(_t, true, new Op[]
                        {
                            new ScatterAddRowsOp(gradStep, input.Tokens!, GradView(tokens)) { Comment = name + ": dTokenEmbeddings[id] += dOut_t" },
                            new ColumnSumsOp(gradStep, gradRow, accumulate: true) { Comment = name + ": dPositionEmbeddings[t] += Σ_b dOut_t" },
                        }),
                    });
                }
                return value;
            }
        }
    }
}
