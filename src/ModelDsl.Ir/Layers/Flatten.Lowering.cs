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
            /// <summary>Flatten is free: the Dense that follows reads the steps one by one (see <see cref="Dense"/>).</summary>
            internal Value Flatten(Value input)
            {
                if (!input.IsSequence || input.Tokens != null) throw new ArgumentException("Flatten needs a sequence of vectors.");
                return new Value
                {
                    Width = input.Width, IsSequence = true, Flattened = true, Step = input.Step, All = input.All,
                    GradStep = input.GradStep, Grad = input.Grad, Shape = "[" + (input.Width * StepsOf(input)) + "]", Steps = input.Steps,
                };
            }
        }
    }
}
