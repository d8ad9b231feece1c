using ModelDsl;
using ModelDsl.Examples;

namespace Sentiment;

/// <summary>Command-line options of the example, parsed by hand so every mistake gets a one-line message.</summary>
internal sealed record Options
{
    public string? Data { get; init; }
    public int Epochs { get; init; } = 10;
    public int? StepsPerEpoch { get; init; }
    public ulong Seed { get; init; } = 1337;
    public string? Plot { get; init; }
    public Backend Backend { get; init; } = Backend.Cpu;
    public IReadOnlyList<string> Sentences { get; init; } = [];
    public bool Help { get; init; }

    public const string Usage = """
        Trains the seeds' LSTM sentiment classifier and classifies sentences given on the command line. The sentences are
        shuffled with the seed and split three ways: 20% test (held out until the end), 10% validation (the per-epoch
        val_ figures), the rest training; on the 999 IMDB sentences that is 699 / 100 / 200.

        Usage: Sentiment [options] [sentence …]
          --data PATH            sentence<TAB>label file (default: $MODELDSL_DATA_DIR/imdb_labelled.txt)
          --epochs N             epochs (default 10)
          --steps-per-epoch N    batches per epoch (default: all)
          --seed N               seed for the split, weights and shuffling (default 1337)
          --plot PATH            write the loss and accuracy curves as a PNG after each epoch
          --backend NAME         cpu (default), gpu, auto or reference
          --help                 this text
        """;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        var sentences = new List<string>();
        var r = new OptionReader(args);
        while (r.Next())
        {
            switch (r.Name)
            {
                case "--data": o = o with { Data = r.Value() }; break;
                case "--plot": o = o with { Plot = r.Value() }; break;
                case "--backend": o = o with { Backend = r.Backend() }; break;
                case "--epochs": o = o with { Epochs = r.Positive() }; break;
                case "--steps-per-epoch": o = o with { StepsPerEpoch = r.Positive() }; break;
                case "--seed": o = o with { Seed = r.Seed() }; break;
                case "--help" or "-h": o = o with { Help = true }; break;
                default:
                    if (r.Name.StartsWith("--", StringComparison.Ordinal)) throw r.Unknown();
                    sentences.Add(r.Name);
                    break;
            }
        }
        return o with { Sentences = sentences };
    }
}
