using System.Collections.Generic;
using System.Globalization;
using ModelDsl.Generators.Helpers;
using ModelDsl.Ir;

namespace ModelDsl.Generators.Emit
{
    /// <summary>How a pointwise expression is spelled in one target: SIMD vectors, scalar C#, or an ILGPU kernel body.</summary>
    internal enum ExprFlavor
    {
        Vector512,
        Vector256,
        Vector128,
        Scalar,
        Gpu,
    }

    /// <summary>
    /// Renders the outputs of a pointwise op as straight-line code: every distinct subexpression becomes one local, so
    /// a sigmoid used by both the state and the output is computed once.
    /// </summary>
    internal static class ExprRenderer
    {
        /// <summary>
        /// Writes locals for <paramref name="roots"/> and returns, per root, the name holding its value.
        /// <paramref name="input"/> gives the expression that loads input k.
        /// </summary>
        public static string[] Render(IndentedTextWriter w, IReadOnlyList<Expr> roots, ExprFlavor flavor, System.Func<int, string> input)
        {
            var names = new Dictionary<Expr, string>();
            var order = ExprDerivative.TopologicalOrder(roots);
            int next = 0;
            foreach (var node in order)
            {
                string value;
                switch (node)
                {
                    case InputExpr i:
                        value = input(i.Index);
                        break;
                    case ConstExpr c:
                        names[node] = Constant(c.Value, flavor);
                        continue;
                    case UnaryExpr u:
                        value = Unary(u.Op, names[u.Operand], flavor);
                        break;
                    case BinaryExpr b:
                        value = "(" + names[b.Left] + " " + Symbol(b.Op) + " " + names[b.Right] + ")";
                        break;
                    default:
                        throw new System.InvalidOperationException(node.GetType().Name);
                }
                string name = (node is InputExpr ? "x" : "e") + next.ToString(CultureInfo.InvariantCulture);
                next++;
                w.WriteLine("var " + name + " = " + value + ";");
                names[node] = name;
            }
            var result = new string[roots.Count];
            for (int i = 0; i < roots.Count; i++) result[i] = names[roots[i]];
            return result;
        }

        private static string Symbol(BinaryOp op) => op switch
        {
            BinaryOp.Add => "+",
            BinaryOp.Sub => "-",
            BinaryOp.Mul => "*",
            _ => "/",
        };

        public static string Constant(double value, ExprFlavor flavor)
        {
            var literal = ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";
            if (literal.StartsWith("-", System.StringComparison.Ordinal)) literal = "(" + literal + ")";
            return flavor switch
            {
                ExprFlavor.Vector512 => "global::System.Runtime.Intrinsics.Vector512.Create(" + literal + ")",
                ExprFlavor.Vector256 => "global::System.Runtime.Intrinsics.Vector256.Create(" + literal + ")",
                ExprFlavor.Vector128 => "global::System.Runtime.Intrinsics.Vector128.Create(" + literal + ")",
                _ => literal,
            };
        }

        private static string Unary(UnaryOp op, string x, ExprFlavor flavor)
        {
            const string Simd = "global::ModelDsl.Cpu.SimdMath.";
            string V = "global::System.Runtime.Intrinsics." + (flavor == ExprFlavor.Vector256 ? "Vector256" : flavor == ExprFlavor.Vector128 ? "Vector128" : "Vector512");
            switch (flavor)
            {
                case ExprFlavor.Vector512:
                case ExprFlavor.Vector256:
                case ExprFlavor.Vector128:
                    return op switch
                    {
                        UnaryOp.Neg => "(-" + x + ")",
                        UnaryOp.Sigmoid => Simd + "Sigmoid(" + x + ")",
                        UnaryOp.Tanh => Simd + "Tanh(" + x + ")",
                        UnaryOp.Exp => Simd + "Exp(" + x + ")",
                        UnaryOp.Log => V + ".Log(" + x + ")",
                        _ => V + ".ConditionalSelect(" + V + ".GreaterThan(" + x + ", " + V + "<float>.Zero), " + V + "<float>.One, " + V + "<float>.Zero)",
                    };
                case ExprFlavor.Scalar:
                    return op switch
                    {
                        UnaryOp.Neg => "(-" + x + ")",
                        UnaryOp.Sigmoid => Simd + "Sigmoid(" + x + ")",
                        UnaryOp.Tanh => Simd + "Tanh(" + x + ")",
                        UnaryOp.Exp => Simd + "Exp(" + x + ")",
                        UnaryOp.Log => "global::System.MathF.Log(" + x + ")",
                        _ => "(" + x + " > 0f ? 1f : 0f)",
                    };
                default:
                    // ILGPU maps MathF to device intrinsics; the sigmoid is written so that large |x| saturates without NaN.
                    return op switch
                    {
                        UnaryOp.Neg => "(-" + x + ")",
                        UnaryOp.Sigmoid => "(1f / (1f + global::System.MathF.Exp(-" + x + ")))",
                        UnaryOp.Tanh => "global::System.MathF.Tanh(" + x + ")",
                        UnaryOp.Exp => "global::System.MathF.Exp(" + x + ")",
                        UnaryOp.Log => "global::System.MathF.Log(" + x + ")",
                        _ => "(" + x + " > 0f ? 1f : 0f)",
                    };
            }
        }
    }
}
