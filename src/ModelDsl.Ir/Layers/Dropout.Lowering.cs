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
            internal Value Dropout(string name, LayerSpec layer, Value input)
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
                if (input.Grad is { } inputGrad)
                    Backward(block => block.Add(PointwiseBackward(name + "_backward", apply, new View?[] { inputGrad.View, null }, new[] { inputGrad.Take(), false }, new[] { gradView })));
                var value = new Value { Width = w, IsSequence = input.IsSequence, Flattened = input.Flattened, All = outView, Grad = input.Grad != null ? new GradSink(gradView) : null, Shape = input.Shape, Mask = input.Mask, Steps = input.Steps };
                if (input.IsSequence)
                {
                    value.Step = new View(output, 0, Size.B, w, w, timeStride: Size.B * w);
                    if (value.GradAll != null) value.GradStep = new View(grad, 0, Size.B, w, w, timeStride: Size.B * w);
                }
                return value;
            }
        }
    }
}
