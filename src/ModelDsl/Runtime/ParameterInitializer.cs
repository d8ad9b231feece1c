using ModelDsl.Ir;
using ModelDsl.Numerics;

namespace ModelDsl.Runtime;

/// <summary>Keras's default initializers, applied tensor by tensor in layout order from one random stream.</summary>
public static class ParameterInitializer
{
    public static void Initialize(IReadOnlyList<ParameterTensor> tensors, Span<float> parameters, int vocabulary, Rng rng)
    {
        foreach (var t in tensors)
        {
            int rows = (int)t.Rows.Evaluate(1, vocabulary), cols = (int)t.Cols.Evaluate(1, vocabulary);
            var span = parameters.Slice((int)t.Offset.Evaluate(1, vocabulary), rows * cols);
            switch (t.Init)
            {
                case InitKind.Zeros:
                    span.Clear();
                    break;
                case InitKind.GlorotUniform:
                {
                    double limit = Math.Sqrt(6.0 / (rows + (double)cols * t.ReceptiveField));
                    for (int i = 0; i < span.Length; i++) span[i] = (float)((rng.NextDouble() * 2 - 1) * limit);
                    break;
                }
                case InitKind.Uniform005:
                    for (int i = 0; i < span.Length; i++) span[i] = (float)((rng.NextDouble() * 2 - 1) * 0.05);
                    break;
                case InitKind.Ones:
                    span.Fill(1f);
                    break;
                case InitKind.Orthogonal:
                    Orthogonal(span, rows, cols, rng);
                    break;
                case InitKind.LstmBias:
                    span.Clear();
                    span.Slice(t.Units, t.Units).Fill(1f); // gate order i, f, c, o: the forget block
                    break;
                default:
                    throw new NotSupportedException(t.Init.ToString());
            }
        }
    }

    /// <summary>
    /// Keras Orthogonal: QR of a Gaussian matrix of shape (max, min), Q's columns sign-corrected by diag(R),
    /// transposed when rows &lt; cols. Modified Gram–Schmidt in double is enough at these sizes.
    /// </summary>
    public static void Orthogonal(Span<float> destination, int rows, int cols, Rng rng)
    {
        int n = Math.Max(rows, cols), k = Math.Min(rows, cols);
        var q = new double[k][];
        for (int j = 0; j < k; j++)
        {
            q[j] = new double[n];
            for (int i = 0; i < n; i++) q[j][i] = rng.NextGaussian();
        }
        for (int j = 0; j < k; j++)
        {
            var v = q[j];
            for (int p = 0; p < j; p++)
            {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += q[p][i] * v[i];
                for (int i = 0; i < n; i++) v[i] -= dot * q[p][i];
            }
            double norm = 0;
            for (int i = 0; i < n; i++) norm += v[i] * v[i];
            norm = Math.Sqrt(norm);
            // Gram–Schmidt's R has a positive diagonal, which is the sign correction Keras applies.
            for (int i = 0; i < n; i++) v[i] /= norm;
        }
        // q[j] are the k orthonormal columns of an n×k matrix.
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                destination[r * cols + c] = (float)(rows >= cols ? q[c][r] : q[r][c]);
    }
}
