using System.Buffers;
using System.Numerics.Tensors;

namespace ModelDsl.Cpu;

/// <summary>
/// Fused multi-head attention on time-major rows (row t·B + b is position t of sample b; head h owns columns
/// [h·d, (h+1)·d)). One (sample, head) pair is one unit of parallel work: scores, mask, softmax and the weighted sum of
/// one query row are computed together in a scratch row of T floats, so no [T, T] score matrix is built except the
/// probabilities saved for training. The float64 definition is <c>IrInterpreter</c>'s; tests compare the two.
/// </summary>
public static unsafe class Attention
{
    /// <summary>Longest score row kept on the stack; longer ones come from the array pool (no allocation after warm-up).</summary>
    private const int MaxStackRow = 2048;

    /// <summary>Where the ids that mark padded keys are: id of (b, s) at ids[b·batchStride + s·positionStride]; null: no mask.</summary>
    public readonly struct KeyMask(int* ids, long batchStride, long positionStride)
    {
        public readonly int* Ids = ids;
        public readonly long BatchStride = batchStride;
        public readonly long PositionStride = positionStride;
        public bool Allowed(long b, long s) => Ids == null || Ids[b * BatchStride + s * PositionStride] != 0;
    }

    /// <summary>Out = softmax(Q·Kᵀ/√d + mask)·V for every sample and head; saves the weights [B, H, T, T] when <paramref name="probabilities"/> is set.</summary>
    public static void Forward(float* q, int qStride, float* k, int kStride, float* v, int vStride, float* output, int outStride,
        int batch, int steps, int heads, int keySize, bool causal, KeyMask mask, float* probabilities)
    {
        var body = new ForwardBody
        {
            Q = q, QStride = qStride, K = k, KStride = kStride, V = v, VStride = vStride, Output = output, OutStride = outStride,
            Batch = batch, Steps = steps, Heads = heads, KeySize = keySize, Causal = causal, Mask = mask, Probabilities = probabilities,
            Scale = 1f / MathF.Sqrt(keySize),
        };
        WorkerPool.Shared.For(batch * heads, ref body);
    }

    /// <summary>dQ, dK, dV (assigned) from the saved weights and dOut.</summary>
    public static void Backward(float* q, int qStride, float* k, int kStride, float* v, int vStride, float* probabilities,
        float* dOutput, int dOutStride, float* dq, int dqStride, float* dk, int dkStride, float* dv, int dvStride,
        int batch, int steps, int heads, int keySize)
    {
        var body = new BackwardBody
        {
            Q = q, QStride = qStride, K = k, KStride = kStride, V = v, VStride = vStride, Probabilities = probabilities,
            DOut = dOutput, DOutStride = dOutStride, DQ = dq, DQStride = dqStride, DK = dk, DKStride = dkStride, DV = dv, DVStride = dvStride,
            Batch = batch, Steps = steps, Heads = heads, KeySize = keySize, Scale = 1f / MathF.Sqrt(keySize),
        };
        WorkerPool.Shared.For(batch * heads, ref body);
    }

    /// <summary>
    /// One new position per sample with a key/value cache: writes k and v at row positions[b]·B + b of the caches, then
    /// attends from q over cached positions 0..positions[b].
    /// </summary>
    public static void Cached(float* q, int qStride, float* k, int kStride, float* v, int vStride, float* output, int outStride,
        float* keyCache, float* valueCache, int cacheStride, int* positions, int batch, int heads, int keySize, int capacity, KeyMask mask)
    {
        float scale = 1f / MathF.Sqrt(keySize);
        int width = heads * keySize;
        float[]? rented = capacity <= MaxStackRow ? null : ArrayPool<float>.Shared.Rent(capacity);
        Span<float> scratch = rented is null ? stackalloc float[capacity] : rented.AsSpan(0, capacity);
        for (int b = 0; b < batch; b++)
        {
            int p = positions[b];
            if ((uint)p >= (uint)capacity)
                throw new InvalidOperationException($"Position {p} is outside the key/value cache of {capacity} positions; reset the state.");
            new ReadOnlySpan<float>(k + (long)b * kStride, width).CopyTo(new Span<float>(keyCache + ((long)p * batch + b) * cacheStride, width));
            new ReadOnlySpan<float>(v + (long)b * vStride, width).CopyTo(new Span<float>(valueCache + ((long)p * batch + b) * cacheStride, width));
            var scores = scratch[..(p + 1)];
            for (int h = 0; h < heads; h++)
            {
                var query = new ReadOnlySpan<float>(q + (long)b * qStride + h * keySize, keySize);
                var result = new Span<float>(output + (long)b * outStride + h * keySize, keySize);
                result.Clear();
                float max = float.NegativeInfinity;
                for (int s = 0; s <= p; s++)
                {
                    if (!mask.Allowed(b, s)) { scores[s] = float.NegativeInfinity; continue; }
                    scores[s] = scale * TensorPrimitives.Dot(query, new ReadOnlySpan<float>(keyCache + ((long)s * batch + b) * cacheStride + h * keySize, keySize));
                    if (scores[s] > max) max = scores[s];
                }
                if (float.IsNegativeInfinity(max)) continue;
                float sum = 0;
                for (int s = 0; s <= p; s++) sum += scores[s] = float.IsNegativeInfinity(scores[s]) ? 0 : MathF.Exp(scores[s] - max);
                float inverse = 1f / sum;
                for (int s = 0; s <= p; s++)
                    if (scores[s] != 0)
                        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(valueCache + ((long)s * batch + b) * cacheStride + h * keySize, keySize), scores[s] * inverse, result, result);
            }
        }
        // (Not returned when a position is refused: the pool simply makes another.)
        if (rented != null) ArrayPool<float>.Shared.Return(rented);
    }

    private struct ForwardBody : IParallelBody
    {
        public float* Q, K, V, Output, Probabilities;
        public int QStride, KStride, VStride, OutStride, Batch, Steps, Heads, KeySize;
        public bool Causal;
        public KeyMask Mask;
        public float Scale;

        public void Execute(int index)
        {
            int b = index / Heads, h = index % Heads, d = KeySize, T = Steps;
            float[]? rented = T <= MaxStackRow ? null : ArrayPool<float>.Shared.Rent(T);
            Span<float> scores = rented is null ? stackalloc float[T] : rented.AsSpan(0, T);
            for (int t = 0; t < T; t++)
            {
                var query = new ReadOnlySpan<float>(Q + ((long)t * Batch + b) * QStride + h * d, d);
                var result = new Span<float>(Output + ((long)t * Batch + b) * OutStride + h * d, d);
                result.Clear();
                int last = Causal ? t : T - 1;
                float max = float.NegativeInfinity;
                for (int s = 0; s < T; s++)
                {
                    if (s > last || !Mask.Allowed(b, s)) { scores[s] = float.NegativeInfinity; continue; }
                    scores[s] = Scale * TensorPrimitives.Dot(query, new ReadOnlySpan<float>(K + ((long)s * Batch + b) * KStride + h * d, d));
                    if (scores[s] > max) max = scores[s];
                }
                if (float.IsNegativeInfinity(max))
                {
                    scores.Clear();
                }
                else
                {
                    float sum = 0;
                    for (int s = 0; s < T; s++) sum += scores[s] = float.IsNegativeInfinity(scores[s]) ? 0 : MathF.Exp(scores[s] - max);
                    float inverse = 1f / sum;
                    for (int s = 0; s < T; s++)
                    {
                        if (scores[s] == 0) continue;
                        scores[s] *= inverse;
                        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(V + ((long)s * Batch + b) * VStride + h * d, d), scores[s], result, result);
                    }
                }
                if (Probabilities != null) scores.CopyTo(new Span<float>(Probabilities + (((long)b * Heads + h) * T + t) * T, T));
            }
            if (rented != null) ArrayPool<float>.Shared.Return(rented);
        }
    }

    private struct BackwardBody : IParallelBody
    {
        public float* Q, K, V, Probabilities, DOut, DQ, DK, DV;
        public int QStride, KStride, VStride, DOutStride, DQStride, DKStride, DVStride, Batch, Steps, Heads, KeySize;
        public float Scale;

        public void Execute(int index)
        {
            int b = index / Heads, h = index % Heads, d = KeySize, T = Steps;
            for (int s = 0; s < T; s++)
            {
                new Span<float>(DK + ((long)s * Batch + b) * DKStride + h * d, d).Clear();
                new Span<float>(DV + ((long)s * Batch + b) * DVStride + h * d, d).Clear();
            }
            float[]? rented = T <= MaxStackRow ? null : ArrayPool<float>.Shared.Rent(T);
            Span<float> ds = rented is null ? stackalloc float[T] : rented.AsSpan(0, T);
            for (int t = 0; t < T; t++)
            {
                var p = new ReadOnlySpan<float>(Probabilities + (((long)b * Heads + h) * T + t) * T, T);
                var dOut = new ReadOnlySpan<float>(DOut + ((long)t * Batch + b) * DOutStride + h * d, d);
                var query = new ReadOnlySpan<float>(Q + ((long)t * Batch + b) * QStride + h * d, d);
                var dq = new Span<float>(DQ + ((long)t * Batch + b) * DQStride + h * d, d);
                dq.Clear();
                float dot = 0;
                for (int s = 0; s < T; s++)
                {
                    // A zero weight (masked, or underflowed) contributes nothing to any gradient.
                    ds[s] = p[s] == 0 ? 0 : TensorPrimitives.Dot(dOut, new ReadOnlySpan<float>(V + ((long)s * Batch + b) * VStride + h * d, d));
                    dot += p[s] * ds[s];
                }
                for (int s = 0; s < T; s++)
                {
                    if (p[s] == 0) continue;
                    float g = p[s] * (ds[s] - dot) * Scale;
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(K + ((long)s * Batch + b) * KStride + h * d, d), g, dq, dq);
                    var dk = new Span<float>(DK + ((long)s * Batch + b) * DKStride + h * d, d);
                    TensorPrimitives.MultiplyAdd(query, g, dk, dk);
                    var dv = new Span<float>(DV + ((long)s * Batch + b) * DVStride + h * d, d);
                    TensorPrimitives.MultiplyAdd(dOut, p[s], dv, dv);
                }
            }
            if (rented != null) ArrayPool<float>.Shared.Return(rented);
        }
    }
}
