using ModelDsl.Training;
using Xunit;

namespace ModelDsl.Tests.Runtime;

public sealed class SgdTests
{
    [Fact]
    public void PlainStepIsMinusLearningRateTimesGradientWithNoState()
    {
        var optimizer = new Sgd(learningRate: 0.1f);
        Assert.Equal(0, optimizer.StateSlots);
        float[] parameters = OptimizerReference.Values(3, 1f);
        double[] p = OptimizerReference.ToDouble(parameters);
        for (int step = 1; step <= 3; step++)
        {
            float[] gradients = OptimizerReference.Values(300 + step, 1f);
            optimizer.Step(parameters, gradients, Span<float>.Empty, step);
            for (int i = 0; i < p.Length; i++) p[i] -= 0.1 * gradients[i];
            OptimizerReference.AssertClose(p, parameters);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MomentumStepsMatchTheKerasFormula(bool nesterov)
    {
        const double lr = 0.05, mu = 0.9;
        var optimizer = new Sgd(learningRate: 0.05f, momentum: 0.9f, nesterov: nesterov);
        Assert.Equal(1, optimizer.StateSlots);
        float[] parameters = OptimizerReference.Values(4, 1f);
        var state = new float[optimizer.StateLength(parameters.Length)];
        double[] p = OptimizerReference.ToDouble(parameters);
        var m = new double[p.Length];
        for (int step = 1; step <= 4; step++)
        {
            float[] gradients = OptimizerReference.Values(400 + step, 1f);
            optimizer.Step(parameters, gradients, state, step);
            for (int i = 0; i < p.Length; i++)
            {
                m[i] = mu * m[i] - lr * gradients[i];
                p[i] += nesterov ? mu * m[i] - lr * gradients[i] : m[i];
            }
            OptimizerReference.AssertClose(p, parameters);
            OptimizerReference.AssertClose(m, state);
        }
    }
}
