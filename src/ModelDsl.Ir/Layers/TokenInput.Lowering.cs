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
            internal Value Input(LayerSpec layer)
            {
                _tokens = Buffer("tokens", Size.B * _t, BufferKind.TokenIds, "[B, " + _t + "]", ElementType.Int32);
                _targets = _perStepTargets
                    ? Buffer("targets", Size.B * _t, BufferKind.Targets, "[B, " + _t + "]", ElementType.Int32)
                    : Buffer("targets", Size.B, BufferKind.Targets, "[B]", ElementType.Int32);
                return new Value
                {
                    // Column t of the row-major [B, T] id matrix.
                    Tokens = new IdView(_tokens, 0, Size.B, _t, timeStride: 1),
                    Width = _vocabulary,
                    IsSequence = true,
                    Shape = "[T, V]",
                };
            }
        }
    }
}
