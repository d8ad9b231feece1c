using ModelDsl.Training;
using Xunit;

namespace ModelDsl.Tests.Runtime;

public sealed class AdamTests
{
    [Fact]
    public void StepsMatchTheKerasFormulaWithBiasCorrection()
    {
        const double lr = 0.001, beta1 = 0.9, beta2 = 0.999, eps = 1e-7;
        var optimizer = new Adam();
        Assert.Equal(2, optimizer.StateSlots);

        float[] parameters = OptimizerReference.Values(2, 1f);
        int n = parameters.Length;
        var state = new float[optimizer.StateLength(n)];
        double[] p = OptimizerReference.ToDouble(parameters);
        var m = new double[n];
        var v = new double[n];

        for (int step = 1; step <= 5; step++)
        {
            float[] gradients = OptimizerReference.Values(200 + step, 0.3f);
            optimizer.Step(parameters, gradients, state, step);
            double alpha = lr * Math.Sqrt(1 - Math.Pow(beta2, step)) / (1 - Math.Pow(beta1, step));
            for (int i = 0; i < n; i++)
            {
                double g = gradients[i];
                m[i] += (g - m[i]) * (1 - beta1);
                v[i] += (g * g - v[i]) * (1 - beta2);
                p[i] -= alpha * m[i] / (Math.Sqrt(v[i]) + eps);
            }
            OptimizerReference.AssertClose(p, parameters);
            // Slot-major state: m in [0, n), v in [n, 2n).
            OptimizerReference.AssertClose(m, state.AsSpan(0, n));
            OptimizerReference.AssertClose(v, state.AsSpan(n, n));
        }
    }

    [Fact]
    public void FirstStepMovesEachParameterByAboutTheLearningRate()
    {
        // With bias correction the first update is lr·sign(g) (up to ε), whatever the gradient's scale.
        var optimizer = new Adam(learningRate: 0.01f);
        float[] parameters = [0f, 0f, 0f];
        optimizer.Step(parameters, [5f, -0.02f, 300f], new float[6], 1);
        Assert.Equal([-0.01f, 0.01f, -0.01f], parameters.Select(x => MathF.Round(x, 5)).ToArray());
    }
}
