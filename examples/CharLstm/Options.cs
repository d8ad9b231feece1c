using ModelDsl;
using ModelDsl.Examples;

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
    public int? Ranks { get; init; }
    /// <summary>The arguments without <c>--ranks N</c>: what each rank of a <c>--ranks</c> job is started with.</summary>
    public IReadOnlyList<string> RankArguments { get; init; } = [];
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
          --ranks N              train data-parallel on N MPI processes of this machine: starts itself N times under
                                 MPICH's mpiexec.mpich (apt-get install mpich) with the other options and
                                 MODELDSL_THREADS = cores / N (unless set); rank 0 prints, samples, saves and plots
          --help                 this text
        """;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        var r = new OptionReader(args);
        var rankArguments = new List<string>(args.Length);
        while (r.Next())
        {
            int first = r.Position;
            string name = r.Name;
            o = name switch
            {
                "--corpus" => o with { Corpus = r.Value() },
                "--epochs" => o with { Epochs = r.Positive() },
                "--steps-per-epoch" => o with { StepsPerEpoch = r.Positive() },
                "--seed" => o with { Seed = r.Seed() },
                "--backend" => o with { Backend = r.Backend() },
                "--sampling" => o with { SamplingMode = r.SamplingMode() },
                "--sample-length" => o with { SampleLength = r.Positive() },
                "--save" => o with { Save = r.Value() },
                "--plot" => o with { Plot = r.Value() },
                RankLauncher.Option => o with { Ranks = r.Positive() },
                "--help" or "-h" => o with { Help = true },
                _ => throw r.Unknown(),
            };
            if (name != RankLauncher.Option) rankArguments.AddRange(args[first..(r.Position + 1)]);
        }
        return o with { RankArguments = rankArguments };
    }
}
