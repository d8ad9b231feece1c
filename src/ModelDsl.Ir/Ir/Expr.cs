#nullable enable
using System;
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    public enum UnaryOp { Neg, Sigmoid, Tanh, Exp, Log, Step }
    public enum BinaryOp { Add, Sub, Mul, Div }

    /// <summary>
    /// A scalar expression over the elements of a pointwise op's inputs. Records give structural equality,
    /// which the renderers use to emit each distinct subexpression once.
    /// </summary>
    public abstract record Expr
    {
        public static Expr In(int index) => new InputExpr(index);
        public static Expr Const(double value) => new ConstExpr(value);
        public static Expr Sigmoid(Expr x) => new UnaryExpr(UnaryOp.Sigmoid, x);
        public static Expr Tanh(Expr x) => new UnaryExpr(UnaryOp.Tanh, x);
        public static Expr Exp(Expr x) => new UnaryExpr(UnaryOp.Exp, x);

        public static Expr operator +(Expr a, Expr b)
        {
            if (a is ConstExpr { Value: 0 }) return b;
            if (b is ConstExpr { Value: 0 }) return a;
            if (a is ConstExpr ca && b is ConstExpr cb) return Const(ca.Value + cb.Value);
            return new BinaryExpr(BinaryOp.Add, a, b);
        }

        public static Expr operator -(Expr a, Expr b)
        {
            if (b is ConstExpr { Value: 0 }) return a;
            if (a is ConstExpr ca && b is ConstExpr cb) return Const(ca.Value - cb.Value);
            if (a is ConstExpr { Value: 0 }) return -b;
            return new BinaryExpr(BinaryOp.Sub, a, b);
        }

        public static Expr operator *(Expr a, Expr b)
        {
            if (a is ConstExpr { Value: 0 } || b is ConstExpr { Value: 0 }) return Const(0);
            if (a is ConstExpr { Value: 1 }) return b;
            if (b is ConstExpr { Value: 1 }) return a;
            if (a is ConstExpr ca && b is ConstExpr cb) return Const(ca.Value * cb.Value);
            return new BinaryExpr(BinaryOp.Mul, a, b);
        }

        public static Expr operator /(Expr a, Expr b)
        {
            if (a is ConstExpr { Value: 0 }) return Const(0);
            if (b is ConstExpr { Value: 1 }) return a;
            return new BinaryExpr(BinaryOp.Div, a, b);
        }

        public static Expr operator -(Expr a) => a switch
        {
            ConstExpr c => Const(-c.Value),
            UnaryExpr { Op: UnaryOp.Neg } n => n.Operand,
            _ => new UnaryExpr(UnaryOp.Neg, a),
        };

        /// <summary>Children in evaluation order.</summary>
        public IEnumerable<Expr> Children()
        {
            switch (this)
            {
                case UnaryExpr u: yield return u.Operand; break;
                case BinaryExpr b: yield return b.Left; yield return b.Right; break;
            }
        }

        /// <summary>Evaluates in double precision: the reference semantics of every renderer.</summary>
        public double Evaluate(Func<int, double> input) => this switch
        {
            InputExpr i => input(i.Index),
            ConstExpr c => c.Value,
            UnaryExpr u => Apply(u.Op, u.Operand.Evaluate(input)),
            BinaryExpr b => Apply(b.Op, b.Left.Evaluate(input), b.Right.Evaluate(input)),
            _ => throw new InvalidOperationException(GetType().Name),
        };

        public static double Apply(UnaryOp op, double x) => op switch
        {
            UnaryOp.Neg => -x,
            UnaryOp.Sigmoid => 1.0 / (1.0 + Math.Exp(-x)),
            UnaryOp.Tanh => Math.Tanh(x),
            UnaryOp.Exp => Math.Exp(x),
            UnaryOp.Log => Math.Log(x),
            UnaryOp.Step => x > 0 ? 1.0 : 0.0,
            _ => throw new ArgumentOutOfRangeException(nameof(op)),
        };

        public static double Apply(BinaryOp op, double a, double b) => op switch
        {
            BinaryOp.Add => a + b,
            BinaryOp.Sub => a - b,
            BinaryOp.Mul => a * b,
            BinaryOp.Div => a / b,
            _ => throw new ArgumentOutOfRangeException(nameof(op)),
        };
    }

    public sealed record InputExpr(int Index) : Expr;
    public sealed record ConstExpr(double Value) : Expr;
    public sealed record UnaryExpr(UnaryOp Op, Expr Operand) : Expr;
    public sealed record BinaryExpr(BinaryOp Op, Expr Left, Expr Right) : Expr;

    /// <summary>Reverse-mode differentiation of expression DAGs; derivatives are written by hand only for the primitives.</summary>
    public static class ExprDerivative
    {
        /// <summary>
        /// Given outputs y_j(x) and their upstream gradients g_j (as expressions), returns for each input k
        /// the expression Σ_j g_j ∂y_j/∂x_k, or null when no output depends on x_k.
        /// </summary>
        public static Expr?[] VectorJacobianProduct(IReadOnlyList<Expr> outputs, IReadOnlyList<Expr> upstream, int inputCount)
        {
            // Topological order (children before parents) over distinct nodes.
            var order = new List<Expr>();
            var seen = new HashSet<Expr>();
            void Visit(Expr e)
            {
                if (!seen.Add(e)) return;
                foreach (var c in e.Children()) Visit(c);
                order.Add(e);
            }
            foreach (var o in outputs) Visit(o);

            var adjoint = new Dictionary<Expr, Expr>();
            void Accumulate(Expr node, Expr contribution)
            {
                adjoint[node] = adjoint.TryGetValue(node, out var existing) ? existing + contribution : contribution;
            }
            for (int j = 0; j < outputs.Count; j++) Accumulate(outputs[j], upstream[j]);

            for (int n = order.Count - 1; n >= 0; n--)
            {
                var node = order[n];
                if (!adjoint.TryGetValue(node, out var a)) continue;
                switch (node)
                {
                    case UnaryExpr u:
                        var x = u.Operand;
                        switch (u.Op)
                        {
                            case UnaryOp.Neg: Accumulate(x, -a); break;
                            case UnaryOp.Sigmoid: Accumulate(x, a * (node * (Expr.Const(1) - node))); break;
                            case UnaryOp.Tanh: Accumulate(x, a * (Expr.Const(1) - node * node)); break;
                            case UnaryOp.Exp: Accumulate(x, a * node); break;
                            case UnaryOp.Log: Accumulate(x, a / x); break;
                            case UnaryOp.Step: break; // derivative zero almost everywhere
                            default: throw new ArgumentOutOfRangeException();
                        }
                        break;
                    case BinaryExpr b:
                        switch (b.Op)
                        {
                            case BinaryOp.Add: Accumulate(b.Left, a); Accumulate(b.Right, a); break;
                            case BinaryOp.Sub: Accumulate(b.Left, a); Accumulate(b.Right, -a); break;
                            case BinaryOp.Mul: Accumulate(b.Left, a * b.Right); Accumulate(b.Right, a * b.Left); break;
                            case BinaryOp.Div:
                                Accumulate(b.Left, a / b.Right);
                                Accumulate(b.Right, -(a * b.Left) / (b.Right * b.Right));
                                break;
                            default: throw new ArgumentOutOfRangeException();
                        }
                        break;
                }
            }

            var result = new Expr?[inputCount];
            for (int k = 0; k < inputCount; k++)
                if (adjoint.TryGetValue(Expr.In(k), out var g)) result[k] = g;
            return result;
        }

        /// <summary>
        /// <paramref name="e"/> with every subexpression found in <paramref name="replacements"/> replaced (outermost
        /// first, no simplification). Throws when an input listed in <paramref name="forbidden"/> is still read outside
        /// the replaced subexpressions: a backward that saved σ(z) in place of z must not need z itself.
        /// </summary>
        public static Expr Substitute(Expr e, IReadOnlyDictionary<Expr, Expr> replacements, ICollection<int> forbidden)
        {
            var done = new Dictionary<Expr, Expr>();
            Expr Walk(Expr node)
            {
                if (replacements.TryGetValue(node, out var replacement)) return replacement;
                if (done.TryGetValue(node, out var result)) return result;
                result = node switch
                {
                    InputExpr i when forbidden.Contains(i.Index) => throw new InvalidOperationException("Input " + i.Index + " is needed but was overwritten by a saved value."),
                    UnaryExpr u => new UnaryExpr(u.Op, Walk(u.Operand)),
                    BinaryExpr b => new BinaryExpr(b.Op, Walk(b.Left), Walk(b.Right)),
                    _ => node,
                };
                done[node] = result;
                return result;
            }
            return Walk(e);
        }

        /// <summary>Distinct nodes of the given roots, children first: the order in which renderers bind locals.</summary>
        public static List<Expr> TopologicalOrder(IEnumerable<Expr> roots)
        {
            var order = new List<Expr>();
            var seen = new HashSet<Expr>();
            void Visit(Expr e)
            {
                if (!seen.Add(e)) return;
                foreach (var c in e.Children()) Visit(c);
                order.Add(e);
            }
            foreach (var r in roots) Visit(r);
            return order;
        }
    }
}
