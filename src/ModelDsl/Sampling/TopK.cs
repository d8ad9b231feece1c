namespace ModelDsl.Sampling;

/// <summary>
/// Top-k filtering before sampling: every value below the k-th largest is removed (a probability becomes 0, a logit −∞),
/// so the draw is among the k most likely tokens. Values tied with the k-th largest are all kept. Works in place and
/// allocates nothing for k ≤ 1,024 (a min-heap of k values on the stack).
/// </summary>
public static class TopK
{
    /// <summary>Keeps the <paramref name="k"/> largest values of <paramref name="values"/>; k ≤ 0 or k ≥ the length keeps all.</summary>
    /// <param name="logits">True: removed values become −∞ (logits); false: they become 0 (probabilities).</param>
    public static void Filter(Span<float> values, int k, bool logits)
    {
        if (k <= 0 || k >= values.Length) return;
        float threshold = KthLargest(values, k);
        float removed = logits ? float.NegativeInfinity : 0f;
        for (int i = 0; i < values.Length; i++)
            if (values[i] < threshold) values[i] = removed;
    }

    /// <summary>The k-th largest value (1-based): the smallest of a min-heap holding the k largest seen.</summary>
    public static float KthLargest(ReadOnlySpan<float> values, int k)
    {
        if (k <= 0 || k > values.Length) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in 1..{values.Length}.");
        Span<float> heap = k <= 1024 ? stackalloc float[k] : new float[k];
        for (int i = 0; i < k; i++)
        {
            heap[i] = values[i];
            SiftUp(heap, i);
        }
        for (int i = k; i < values.Length; i++)
        {
            if (!(values[i] > heap[0])) continue;
            heap[0] = values[i];
            SiftDown(heap, 0);
        }
        return heap[0];
    }

    private static void SiftUp(Span<float> heap, int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!(heap[i] < heap[parent])) return;
            (heap[i], heap[parent]) = (heap[parent], heap[i]);
            i = parent;
        }
    }

    private static void SiftDown(Span<float> heap, int i)
    {
        while (true)
        {
            int left = 2 * i + 1, right = left + 1, smallest = i;
            if (left < heap.Length && heap[left] < heap[smallest]) smallest = left;
            if (right < heap.Length && heap[right] < heap[smallest]) smallest = right;
            if (smallest == i) return;
            (heap[i], heap[smallest]) = (heap[smallest], heap[i]);
            i = smallest;
        }
    }
}
