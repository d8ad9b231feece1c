using System.Numerics.Tensors;

namespace ModelDsl.Cpu;

/// <summary>
/// Layer normalisation of rows, forward and backward, rows split across the worker pool. Statistics are taken in two
/// passes (mean, then the mean squared deviation) so that large offsets do not cancel. The float64 definition is
/// <c>IrInterpreter</c>'s; tests compare the two.
/// </summary>
public static unsafe class LayerNorm
{
    private const int RowsPerTask = 32;

    /// <summary>y = γ·(x − μ)·r + β with r = 1/√(σ² + ε); saves μ and r per row when <paramref name="mean"/> is set.</summary>
    public static void Forward(float* x, int xStride, float* gamma, float* beta, float* y, int yStride, int rows, int cols, float epsilon, float* mean, float* inverseStd)
    {
        var body = new ForwardBody { X = x, XStride = xStride, Gamma = gamma, Beta = beta, Y = y, YStride = yStride, Rows = rows, Cols = cols, Epsilon = epsilon, Mean = mean, InverseStd = inverseStd };
        WorkerPool.Shared.For((rows + RowsPerTask - 1) / RowsPerTask, ref body);
    }

    /// <summary>
    /// dx = r·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ (assigned); dγ += Σ dy·x̂ and dβ += Σ dy over rows (serial over rows:
    /// the sums are shared).
    /// </summary>
    public static void Backward(float* x, int xStride, float* gamma, float* mean, float* inverseStd, float* dy, int dyStride,
        float* dx, int dxStride, float* dGamma, float* dBeta, int rows, int cols)
    {
        var body = new BackwardBody { X = x, XStride = xStride, Gamma = gamma, Mean = mean, InverseStd = inverseStd, DY = dy, DYStride = dyStride, DX = dx, DXStride = dxStride, Rows = rows, Cols = cols };
        WorkerPool.Shared.For((rows + RowsPerTask - 1) / RowsPerTask, ref body);
        var dGammaSpan = new Span<float>(dGamma, cols);
        var dBetaSpan = new Span<float>(dBeta, cols);
        float[] xhat = System.Buffers.ArrayPool<float>.Shared.Rent(cols);
        try
        {
            var row = xhat.AsSpan(0, cols);
            for (int r = 0; r < rows; r++)
            {
                var xr = new ReadOnlySpan<float>(x + (long)r * xStride, cols);
                var dyr = new ReadOnlySpan<float>(dy + (long)r * dyStride, cols);
                TensorPrimitives.Subtract(xr, mean[r], row);
                TensorPrimitives.Multiply(row, inverseStd[r], row);
                TensorPrimitives.MultiplyAdd(dyr, row, dGammaSpan, dGammaSpan);
                TensorPrimitives.Add(dBetaSpan, dyr, dBetaSpan);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(xhat);
        }
    }

    private struct ForwardBody : IParallelBody
    {
        public float* X, Gamma, Beta, Y, Mean, InverseStd;
        public int XStride, YStride, Rows, Cols;
        public float Epsilon;

        public void Execute(int index)
        {
            int end = Math.Min(Rows, (index + 1) * RowsPerTask);
            var gamma = new ReadOnlySpan<float>(Gamma, Cols);
            var beta = new ReadOnlySpan<float>(Beta, Cols);
            for (int r = index * RowsPerTask; r < end; r++)
            {
                var x = new ReadOnlySpan<float>(X + (long)r * XStride, Cols);
                var y = new Span<float>(Y + (long)r * YStride, Cols);
                float mu = TensorPrimitives.Sum(x) / Cols;
                TensorPrimitives.Subtract(x, mu, y);
                float variance = TensorPrimitives.SumOfSquares(y) / Cols;
                float inverse = 1f / MathF.Sqrt(variance + Epsilon);
                TensorPrimitives.Multiply(y, inverse, y);
                TensorPrimitives.FusedMultiplyAdd(y, gamma, beta, y);
                if (Mean != null) { Mean[r] = mu; InverseStd[r] = inverse; }
            }
        }
    }

    private struct BackwardBody : IParallelBody
    {
        public float* X, Gamma, Mean, InverseStd, DY, DX;
        public int XStride, DYStride, DXStride, Rows, Cols;

        public void Execute(int index)
        {
            int end = Math.Min(Rows, (index + 1) * RowsPerTask);
            var gamma = new ReadOnlySpan<float>(Gamma, Cols);
            for (int r = index * RowsPerTask; r < end; r++)
            {
                var x = new ReadOnlySpan<float>(X + (long)r * XStride, Cols);
                var dy = new ReadOnlySpan<float>(DY + (long)r * DYStride, Cols);
                var dx = new Span<float>(DX + (long)r * DXStride, Cols);
                float mu = Mean[r], inverse = InverseStd[r];
                // dx first holds g = dy·γ; the two means need x̂ = (x − μ)·r, computed on the fly.
                TensorPrimitives.Multiply(dy, gamma, dx);
                float meanG = TensorPrimitives.Sum(dx) / Cols;
                float meanGx = 0;
                for (int c = 0; c < Cols; c++) meanGx += dx[c] * (x[c] - mu) * inverse;
                meanGx /= Cols;
                for (int c = 0; c < Cols; c++) dx[c] = inverse * (dx[c] - meanG - (x[c] - mu) * inverse * meanGx);
            }
        }
    }
}
