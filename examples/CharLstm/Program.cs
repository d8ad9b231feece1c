using System.Globalization;
using CharLstm;
using ModelDsl.Examples;
using ModelDsl;
using ModelDsl.Data;
using ModelDsl.Distributed;
using ModelDsl.Numerics;
using ModelDsl.Text;
using ModelDsl.Training;
using ModelDsl.Visualization;
using Spectre.Console;

// The Keras "character-level text generation with LSTM" example, declared in C#.
return ExampleMain.Run(args, Options.Parse, o => o.Help, Options.Usage, Run);

static int Run(Options options)
{
    const int MaxLength = 60, Step = 3, BatchSize = 128;
    float[] temperatures = { 0.2f, 0.5f, 1.0f, 1.2f };

    // Every path first: a bad one is reported before minutes of training, not after.
    if (options.Corpus is { } corpus) PathChecks.Readable("--corpus", corpus);
    string? plot = options.Plot is { } plotPath ? PathChecks.Writable("--plot", plotPath) : null;
    if (options.Save is { } savePath) PathChecks.Writable("--save", savePath);
    if (options.Ranks is { } ranks) return RankLauncher.Run(ranks, options.RankArguments, Console.Out);

    // Under mpiexec every rank runs this; Fit makes rank 0 the one that reports, samples and saves, and the header follows.
    // Errors still print on every rank: a file missing on one host is that rank's to tell.
    bool header = (DataParallel.FromEnvironment()?.Rank ?? 0) == 0;
    void Say(string line)
    {
        if (header) Console.WriteLine(line);
    }

    string path = Corpus.ResolveCorpusPath(options.Corpus, KnownCorpora.Nietzsche);
    string text = TextNormalization.ReadCorpus(path, lowerCase: true);
    Say($"corpus: {path}");
    Say($"corpus length: {text.Length:N0}");
    var tokenizer = CharTokenizer.FromText(text);
    Say($"total chars: {tokenizer.Size}");
    if (text.Length <= MaxLength)
    {
        return ExampleMain.Fail($"the corpus has {text.Length} characters; it needs more than one window of {MaxLength}.");
    }

    var ids = tokenizer.Encode(text);
    var all = new WindowDataset(ids, MaxLength, Step);
    var (train, validation) = all.SplitByPosition(0.1);
    Say($"sequences: {train.Count:N0} training, {validation.Count:N0} validation (last 10% of the text)");

    using var model = new CharLstmModel(tokenizer.Size, new ModelOptions { Seed = options.Seed, Backend = options.Backend });
    if (header) AnsiConsole.Write(SummaryTable.Render(model));
    var sampling = new Rng(options.Seed).Fork(7);

    var fit = new FitOptions
    {
        Epochs = options.Epochs,
        BatchSize = BatchSize,
        Shuffle = true,
        StepsPerEpoch = options.StepsPerEpoch,
        Optimizer = new RmsProp(learningRate: 0.01f),
        // A live bar on a terminal; plain lines when output is redirected (CI, scripts, logs).
        ProgressFactory = new SpectreProgress().BeginEpoch,
    };
    var history = new TrainingHistory();
    model.Fit(train, fit, validation.Count > 0 ? validation : null, epoch =>
    {
        // Fit's progress line has already closed the epoch with "loss … - val_loss …".
        if (options.Save is { } save)
            model.Save(save, new Dictionary<string, string> { ["tokenizer"] = tokenizer.ToJson(), ["epoch"] = epoch.Epoch.ToString(CultureInfo.InvariantCulture) });
        history.Add(epoch);
        if (plot != null)
            TrainingPlot.Save(history, plot);

        int start = sampling.NextInt(text.Length - MaxLength);
        string seed = text.Substring(start, MaxLength);
        Console.WriteLine($"----- Generating with seed: \"{seed.Replace("\n", " ")}\"");
        foreach (float temperature in temperatures)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"--- temperature {temperature:0.0#}"));
            Console.Write(seed);
            // Streamed: memory stays that of the window however long the sample is.
            model.GenerateStreaming(tokenizer.Encode(seed), options.SampleLength, temperature, id => Console.Write(tokenizer[id]),
                options.SamplingMode, sampling);
            Console.WriteLine();
        }
    });
    return 0;
}
