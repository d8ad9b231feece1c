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
            internal Value MultiHeadAttentionLayer(string name, LayerSpec layer, Value input)
            {
                var inSink = input.Grad;
                int keySize = layer.KeySize > 0 ? layer.KeySize : (int)(input.Width.Constant / layer.Heads);
                var (o, oStep, oSink) = Attention(name, "", layer.Heads, keySize, layer.Causal, input.All!, inSink, input.Width, input.All!, inSink, input.Width, MaskTokens(input));
                return SequenceValue(o, oStep, oSink, input.Width, input);
            }
        }
    }
}
