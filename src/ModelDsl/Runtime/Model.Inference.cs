using ModelDsl.Ir;
using ModelDsl.Numerics;
using ModelDsl.Sampling;

namespace ModelDsl;

/// <summary>How <see cref="Model.Generate"/> feeds the model.</summary>
public enum SamplingMode
{
    /// <summary>Each step reads the last <see cref="Model.SequenceLength"/> tokens, as the Keras example does.</summary>
    Window,
    /// <summary>
    /// The state is carried: one time step per token. Recurrent layers carry their hidden state; attention layers keep a
    /// key/value cache of the positions seen, so each token costs one position (when the cache is full, it is refilled
    /// from the last half of the tokens).
    /// </summary>
    Stateful,
}

public abstract partial class Model
{
    /// <summary>Output probabilities (or logits) for one window of exactly <see cref="SequenceLength"/> ids.</summary>
    public void Predict(ReadOnlySpan<int> window, Span<float> output) => Predict(window, output, SequenceLength - 1);

    /// <summary>
    /// Output probabilities (or logits) at <paramref name="position"/> of one window: a model with attention and a
    /// per-position output reads any position (a causal model's output there depends on ids 0..position only); other
    /// models have one output per window and take only the last position.
    /// </summary>
    public void Predict(ReadOnlySpan<int> window, Span<float> output, int position)
    {
        if (window.Length != SequenceLength)
            throw new ArgumentException($"The model reads windows of {SequenceLength} tokens; got {window.Length}.", nameof(window));
        if (output.Length < OutputSize)
            throw new ArgumentException($"The output needs room for {OutputSize} values.", nameof(output));
        var program = GetProgram(ProgramKind.Infer, 1);
        if (program.QueryPositions.IsEmpty)
        {
            if (position != SequenceLength - 1)
                throw new ArgumentOutOfRangeException(nameof(position), position, $"{GetType().Name} has one output per window, at the last position {SequenceLength - 1}.");
        }
        else
        {
            if ((uint)position >= (uint)SequenceLength)
                throw new ArgumentOutOfRangeException(nameof(position), position, $"The position must be in 0..{SequenceLength - 1}.");
            program.QueryPositions[0] = position;
        }
        window.CopyTo(program.Tokens);
        program.Forward(1);
        program.ReadOutput(output, 1);
        Runtime.NonFiniteSearch.CheckOutput(program, output[..OutputSize]);
    }

    /// <summary>
    /// Generates <paramref name="count"/> tokens after <paramref name="prompt"/>, drawing each with the temperature rule
    /// (T ≤ 1e−6 is greedy) and passing it to <paramref name="onToken"/> as soon as it is drawn.
    /// In window mode a prompt shorter than the window is left-padded with <paramref name="padToken"/> — except for models
    /// with attention, which read the tokens from position 0 and the output at the last real token (as the seed does).
    /// <paramref name="topK"/> &gt; 0 draws only among the k most likely tokens. The returned array holds all
    /// <paramref name="count"/> tokens; <see cref="GenerateStreaming"/> keeps none, for counts too large to hold.
    /// </summary>
    public int[] Generate(ReadOnlySpan<int> prompt, int count, float temperature, SamplingMode mode = SamplingMode.Window,
        Rng? random = null, Action<int>? onToken = null, int padToken = 0, int topK = 0)
        => Generate(prompt, count, temperature, mode, random, onToken, padToken, topK, keepTokens: true);

    /// <summary>
    /// As <see cref="Generate(ReadOnlySpan{int}, int, float, SamplingMode, Rng?, Action{int}?, int, int)"/>, but the tokens
    /// are only passed to <paramref name="onToken"/>, not collected: memory stays that of the window (or of the key/value
    /// cache) whatever <paramref name="count"/> is, so a huge count costs time, not memory.
    /// </summary>
    public void GenerateStreaming(ReadOnlySpan<int> prompt, int count, float temperature, Action<int> onToken,
        SamplingMode mode = SamplingMode.Window, Rng? random = null, int padToken = 0, int topK = 0)
    {
        ArgumentNullException.ThrowIfNull(onToken);
        Generate(prompt, count, temperature, mode, random, onToken, padToken, topK, keepTokens: false);
    }

    private int[] Generate(ReadOnlySpan<int> prompt, int count, float temperature, SamplingMode mode,
        Rng? random, Action<int>? onToken, int padToken, int topK, bool keepTokens)
    {
        if (topK < 0) throw new ArgumentOutOfRangeException(nameof(topK), topK, "Top-k must be 0 (off) or positive.");
        if (prompt.Length == 0) throw new ArgumentException("The prompt must have at least one token.", nameof(prompt));
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "Count must not be negative.");
        if (float.IsNaN(temperature) || temperature < 0)
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "Temperature must be a non-negative number (0 or tiny means greedy).");
        if (OutputSize != Vocabulary)
            throw new InvalidOperationException($"Generation needs an output over the vocabulary ({Vocabulary}); this model outputs {OutputSize}.");
        foreach (var id in prompt)
            if ((uint)id >= (uint)Vocabulary)
                throw new ArgumentOutOfRangeException(nameof(prompt), $"Prompt token {id} is outside the vocabulary 0..{Vocabulary - 1}.");
        if ((uint)padToken >= (uint)Vocabulary) throw new ArgumentOutOfRangeException(nameof(padToken));
        random ??= SamplingRandom;
        var result = keepTokens ? new int[count] : Array.Empty<int>();
        var output = new float[OutputSize];
        bool logits = Declaration.Layers[^1].Activation != ActivationKind.Softmax;
        float t = temperature;

        int Draw()
        {
            TopK.Filter(output, topK, logits);
            return logits ? TemperatureSampler.SampleFromLogits(output, t, random) : TemperatureSampler.Sample(output, t, random);
        }

        bool positional = Lowering.UsesPositions(Declaration);
        // Between this loop's own calls the weights do not change (parameters written from onToken are seen by the next
        // call into the model): a device program keeps its uploaded copy instead of uploading it for every token.
        var generating = GetProgram(mode == SamplingMode.Window ? ProgramKind.Infer : ProgramKind.Step, 1);
        generating.ReuseUploadedParameters = true;
        try
        {
            return mode == SamplingMode.Window
                ? GenerateWindow(prompt, count, padToken, positional, result, output, onToken, Draw)
                : GenerateStateful(prompt, count, result, output, onToken, Draw);
        }
        finally
        {
            generating.ReuseUploadedParameters = false;
        }
    }

    private int[] GenerateWindow(ReadOnlySpan<int> prompt, int count, int padToken, bool positional, int[] result, float[] output, Action<int>? onToken, Func<int> draw)
    {
        // Only the window is kept, not the history: each token drawn shifts it by one, so memory does not grow with count.
        int length = SequenceLength;
        var window = new int[length];
        Array.Fill(window, padToken);
        int have = Math.Min(prompt.Length, length);
        // Positions are absolute for attention models: their tokens start at position 0 and the prediction is read at the
        // last one. Other models read the tokens right-aligned, left-padded.
        prompt[^have..].CopyTo(window.AsSpan(positional ? 0 : length - have));
        for (int i = 0; i < count; i++)
        {
            if (positional) Predict(window, output, have - 1);
            else Predict(window, output);
            int next = draw();
            if (result.Length > 0) result[i] = next;
            if (positional && have < length)
            {
                window[have++] = next;
            }
            else
            {
                window.AsSpan(1).CopyTo(window);
                window[^1] = next;
                have = Math.Min(have + 1, length);
            }
            onToken?.Invoke(next);
        }
        return result;
    }

    private int[] GenerateStateful(ReadOnlySpan<int> prompt, int count, int[] result, float[] output, Action<int>? onToken, Func<int> draw)
    {
        var program = GetProgram(ProgramKind.Step, 1);
        program.ResetState();
        int capacity = program.Program.CacheCapacity;
        // Attention models remember at most `capacity` positions: keep the last `capacity` tokens (a ring, so memory does
        // not grow with count) to refill the cache from.
        var recent = capacity > 0 ? new int[capacity] : null;
        int next = 0;
        void Feed(int id)
        {
            if (recent != null)
            {
                if (program.CachedPositions >= capacity)
                {
                    // Positions are absolute, so the cache cannot slide: start again from the last half of the tokens.
                    program.ResetState();
                    int keep = Math.Max(0, capacity / 2 - 1);
                    for (int k = keep; k > 0; k--)
                    {
                        program.Tokens[0] = recent[(next - k + capacity) % capacity];
                        program.Forward(1);
                    }
                }
                recent[next] = id;
                next = (next + 1) % capacity;
            }
            program.Tokens[0] = id;
            program.Forward(1);
        }

        var start = capacity > 0 && prompt.Length > capacity ? prompt.Length - capacity : 0;
        for (int i = start; i < prompt.Length; i++) Feed(prompt[i]);
        for (int i = 0; i < count; i++)
        {
            program.ReadOutput(output, 1);
            Runtime.NonFiniteSearch.CheckOutput(program, output);
            int drawn = draw();
            if (result.Length > 0) result[i] = drawn;
            onToken?.Invoke(drawn);
            if (i + 1 < count) Feed(drawn);
        }
        return result;
    }
}
