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
                var inSink = input.Grad;
                var (y, yStep, ySink) = LayerNorm(name, "", input.All!, inSink, input.Width);
                return SequenceValue(y, yStep, ySink, input.Width, input);
            }
        }
    }
}
