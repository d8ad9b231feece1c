using System.Globalization;
using ModelDsl;
using ModelDsl.Data;
using ModelDsl.Numerics;
using ModelDsl.Text;
using ModelDsl.Training;
using ModelDsl.Visualization;
using Spectre.Console;
using ModelDsl.Examples;
using TransformerLm;

// The seed's Transformer text generator, on a word-level corpus: the text is vectorised as the seed does (lower case,
// punctuation stripped, vocabulary capped with [UNK]) and cut into sequences of 100 words; each trains the model to
// predict words 1..99 from words 0..98 (inputs without the last word, targets without the first), as the seed does.
return ExampleMain.Run(args, Options.Parse, o => o.Help, Options.Usage, Run);

static int Run(Options options)
{
    // Every path first: a bad one is reported before minutes of training, not after.
    if (options.Corpus is { } corpus) PathChecks.Readable("--corpus", corpus);
    string? plot = options.Plot is { } plotPath ? PathChecks.Writable("--plot", plotPath) : null;
    if (options.Save is { } savePath) PathChecks.Writable("--save", savePath);

    string path = Corpus.ResolveCorpusPath(options.Corpus, KnownCorpora.Nietzsche);
    string text = TextNormalization.ReadCorpus(path, lowerCase: false);
    var vectorizer = new TextVectorizer(maxTokens: options.Vocabulary);
    vectorizer.Adapt(new[] { text });
    var ids = vectorizer.Vectorize(text);
    Console.WriteLine($"corpus: {path}: {ids.Length:N0} words, vocabulary {vectorizer.VocabularySize:N0} (padding and [UNK] included)");

    var modelOptions = new ModelOptions { Seed = options.Seed, Backend = options.Backend };
    using Model model = options.SeedBlock
        ? new SeedTransformerLm(vectorizer.VocabularySize, modelOptions)
        : new DecoderLm(vectorizer.VocabularySize, modelOptions);
    int length = model.SequenceLength;
    if (ids.Length < 2 * (length + 1))
    {
        return ExampleMain.Fail($"the corpus has {ids.Length} words; it needs at least two sequences of {length + 1}.");
    }
    // Non-overlapping sequences, as the seed's independent reviews are; the last tenth of the text validates.
    var (train, validation) = new WindowDataset(ids, length, length + 1).SplitByPosition(0.1);
    Console.WriteLine($"{train.Count:N0} training and {validation.Count:N0} validation sequences of {length + 1} words; {(options.SeedBlock ? "the seed's two-attention block" : "the standard decoder block")}");
    AnsiConsole.Write(SummaryTable.Render(model));

    var promptIds = vectorizer.Vectorize(options.Prompt);
    if (promptIds.Length == 0)
    {
        return ExampleMain.Fail($"the prompt '{options.Prompt}' has no words.");
    }
    if (promptIds.Length >= length)
    {
        return ExampleMain.Fail($"the prompt has {promptIds.Length} words; it must be shorter than the model's {length}.");
    }

    var history = new TrainingHistory();
    var sampling = new Rng(options.Seed).Fork(7);
    model.Fit(train, new FitOptions
    {
        Epochs = options.Epochs,
        BatchSize = options.BatchSize,
        StepsPerEpoch = options.StepsPerEpoch,
        Optimizer = new RmsProp(0.001f),
        ProgressFactory = new SpectreProgress().BeginEpoch,
    }, validation, epoch =>
    {
        history.Add(epoch);
        if (plot != null) TrainingPlot.Save(history, plot);
        if (options.Save != null) model.Save(options.Save);
        foreach (float temperature in new[] { 0.2f, 0.5f, 0.7f, 1.0f, 1.5f })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"--- temperature {temperature:0.0#}"));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Console.Write(options.Prompt);
            // Streamed: memory stays that of the window (or the key/value cache) however many words are asked for.
            model.GenerateStreaming(promptIds, options.Words, temperature, id => Console.Write(" " + vectorizer.Vocabulary[id]),
                options.SamplingMode, sampling, padToken: 0, topK: options.TopK);
            clock.Stop();
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    ({clock.Elapsed.TotalMilliseconds / options.Words:0.0} ms per word, {options.SamplingMode.ToString().ToLowerInvariant()})"));
        }
    });
    return 0;
}
