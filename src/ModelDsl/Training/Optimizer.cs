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
            string name = root.GetProperty("name").GetString() ?? "";
            float lr = root.GetProperty("learning_rate").GetSingle();
            return name switch
            {
                "rmsprop" => new RmsProp(lr, root.GetProperty("rho").GetSingle(), root.GetProperty("epsilon").GetSingle()),
                "adam" => new Adam(lr, root.GetProperty("beta_1").GetSingle(), root.GetProperty("beta_2").GetSingle(), root.GetProperty("epsilon").GetSingle()),
                "sgd" => new Sgd(lr, root.GetProperty("momentum").GetSingle(), root.GetProperty("nesterov").GetBoolean()),
                _ => throw new FormatException($"Unknown optimizer '{name}'; known: rmsprop, adam, sgd."),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"Invalid optimizer configuration {json}: {e.Message}", e);
        }
    }
}
