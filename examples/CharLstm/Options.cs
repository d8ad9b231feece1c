using System.Globalization;
using ModelDsl;

namespace CharLstm;

/// <summary>Command-line options of the example, parsed by hand so every mistake gets a one-line message.</summary>
internal sealed record Options
{
    public string? Corpus { get; init; }
    public int Epochs { get; init; } = 20;
    public int? StepsPerEpoch { get; init; }
    public ulong Seed { get; init; } = 1337;
    public Backend Backend { get; init; } = Backend.Cpu;
    public SamplingMode SamplingMode { get; init; } = SamplingMode.Window;
    public int SampleLength { get; init; } = 400;
    public string? Save { get; init; }
    public string? Plot { get; init; }
    public bool Help { get; init; }

    public const string Usage = """
        Trains the Keras character-LSTM example (maxlen 60, step 3, LSTM 128, RMSprop 0.01, batch 128) and samples text.

        Usage: CharLstm [options]
          --corpus PATH|URL      text to learn (default: $MODELDSL_DATA_DIR/nietzsche.txt, else the Keras download)
          --epochs N             epochs to train (default 20)
          --steps-per-epoch N    batches per epoch (default: the whole corpus)
          --seed N               seed for weights, shuffling and sampling (default 1337)
          --backend NAME         cpu (default), gpu, auto or reference
          --sampling MODE        window (as Keras: re-read the last 60 characters) or stateful
          --sample-length N      characters per temperature (default 400)
          --save PATH            write a safetensors checkpoint after each epoch
          --plot PATH            write the loss curve as a PNG after each epoch
          --help                 this text
        """;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value()
            {
                if (i + 1 >= args.Length) throw new OptionException($"{name} needs a value.");
                return args[++i];
            }
            int Positive()
            {
                var text = Value();
                if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v <= 0)
                    throw new OptionException($"{name} needs a positive whole number, not '{text}'.");
                return v;
            }
            o = name switch
            {
                "--corpus" => o with { Corpus = Value() },
                "--epochs" => o with { Epochs = Positive() },
                "--steps-per-epoch" => o with { StepsPerEpoch = Positive() },
                "--seed" => o with { Seed = ParseSeed(Value()) },
                "--backend" => o with { Backend = ParseBackend(Value()) },
                "--sampling" => o with { SamplingMode = ParseMode(Value()) },
                "--sample-length" => o with { SampleLength = Positive() },
                "--save" => o with { Save = Value() },
                "--plot" => o with { Plot = Value() },
                "--help" or "-h" => o with { Help = true },
                _ => throw new OptionException($"Unknown option '{name}'. Try --help."),
            };
        }
        return o;
    }

    private static ulong ParseSeed(string text) =>
        ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new OptionException($"--seed needs a non-negative whole number, not '{text}'.");

    private static Backend ParseBackend(string text) => text.ToLowerInvariant() switch
    {
        "cpu" => Backend.Cpu,
        "gpu" or "cuda" => Backend.Gpu,
        "auto" => Backend.Auto,
        "reference" => Backend.Reference,
        _ => throw new OptionException($"--backend is cpu, gpu, auto or reference, not '{text}'."),
    };

    private static SamplingMode ParseMode(string text) => text.ToLowerInvariant() switch
    {
        "window" => SamplingMode.Window,
        "stateful" => SamplingMode.Stateful,
        _ => throw new OptionException($"--sampling is window or stateful, not '{text}'."),
    };
}

internal sealed class OptionException(string message) : Exception(message);
