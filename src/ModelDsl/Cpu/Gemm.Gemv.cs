using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelDsl.Cpu;

// m = 1: c[1×n] = alpha·a[1×k]·op(B). Nothing is packed; B is streamed once, row by row, into a block of column
// accumulators that stay in registers for the whole k loop (8 independent FMA chains: enough to cover the FMA latency).
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
        if (pool is null) body.Run(0, n);
        else pool.For((n + GemvColumnsPerTask - 1) / GemvColumnsPerTask, ref body);
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
            int j0 = task * GemvColumnsPerTask;
            Run(j0, Math.Min(N, j0 + GemvColumnsPerTask));
        }

        /// <summary>Columns [j0, j1) of c.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int j0, int j1)
        {
            int j = j0;
            if (TransB)
            {
                // c[j] = a · (row j of the n×k storage); transA with transB never gets here, so a is contiguous.
                if (Path == GemmPath.Vector512) for (; j < j1; j++) Store(j, Dot512(A, B + (long)j * Ldb, K));
                else if (Path == GemmPath.Vector128) for (; j < j1; j++) Store(j, Dot128(A, B + (long)j * Ldb, K));
                else
                {
                    for (; j + 4 <= j1; j += 4) Dot256x4(j);
                    for (; j < j1; j++) Store(j, Dot256(A, B + (long)j * Ldb, K));
                }
                return;
            }
            if (Path == GemmPath.Vector512)
            {
                for (; j + 128 <= j1; j += 128) Axpy512x8(j);
                for (; j + 16 <= j1; j += 16) Axpy512x1(j);
            }
            else if (Path == GemmPath.Vector128)
            {
                for (; j + 16 <= j1; j += 16) Axpy128x4(j);
                for (; j + 4 <= j1; j += 4) Axpy128x1(j);
            }
            else if (j1 - j0 >= StreamRowsMinColumns)
            {
                j = j0 + ((j1 - j0) & ~7);
                StreamRows256(j0, j);
            }
            else
            {
                for (; j + 64 <= j1; j += 64) Axpy256x8(j);
                for (; j + 32 <= j1; j += 32) Axpy256x4(j);
                for (; j + 8 <= j1; j += 8) Axpy256x1(j);
            }
            for (; j < j1; j++)
            {
                float sum = 0;
                for (int p = 0; p < K; p++) sum = MathF.FusedMultiplyAdd(A[(long)p * AStride], B[(long)p * Ldb + j], sum);
                Store(j, sum);
            }
        }

        // From this width on, c[j0..j1) is accumulated in place (L1) while B is read row by row, 8 rows per pass: one
        // sequential stream the prefetchers follow, instead of column blocks that stride through B.
        private const int StreamRowsMinColumns = 128;

        /// <summary>c[j0..j1) (+)= alpha·Σ_p a[p]·B[p, j0..j1); (j1 − j0) a multiple of 8.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void StreamRows256(int j0, int j1)
        {
            float* c = C;
            nint ldb = Ldb, aStride = AStride;
            if (!Accumulate) new Span<float>(c + j0, j1 - j0).Clear();
            float alpha = Alpha;
            int p = 0;
            for (; p + 8 <= K; p += 8)
            {
                float* ap = A + p * aStride;
                var a0 = Vector256.Create(alpha * ap[0]);
                var a1 = Vector256.Create(alpha * ap[aStride]);
                var a2 = Vector256.Create(alpha * ap[2 * aStride]);
                var a3 = Vector256.Create(alpha * ap[3 * aStride]);
                var a4 = Vector256.Create(alpha * ap[4 * aStride]);
                var a5 = Vector256.Create(alpha * ap[5 * aStride]);
                var a6 = Vector256.Create(alpha * ap[6 * aStride]);
                var a7 = Vector256.Create(alpha * ap[7 * aStride]);
                float* b0 = B + p * ldb;
                for (nint j = j0; j < j1; j += 8)
                {
                    float* bj = b0 + j;
                    var s = Vector256.FusedMultiplyAdd(a0, Vector256.Load(bj), Vector256.Load(c + j));
                    s = Vector256.FusedMultiplyAdd(a1, Vector256.Load(bj + ldb), s);
                    s = Vector256.FusedMultiplyAdd(a2, Vector256.Load(bj + 2 * ldb), s);
                    s = Vector256.FusedMultiplyAdd(a3, Vector256.Load(bj + 3 * ldb), s);
                    s = Vector256.FusedMultiplyAdd(a4, Vector256.Load(bj + 4 * ldb), s);
                    s = Vector256.FusedMultiplyAdd(a5, Vector256.Load(bj + 5 * ldb), s);
                    s = Vector256.FusedMultiplyAdd(a6, Vector256.Load(bj + 6 * ldb), s);
                    s = Vector256.FusedMultiplyAdd(a7, Vector256.Load(bj + 7 * ldb), s);
                    Vector256.Store(s, c + j);
                }
            }
            for (; p < K; p++)
            {
                var ap = Vector256.Create(alpha * A[p * aStride]);
                float* b0 = B + p * ldb;
                for (nint j = j0; j < j1; j += 8)
                    Vector256.Store(Vector256.FusedMultiplyAdd(ap, Vector256.Load(b0 + j), Vector256.Load(c + j)), c + j);
            }
        }

        private void Store(int j, float dot) => C[j] = Accumulate ? C[j] + Alpha * dot : Alpha * dot;

        /// <summary>c[j..j+64) from 8 Vector256 accumulators: each k step is one broadcast and 8 FMAs on 256 contiguous bytes of B.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Axpy256x8(int j)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            float* bp = B + j;
            float* ap = A;
            nint ldb = Ldb, aStride = AStride;
            for (int p = 0; p < K; p++, bp += ldb, ap += aStride)
            {
                var av = Vector256.Create(*ap);
                s0 = Vector256.FusedMultiplyAdd(av, Vector256.Load(bp), s0);
                s1 = Vector256.FusedMultiplyAdd(av, Vector256.Load(bp + 8), s1);
                s2 = Vector256.FusedMultiplyAdd(av, Vector256.Load(bp + 16), s2);
                s3 = Vector256.FusedMultiplyAdd(av, Vector256.Load(bp + 24), s3);
                s4 = Vector256.FusedMultiplyAdd(av, Vector256.Load(bp + 32), s4);
                s5 = Vector256.FusedMultiplyAdd(av, Vector256.Load(bp + 40), s5);
                s6 = Vector256.FusedMultiplyAdd(av, Vector256.Load(bp + 48), s6);
                s7 = Vector256.FusedMultiplyAdd(av, Vector256.Load(bp + 56), s7);
            }
            var va = Vector256.Create(Alpha);
            StoreVector256(C + j, s0, s1, va, !Accumulate);
            StoreVector256(C + j + 16, s2, s3, va, !Accumulate);
            StoreVector256(C + j + 32, s4, s5, va, !Accumulate);
            StoreVector256(C + j + 48, s6, s7, va, !Accumulate);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Axpy256x4(int j)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            float* bp = B + j;
            float* ap = A;
            nint ldb = Ldb, aStride = AStride;
            for (int p = 0; p < K; p++, bp += ldb, ap += aStride)
            {
                var av = Vector256.Create(*ap);
                s0 = Vector256.FusedMultiplyAdd(av, Vector256.Load(bp), s0);
                s1 = Vector256.FusedMultiplyAdd(av, Vector256.Load(bp + 8), s1);
                s2 = Vector256.FusedMultiplyAdd(av, Vector256.Load(bp + 16), s2);
                s3 = Vector256.FusedMultiplyAdd(av, Vector256.Load(bp + 24), s3);
            }
            var va = Vector256.Create(Alpha);
            StoreVector256(C + j, s0, s1, va, !Accumulate);
            StoreVector256(C + j + 16, s2, s3, va, !Accumulate);
        }

        /// <summary>8 columns: two accumulators over alternate k steps, so the single chain is not latency-bound.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Axpy256x1(int j)
        {
            Vector256<float> s0 = default, s1 = default;
            float* bp = B + j;
            float* ap = A;
            nint ldb = Ldb, aStride = AStride;
            int p = 0;
            for (; p + 2 <= K; p += 2, bp += 2 * ldb, ap += 2 * aStride)
            {
                s0 = Vector256.FusedMultiplyAdd(Vector256.Create(ap[0]), Vector256.Load(bp), s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.Create(ap[aStride]), Vector256.Load(bp + ldb), s1);
            }
            if (p < K) s0 = Vector256.FusedMultiplyAdd(Vector256.Create(ap[0]), Vector256.Load(bp), s0);
            var s = (s0 + s1) * Vector256.Create(Alpha);
            if (Accumulate) s += Vector256.Load(C + j);
            Vector256.Store(s, C + j);
        }

        /// <summary>c[j..j+4) = dot products with 4 rows of the n×k storage at once, sharing each load of a.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Dot256x4(int j)
        {
            float* r0 = B + (long)j * Ldb, r1 = r0 + Ldb, r2 = r1 + Ldb, r3 = r2 + Ldb;
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            int p = 0;
            for (; p + 8 <= K; p += 8)
            {
                var av = Vector256.Load(A + p);
                s0 = Vector256.FusedMultiplyAdd(av, Vector256.Load(r0 + p), s0);
                s1 = Vector256.FusedMultiplyAdd(av, Vector256.Load(r1 + p), s1);
                s2 = Vector256.FusedMultiplyAdd(av, Vector256.Load(r2 + p), s2);
                s3 = Vector256.FusedMultiplyAdd(av, Vector256.Load(r3 + p), s3);
            }
            float d0 = Vector256.Sum(s0), d1 = Vector256.Sum(s1), d2 = Vector256.Sum(s2), d3 = Vector256.Sum(s3);
            for (; p < K; p++)
            {
                d0 = MathF.FusedMultiplyAdd(A[p], r0[p], d0);
                d1 = MathF.FusedMultiplyAdd(A[p], r1[p], d1);
                d2 = MathF.FusedMultiplyAdd(A[p], r2[p], d2);
                d3 = MathF.FusedMultiplyAdd(A[p], r3[p], d3);
            }
            Store(j, d0);
            Store(j + 1, d1);
            Store(j + 2, d2);
            Store(j + 3, d3);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Axpy512x8(int j)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            float* bp = B + j;
            float* ap = A;
            nint ldb = Ldb, aStride = AStride;
            for (int p = 0; p < K; p++, bp += ldb, ap += aStride)
            {
                var av = Vector512.Create(*ap);
                s0 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp), s0);
                s1 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 16), s1);
                s2 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 32), s2);
                s3 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 48), s3);
                s4 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 64), s4);
                s5 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 80), s5);
                s6 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 96), s6);
                s7 = Vector512.FusedMultiplyAdd(av, Vector512.Load(bp + 112), s7);
            }
            var va = Vector512.Create(Alpha);
            StoreVector512(C + j, s0, s1, va, !Accumulate);
            StoreVector512(C + j + 32, s2, s3, va, !Accumulate);
            StoreVector512(C + j + 64, s4, s5, va, !Accumulate);
            StoreVector512(C + j + 96, s6, s7, va, !Accumulate);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Axpy512x1(int j)
        {
            var s = Vector512<float>.Zero;
            float* bp = B + j;
            float* ap = A;
            nint ldb = Ldb, aStride = AStride;
            for (int p = 0; p < K; p++, bp += ldb, ap += aStride) s = Vector512.FusedMultiplyAdd(Vector512.Create(*ap), Vector512.Load(bp), s);
            s *= Vector512.Create(Alpha);
            if (Accumulate) s += Vector512.Load(C + j);
            Vector512.Store(s, C + j);
        }

        /// <summary>c[j..j+16) from four Vector128 accumulators (ARM64: FMA latency 4, so four chains keep it busy).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Axpy128x4(int j)
        {
            Vector128<float> s0 = default, s1 = default, s2 = default, s3 = default;
            float* bp = B + j;
            float* ap = A;
            nint ldb = Ldb, aStride = AStride;
            for (int p = 0; p < K; p++, bp += ldb, ap += aStride)
            {
                var av = Vector128.Create(*ap);
                s0 = Vector128.FusedMultiplyAdd(av, Vector128.Load(bp), s0);
                s1 = Vector128.FusedMultiplyAdd(av, Vector128.Load(bp + 4), s1);
                s2 = Vector128.FusedMultiplyAdd(av, Vector128.Load(bp + 8), s2);
                s3 = Vector128.FusedMultiplyAdd(av, Vector128.Load(bp + 12), s3);
            }
            StoreVector128(C + j, s0, s1, s2, s3, Vector128.Create(Alpha), !Accumulate);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Axpy128x1(int j)
        {
            var s = Vector128<float>.Zero;
            float* bp = B + j;
            float* ap = A;
            nint ldb = Ldb, aStride = AStride;
            for (int p = 0; p < K; p++, bp += ldb, ap += aStride) s = Vector128.FusedMultiplyAdd(Vector128.Create(*ap), Vector128.Load(bp), s);
            StoreVector128(C + j, s, Vector128.Create(Alpha), !Accumulate);
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

    private static float Dot128(float* x, float* y, int k)
    {
        Vector128<float> s0 = default, s1 = default;
        int p = 0;
        for (; p + 8 <= k; p += 8)
        {
            s0 = Vector128.FusedMultiplyAdd(Vector128.Load(x + p), Vector128.Load(y + p), s0);
            s1 = Vector128.FusedMultiplyAdd(Vector128.Load(x + p + 4), Vector128.Load(y + p + 4), s1);
        }
        for (; p + 4 <= k; p += 4) s0 = Vector128.FusedMultiplyAdd(Vector128.Load(x + p), Vector128.Load(y + p), s0);
        float sum = Vector128.Sum(s0 + s1);
        for (; p < k; p++) sum = MathF.FusedMultiplyAdd(x[p], y[p], sum);
        return sum;
    }
}
