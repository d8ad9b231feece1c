using ModelDsl.Cpu;
using ModelDsl.Numerics;

namespace ModelDsl.Tests.Cpu;

/// <summary>The CPU attention kernel past the stack-allocated score row (T above 2,048 takes its row from the pool).</summary>
public class AttentionKernelTests
{
    [Fact]
    public unsafe void Long_sequences_use_pooled_rows_and_agree_with_the_definition()
    {
        const int T = 2100, d = 2;
        var rng = new Rng(4);
        float[] Random() => Enumerable.Range(0, T * d).Select(_ => rng.NextFloat() - 0.5f).ToArray();
        float[] q = Random(), k = Random(), v = Random(), output = new float[T * d];
        fixed (float* qp = q, kp = k, vp = v, op = output)
            Attention.Forward(qp, d, kp, d, vp, d, op, d, batch: 1, steps: T, heads: 1, keySize: d, causal: true, default, null);
        foreach (int t in new[] { 0, 1500, T - 1 })
        {
            // The definition in double: softmax over keys 0..t of q·k/√d, then the weighted sum of values.
            var scores = Enumerable.Range(0, t + 1).Select(s => (q[t * d] * k[s * d] + q[t * d + 1] * k[s * d + 1]) / Math.Sqrt(d)).ToArray();
            double max = scores.Max(), sum = scores.Sum(x => Math.Exp(x - max));
            for (int c = 0; c < d; c++)
            {
                double expected = Enumerable.Range(0, t + 1).Sum(s => Math.Exp(scores[s] - max) / sum * v[s * d + c]);
                Assert.True(Math.Abs(output[t * d + c] - expected) <= 1e-5, $"row {t}, column {c}: {output[t * d + c]} vs {expected}");
            }
        }
    }
}
