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
            internal Value LayerNormalizationLayer(string name, Value input)
            {
                OpenBackward();
                var inSink = input.GradAll is null ? null : new GradSink(input.GradAll);
                var (y, yStep, ySink) = LayerNorm(name, "", input.All!, inSink, input.Width);
                CloseBackward();
                return SequenceValue(y, yStep, ySink, input.Width, input);
            }
        }
    }
}
