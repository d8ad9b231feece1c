using ModelDsl.Ir;

namespace ModelDsl.Tests.Programs;

/// <summary>Each primitive's hand-written derivative, and their composition, against finite differences.</summary>
public class ExprDerivativeTests
{
    public static TheoryData<string> Cases => new() { "sigmoid", "tanh", "exp", "log", "mul", "div", "sub", "neg", "composite", "shared" };

    private static Expr Build(string name)
    {
        var x = Expr.In(0);
        var y = Expr.In(1);
        return name switch
        {
            "sigmoid" => Expr.Sigmoid(x),
            "tanh" => Expr.Tanh(x),
            "exp" => Expr.Exp(x),
            "log" => new UnaryExpr(UnaryOp.Log, y),
            "mul" => x * y,
            "div" => x / y,
            "sub" => x - y,
            "neg" => -x * y,
            "composite" => Expr.Sigmoid(x * y) * Expr.Tanh(x + y) - Expr.Exp(x) / y,
            _ => Expr.Tanh(Expr.Sigmoid(x) * y) * Expr.Sigmoid(x), // a shared subexpression
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Vector_jacobian_product_matches_finite_differences(string name)
    {
        var f = Build(name);
        var vjp = ExprDerivative.VectorJacobianProduct(new[] { f }, new[] { Expr.In(2) }, 2);
        foreach (var (x, y) in new[] { (0.3, 1.7), (-1.2, 0.6), (2.5, 2.0) })
        {
            const double g = 0.7, h = 1e-6;
            double[] point = { x, y, g };
            for (int k = 0; k < 2; k++)
            {
                var plus = (double[])point.Clone();
                var minus = (double[])point.Clone();
                plus[k] += h;
                minus[k] -= h;
                double numeric = g * (f.Evaluate(i => plus[i]) - f.Evaluate(i => minus[i])) / (2 * h);
                double analytic = vjp[k]?.Evaluate(i => point[i]) ?? 0;
                Assert.True(Math.Abs(numeric - analytic) <= 1e-6 + 1e-6 * Math.Abs(numeric), $"{name} d/dx{k} at ({x}, {y}): {analytic} vs {numeric}");
            }
        }
    }

    [Fact]
    public void Inputs_that_outputs_do_not_use_get_no_gradient()
    {
        var vjp = ExprDerivative.VectorJacobianProduct(new[] { Expr.Sigmoid(Expr.In(0)) }, new[] { Expr.In(2) }, 2);
        Assert.NotNull(vjp[0]);
        Assert.Null(vjp[1]);
    }
}
