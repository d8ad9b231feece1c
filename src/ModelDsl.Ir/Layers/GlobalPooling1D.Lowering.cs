#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    public static partial class Lowering
    {
        internal sealed partial class Lowerer
        {
            /// <summary>
            /// One <see cref="GlobalPoolOp"/> over the sequence's steps (under the embedding's mask, if any) into [B, W]; the
            /// max keeps its chosen step per element for the backward, which writes every step of dx (0 where not chosen).
            /// </summary>
            internal Value GlobalPooling(string name, PoolKind kind, Value input)
            {
                int steps = StepsOf(input);
                Size w = input.Width;
                var step0 = new View(input.Step!.Buffer, input.Step.Offset, Size.B, w, input.Step.RowStride);
                var output = View.Whole(Buffer(name + "_out", Size.B * w, BufferKind.Activation, "[B, " + w + "]"), Size.B, w);
                var argMax = Training && kind == PoolKind.Max
                    ? View.Whole(Buffer(name + "_argmax", Size.B * w, BufferKind.Activation, "[B, " + w + "]"), Size.B, w)
                    : null;
                IdView? mask = input.Mask is null ? null : new IdView(input.Mask.Buffer, input.Mask.Offset, Size.B, input.Mask.Stride);
                var op = new GlobalPoolOp(step0, input.Step.TimeStride, steps, output, kind, mask, input.Mask?.TimeStride ?? Size.Zero, argMax)
                {
                    Comment = name + ": the " + (kind == PoolKind.Max ? "max" : "mean") + " of each feature over the " + steps + " steps" + (mask is null ? "" : " that are not padding"),
                };
                _forward.Add(op);
                var value = new Value { Width = w, IsSequence = false, All = output, Shape = "[" + w + "]" };
                if (!Training) return value;

                var dOutput = View.Whole(Buffer("d_" + name + "_out", Size.B * w, BufferKind.ActivationGradient, "[B, " + w + "]"), Size.B, w);
                value.Grad = new GradSink(dOutput);
                if (input.Grad is { } sink && input.GradStep is { } gradStep)
                {
                    var d0 = new View(gradStep.Buffer, gradStep.Offset, Size.B, w, gradStep.RowStride);
                    Backward(block => block.Add(new GlobalPoolBackwardOp(op, dOutput, d0, gradStep.TimeStride, sink.Take())
                        { Comment = name + ": dx_t = dOut " + (kind == PoolKind.Max ? "at each feature's chosen step" : "/ the steps counted") + ", 0 elsewhere" }));
                }
                return value;
            }
        }
    }
}
