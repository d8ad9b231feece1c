using System.Runtime.Intrinsics;

namespace ModelDsl.Cpu;

// m = 1: c[1×n] = alpha·a[1×k]·op(B). Nothing is packed; B is streamed once.
public static unsafe partial class Gemm
{
    private const int GemvColumnsPerTask = 128;

    private static void Gemv(GemmPath path, bool transA, bool transB, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, bool accumulate, float alpha, WorkerPool? pool)
    {
        // a[p] lives at a + p·aStride: a row of A (stride 1), or with transA a column of the k×1 storage.
        var body = new GemvBody
        {
            Path = path, TransB = transB, N = n, K = k, A = a, AStride = transA ? lda : 1, B = b, Ldb = ldb, C = c,
            Accumulate = accumulate, Alpha = alpha,
        };
        int tasks = (n + GemvColumnsPerTask - 1) / GemvColumnsPerTask;
        if (pool is null) for (int t = 0; t < tasks; t++) body.Execute(t);
        else pool.For(tasks, ref body);
    }

    private struct GemvBody : IParallelBody
    {
        public GemmPath Path;
        public bool TransB, Accumulate;
        public int N, K, AStride, Ldb;
        public float* A, B, C;
        public float Alpha;

        public void Execute(int task)
        {
            int j0 = task * GemvColumnsPerTask, j1 = Math.Min(N, j0 + GemvColumnsPerTask);
            if (TransB)
            {
                // c[j] = a · (row j of the n×k storage); transA with transB never gets here, so a is contiguous.
                for (int jt = j0; jt < j1; jt++)
                {
                    float* row = B + (long)jt * Ldb;
                    float dot = Path == GemmPath.Vector512 ? Dot512(A, row, K) : Dot256(A, row, K);
                    C[jt] = Accumulate ? C[jt] + Alpha * dot : Alpha * dot;
                }
                return;
            }
            int j = j0;
            if (Path == GemmPath.Vector512)
            {
                for (; j + 64 <= j1; j += 64) Axpy512x4(j);
                for (; j + 16 <= j1; j += 16) Axpy512x1(j);
            }
            else
            {
                for (; j + 32 <= j1; j += 32) Axpy256x4(j);
                for (; j + 8 <= j1; j += 8) Axpy256x1(j);
            }
            for (; j < j1; j++)
            {
                float sum = 0;
                for (int p = 0; p < K; p++) sum = MathF.FusedMultiplyAdd(A[(long)p * AStride], B[(long)p * Ldb + j], sum);
                C[j] = Accumulate ? C[j] + Alpha * sum : Alpha * sum;
            }
        }

        private void Axpy512x4(int j)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
            float* bp = B + j;
            for (int p = 0; p < K; p++, bp += Ldb)
            {
                var ap = Vector512.Create(A[(long)p * AStride]);
                s0 = Vector512.FusedMultiplyAdd(ap, Vector512.Load(bp), s0);
                s1 = Vector512.FusedMultiplyAdd(ap, Vector512.Load(bp + 16), s1);
                s2 = Vector512.FusedMultiplyAdd(ap, Vector512.Load(bp + 32), s2);
                s3 = Vector512.FusedMultiplyAdd(ap, Vector512.Load(bp + 48), s3);
            }
            var va = Vector512.Create(Alpha);
            StoreVector512(C + j, s0, s1, va, !Accumulate);
            StoreVector512(C + j + 32, s2, s3, va, !Accumulate);
        }

        private void Axpy512x1(int j)
        {
            var s = Vector512<float>.Zero;
            float* bp = B + j;
            for (int p = 0; p < K; p++, bp += Ldb) s = Vector512.FusedMultiplyAdd(Vector512.Create(A[(long)p * AStride]), Vector512.Load(bp), s);
            s *= Vector512.Create(Alpha);
            if (Accumulate) s += Vector512.Load(C + j);
            Vector512.Store(s, C + j);
        }

        private void Axpy256x4(int j)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            float* bp = B + j;
            for (int p = 0; p < K; p++, bp += Ldb)
            {
                var ap = Vector256.Create(A[(long)p * AStride]);
                s0 = Vector256.FusedMultiplyAdd(ap, Vector256.Load(bp), s0);
                s1 = Vector256.FusedMultiplyAdd(ap, Vector256.Load(bp + 8), s1);
                s2 = Vector256.FusedMultiplyAdd(ap, Vector256.Load(bp + 16), s2);
                s3 = Vector256.FusedMultiplyAdd(ap, Vector256.Load(bp + 24), s3);
            }
            var va = Vector256.Create(Alpha);
            StoreVector256(C + j, s0, s1, va, !Accumulate);
            StoreVector256(C + j + 16, s2, s3, va, !Accumulate);
        }

        private void Axpy256x1(int j)
        {
            var s = Vector256<float>.Zero;
            float* bp = B + j;
            for (int p = 0; p < K; p++, bp += Ldb) s = Vector256.FusedMultiplyAdd(Vector256.Create(A[(long)p * AStride]), Vector256.Load(bp), s);
            s *= Vector256.Create(Alpha);
            if (Accumulate) s += Vector256.Load(C + j);
            Vector256.Store(s, C + j);
        }
    }

    private static float Dot512(float* x, float* y, int k)
    {
        Vector512<float> s0 = default, s1 = default;
        int p = 0;
        for (; p + 32 <= k; p += 32)
        {
            s0 = Vector512.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.Load(y + p), s0);
            s1 = Vector512.FusedMultiplyAdd(Vector512.Load(x + p + 16), Vector512.Load(y + p + 16), s1);
        }
        for (; p + 16 <= k; p += 16) s0 = Vector512.FusedMultiplyAdd(Vector512.Load(x + p), Vector512.Load(y + p), s0);
        float sum = Vector512.Sum(s0 + s1);
        for (; p < k; p++) sum = MathF.FusedMultiplyAdd(x[p], y[p], sum);
        return sum;
    }

    private static float Dot256(float* x, float* y, int k)
    {
        Vector256<float> s0 = default, s1 = default;
        int p = 0;
        for (; p + 16 <= k; p += 16)
        {
            s0 = Vector256.FusedMultiplyAdd(Vector256.Load(x + p), Vector256.Load(y + p), s0);
            s1 = Vector256.FusedMultiplyAdd(Vector256.Load(x + p + 8), Vector256.Load(y + p + 8), s1);
        }
        for (; p + 8 <= k; p += 8) s0 = Vector256.FusedMultiplyAdd(Vector256.Load(x + p), Vector256.Load(y + p), s0);
        float sum = Vector256.Sum(s0 + s1);
        for (; p < k; p++) sum = MathF.FusedMultiplyAdd(x[p], y[p], sum);
        return sum;
    }
}
