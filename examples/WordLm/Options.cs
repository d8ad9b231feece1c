using ModelDsl;
using ModelDsl.Examples;

namespace WordLm;

/// <summary>Command-line options of the example, parsed by hand so every mistake gets a one-line message.</summary>
internal sealed record Options
{
    public string? Corpus { get; init; }
    public int Epochs { get; init; } = 5;
    public int? StepsPerEpoch { get; init; }
    public ulong Seed { get; init; } = 1337;
    public string Prompt { get; init; } = "the philosopher";
    public string? Plot { get; init; }
    public Backend Backend { get; init; } = Backend.Cpu;
    public bool Help { get; init; }

    public const string Usage = """
        Trains the seeds' word-level LSTM language model (20 words, Embedding 100, LSTM 256, Dropout 0.2).

        Usage: WordLm [options]
          --corpus PATH|URL      text to learn (default: $MODELDSL_DATA_DIR/nietzsche.txt, else the Keras download)
          --epochs N             epochs to train (default 5)
          --steps-per-epoch N    batches per epoch (default: the whole corpus)
          --seed N               seed for weights, shuffling and sampling (default 1337)
          --prompt TEXT          the start of every generated text (default "the philosopher")
          --plot PATH            write the loss curve as a PNG after each epoch
          --backend NAME         cpu (default), gpu, auto or reference
          --help                 this text
        """;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        var r = new OptionReader(args);
        while (r.Next())
        {
            o = r.Name switch
            {
                "--corpus" => o with { Corpus = r.Value() },
                "--epochs" => o with { Epochs = r.Positive() },
                "--steps-per-epoch" => o with { StepsPerEpoch = r.Positive() },
                "--seed" => o with { Seed = r.Seed() },
                "--prompt" => o with { Prompt = r.Value() },
                "--plot" => o with { Plot = r.Value() },
                "--backend" => o with { Backend = r.Backend() },
                "--help" or "-h" => o with { Help = true },
                _ => throw r.Unknown(),
            };
        }
        return o;
    }
}
