using System.Text.Json;

namespace ModelDsl.Training;

/// <summary>
/// A first-order update rule over a flat parameter buffer, with the formulas of Keras 3.
/// </summary>
/// <remarks>
/// Optimizer state is a flat buffer of <see cref="StateSlots"/> × n floats laid out slot-major
/// (slot s at [s·n, (s+1)·n)), so the runtime sizes and allocates it once beside the parameters
/// and a checkpoint saves it as one tensor. A fresh state is all zeros, as in Keras.
/// <see cref="Step"/> allocates nothing.
/// </remarks>
public abstract class Optimizer
{
    private float _learningRate;

    protected Optimizer(float learningRate)
    {
        LearningRate = learningRate;
    }

    /// <summary>Step size; may be changed between steps (schedules).</summary>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            if (!float.IsFinite(value) || value < 0)
                throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be finite and non-negative.");
            _learningRate = value;
        }
    }

    /// <summary>The Keras name of the rule ("rmsprop", "adam", "sgd").</summary>
    public abstract string Name { get; }

    /// <summary>Floats of state per parameter.</summary>
    public abstract int StateSlots { get; }

    /// <summary>Length of the state buffer for <paramref name="parameterCount"/> parameters.</summary>
    public int StateLength(int parameterCount) => checked(StateSlots * parameterCount);

    /// <summary>
    /// Whether every value of state slot <paramref name="slot"/> is ≥ 0 in any state this rule produces (a running mean of
    /// squares): a checkpoint holding a negative one is corrupt, and resuming it would make the weights NaN at the first step.
    /// </summary>
    public virtual bool SlotIsNonNegative(int slot) => false;

    /// <summary>Applies one update to <paramref name="parameters"/> in place.</summary>
    /// <param name="parameters">p: [n].</param>
    /// <param name="gradients">g: [n], the loss gradient for these parameters.</param>
    /// <param name="state">[StateSlots × n], slot-major; zeros before the first step.</param>
    /// <param name="step">The 1-based number of this update (Keras <c>iterations + 1</c>), used by bias correction.</param>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> state, long step)
    {
        if (gradients.Length != parameters.Length)
            throw new ArgumentException($"{gradients.Length} gradients for {parameters.Length} parameters.", nameof(gradients));
        if (state.Length != StateSlots * parameters.Length)
            throw new ArgumentException($"{Name} needs {StateSlots} × {parameters.Length} floats of state, got {state.Length}.", nameof(state));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(step);
        Update(parameters, gradients, state, step);
    }

    /// <summary>
    /// The coefficients of update number <paramref name="step"/> for the device kernel, or null for a rule the device does not
    /// know (a user subclass): the GPU backend then trains through the host, downloading the gradients each step.
    /// </summary>
    internal virtual DeviceUpdateRule? DeviceRule(long step) => null;

    /// <summary>The rule itself, called with lengths already checked.</summary>
    protected abstract void Update(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> state, long step);

    public override string ToString() => $"{Name}(learning_rate={LearningRate})";

    /// <summary>
    /// The rule and its hyperparameters as JSON, Keras <c>get_config</c> style (<c>{"name":"rmsprop","learning_rate":0.001,"rho":0.9,…}</c>),
    /// saved in training checkpoints; <see cref="FromConfigJson"/> reads it back. Floats round-trip exactly.
    /// </summary>
    public string ConfigJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("name", Name);
            json.WriteNumber("learning_rate", LearningRate);
            WriteHyperparameters(json);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes the hyperparameters other than the learning rate, with their Keras names.</summary>
    protected abstract void WriteHyperparameters(Utf8JsonWriter json);

    /// <summary>The optimizer described by <see cref="ConfigJson"/> (fresh state: the caller restores it).</summary>
    /// <exception cref="FormatException">Not valid JSON, an unknown rule, or a missing or invalid hyperparameter.</exception>
    public static Optimizer FromConfigJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException("it is not a JSON object");
            string name = Field(root, "name", JsonValueKind.String).GetString() ?? "";
            float lr = Float(root, "learning_rate");
            return name switch
            {
                "rmsprop" => new RmsProp(lr, Float(root, "rho"), Float(root, "epsilon")),
                "adam" => new Adam(lr, Float(root, "beta_1"), Float(root, "beta_2"), Float(root, "epsilon")),
                "sgd" => new Sgd(lr, Float(root, "momentum"), Field(root, "nesterov", JsonValueKind.True, JsonValueKind.False).GetBoolean()),
                _ => throw new FormatException($"Unknown optimizer '{name}'; known: rmsprop, adam, sgd."),
            };
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"Invalid optimizer configuration {json}: {e.Message}", e);
        }

        // A missing or mistyped hyperparameter is named (the dictionary's own message does not say which key).
        static JsonElement Field(JsonElement root, string key, params JsonValueKind[] kinds)
        {
            if (!root.TryGetProperty(key, out var value)) throw new FormatException($"'{key}' is missing");
            if (Array.IndexOf(kinds, value.ValueKind) < 0) throw new FormatException($"'{key}' is not a {(kinds[0] == JsonValueKind.Number ? "number" : kinds[0] == JsonValueKind.String ? "string" : "boolean")}");
            return value;
        }

        static float Float(JsonElement root, string key)
        {
            var value = Field(root, key, JsonValueKind.Number);
            if (!value.TryGetSingle(out float number) || !float.IsFinite(number)) throw new FormatException($"'{key}' is not a finite float");
            return number;
        }
    }
}
