using ModelDsl.Ir;
using ModelDsl.Numerics;
using ModelDsl.Sampling;

namespace ModelDsl;

/// <summary>How <see cref="Model.Generate"/> feeds the model.</summary>
public enum SamplingMode
{
    /// <summary>Each step reads the last <see cref="Model.SequenceLength"/> tokens, as the Keras example does.</summary>
    Window,
    /// <summary>The recurrent state is carried: one time step per token.</summary>
    Stateful,
}

public abstract partial class Model
{
    /// <summary>Output probabilities (or logits) for one window of exactly <see cref="SequenceLength"/> ids.</summary>
    public void Predict(ReadOnlySpan<int> window, Span<float> output)
    {
        if (window.Length != SequenceLength)
            throw new ArgumentException($"The model reads windows of {SequenceLength} tokens; got {window.Length}.", nameof(window));
        if (output.Length < OutputSize)
            throw new ArgumentException($"The output needs room for {OutputSize} values.", nameof(output));
        var program = GetProgram(ProgramKind.Infer, 1);
        window.CopyTo(program.Tokens);
        program.Forward(1);
        program.ReadOutput(output, 1);
    }

    /// <summary>
    /// Generates <paramref name="count"/> tokens after <paramref name="prompt"/>, drawing each with the temperature rule
    /// (T ≤ 1e−6 is greedy) and passing it to <paramref name="onToken"/> as soon as it is drawn.
    /// In window mode a prompt shorter than the window is left-padded with <paramref name="padToken"/>.
    /// </summary>
    public int[] Generate(ReadOnlySpan<int> prompt, int count, float temperature, SamplingMode mode = SamplingMode.Window,
        Rng? random = null, Action<int>? onToken = null, int padToken = 0)
    {
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
        var result = new int[count];
        var output = new float[OutputSize];
        bool logits = Declaration.Layers[^1].Activation != ActivationKind.Softmax;
        float t = temperature;

        if (mode == SamplingMode.Window)
        {
            var window = new int[SequenceLength];
            var history = new List<int>(prompt.Length + count);
            history.AddRange(prompt.ToArray());
            for (int i = 0; i < count; i++)
            {
                int have = Math.Min(history.Count, SequenceLength);
                Array.Fill(window, padToken);
                history.CopyTo(history.Count - have, window, SequenceLength - have, have);
                Predict(window, output);
                int next = logits ? TemperatureSampler.SampleFromLogits(output, t, random) : TemperatureSampler.Sample(output, t, random);
                result[i] = next;
                history.Add(next);
                onToken?.Invoke(next);
            }
            return result;
        }

        var program = GetProgram(ProgramKind.Step, 1);
        program.ResetState();
        for (int i = 0; i < prompt.Length; i++)
        {
            program.Tokens[0] = prompt[i];
            program.Forward(1);
        }
        for (int i = 0; i < count; i++)
        {
            program.ReadOutput(output, 1);
            int next = logits ? TemperatureSampler.SampleFromLogits(output, t, random) : TemperatureSampler.Sample(output, t, random);
            result[i] = next;
            onToken?.Invoke(next);
            if (i + 1 < count)
            {
                program.Tokens[0] = next;
                program.Forward(1);
            }
        }
        return result;
    }
}
