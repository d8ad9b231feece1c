namespace ModelDsl.Cpu;

/// <summary>The plain triple loop behind <see cref="Gemm.Multiply"/>, accumulating in double: the test oracle.</summary>
public static unsafe class GemmReference
{
    /// <summary>C[m×n] = alpha·op(A)·op(B) + (accumulate ? C : 0), row-major; see <see cref="Gemm.Multiply"/>.</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate, float alpha = 1f, WorkerPool? pool = null)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float aip = transA ? a[(long)p * lda + i] : a[(long)i * lda + p];
                    float bpj = transB ? b[(long)j * ldb + p] : b[(long)p * ldb + j];
                    sum += (double)aip * bpj;
                }
                float* cij = c + (long)i * ldc + j;
                *cij = (float)(alpha * sum + (accumulate ? *cij : 0.0));
            }
        }
    }
}
