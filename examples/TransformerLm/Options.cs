using ModelDsl;
using ModelDsl.Examples;

namespace TransformerLm;

/// <summary>Command-line options of the example, parsed by hand so every mistake gets a one-line message.</summary>
internal sealed record Options
{
    public string? Corpus { get; init; }
    public int Epochs { get; init; } = 10;
    public int? StepsPerEpoch { get; init; }
    public int BatchSize { get; init; } = 32;
    public int Vocabulary { get; init; } = 15000;
    public ulong Seed { get; init; } = 1337;
    public Backend Backend { get; init; } = Backend.Cpu;
    public SamplingMode SamplingMode { get; init; } = SamplingMode.Stateful;
    public bool SeedBlock { get; init; } = true;
    public int Words { get; init; } = 50;
    public int TopK { get; init; }
    public string Prompt { get; init; } = "the philosopher";
    public string? Save { get; init; }
    public string? Plot { get; init; }
    public bool Help { get; init; }

    public const string Usage = """
        Trains the seed's Transformer decoder language model (sequences of 100 words: 99 in, 99 next-word targets; vocabulary 15,000, width 256, 2 heads,
        feed-forward 2,048, RMSprop 0.001) on a word-level corpus and generates 50 words after each epoch at temperatures
        0.2, 0.5, 0.7, 1.0 and 1.5.

        Usage: TransformerLm [options]
          --corpus PATH|URL      text to learn (default: $MODELDSL_DATA_DIR/nietzsche.txt, else the Keras download)
          --epochs N             epochs to train (default 10)
          --steps-per-epoch N    batches per epoch (default: the whole corpus)
          --batch N              sequences per batch (default 32; the seed used 256 on a GPU)
          --vocabulary N         largest vocabulary, padding and [UNK] included (default 15000)
          --block seed|standard  seed: the seed's two-attention block (default); standard: the decoder-only block
          --seed N               seed for weights, shuffling and sampling (default 1337)
          --backend NAME         cpu (default), gpu, auto or reference
          --sampling MODE        stateful (default: a key/value cache, one position per word) or window (as the seed:
                                 recompute the whole sequence for every word)
          --words N              words to generate per temperature (default 50)
          --top-k N              draw only among the N most likely words (default: off)
          --prompt TEXT          the start of every generated text (default "the philosopher")
          --save PATH            write a safetensors checkpoint after each epoch
          --plot PATH            write the loss curve as a PNG after each epoch
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
                "--batch" => o with { BatchSize = r.Positive() },
                "--vocabulary" => o with { Vocabulary = r.Positive() },
                "--block" => o with { SeedBlock = ParseBlock(r.Value()) },
                "--seed" => o with { Seed = r.Seed() },
                "--backend" => o with { Backend = r.Backend() },
                "--sampling" => o with { SamplingMode = r.SamplingMode() },
                "--words" => o with { Words = r.Positive() },
                "--top-k" => o with { TopK = r.Positive() },
                "--prompt" => o with { Prompt = r.Value() },
                "--save" => o with { Save = r.Value() },
                "--plot" => o with { Plot = r.Value() },
                "--help" or "-h" => o with { Help = true },
                _ => throw r.Unknown(),
            };
        }
        if (o.Vocabulary < 3) throw new OptionException("--vocabulary counts the padding and [UNK] tokens, so it must be at least 3.");
        return o;
    }

    private static bool ParseBlock(string text) => text.ToLowerInvariant() switch
    {
        "seed" => true,
        "standard" => false,
        _ => throw new OptionException($"--block is seed or standard, not '{text}'."),
    };
}
