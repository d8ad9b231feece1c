using System.Globalization;
using ModelDsl;
using ModelDsl.Data;
using ModelDsl.Examples;
using ModelDsl.Numerics;
using ModelDsl.Text;
using ModelDsl.Training;
using ModelDsl.Visualization;
using Spectre.Console;
using WordLm;

// The seeds' word-level LSTM language model on Nietzsche: sequences of 20 words, step 1, next-word targets.
return ExampleMain.Run(args, Options.Parse, o => o.Help, Options.Usage, Run);

static int Run(Options options)
{
    const int Length = 20;
    // Every path first: a bad one is reported before minutes of training, not after.
    if (options.Corpus is { } corpus) PathChecks.Readable("--corpus", corpus);
    string? plot = options.Plot is { } plotPath ? PathChecks.Writable("--plot", plotPath) : null;

    string path = Corpus.ResolveCorpusPath(options.Corpus, KnownCorpora.Nietzsche);
    string text = TextNormalization.ReadCorpus(path, lowerCase: true);
    // Punctuation kept as words, as the seed's spacing rule does.
    var tokenizer = new KerasTokenizer(new KerasTokenizerOptions { PunctuationAsTokens = true });
    tokenizer.FitOnTexts(new[] { text });
    var ids = tokenizer.TextToSequence(text);
    Console.WriteLine($"corpus: {path}: {ids.Length:N0} words, {tokenizer.WordIndex.Count:N0} distinct");
    if (ids.Length <= Length)
        return ExampleMain.Fail($"the corpus has {ids.Length} words; it needs more than one window of {Length}.");
    var promptIds = tokenizer.TextToSequence(options.Prompt);
    if (promptIds.Length == 0)
        return ExampleMain.Fail($"no word of the prompt '{options.Prompt}' is in the corpus vocabulary.");

    var (train, validation) = new WindowDataset(ids, Length, 1).SplitByPosition(0.1);
    using var model = new WordLmModel(tokenizer.SequenceVocabularySize, new ModelOptions { Seed = options.Seed, Backend = options.Backend });
    AnsiConsole.Write(SummaryTable.Render(model));
    var history = new TrainingHistory();
    var sampling = new Rng(options.Seed).Fork(7);
    model.Fit(train, new FitOptions { Epochs = options.Epochs, BatchSize = 128, StepsPerEpoch = options.StepsPerEpoch, Optimizer = new RmsProp(0.001f), ProgressFactory = new SpectreProgress().BeginEpoch },
        validation.Count > 0 ? validation : null, epoch =>
        {
            history.Add(epoch);
            if (plot != null) TrainingPlot.Save(history, plot);
            foreach (float temperature in new[] { 0.2f, 0.5f, 1.0f })
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"--- temperature {temperature:0.0#}"));
                // Left-pads with id 0 (the tokenizer's reserved padding id) when the prompt is shorter than the window.
                var words = model.Generate(promptIds, 30, temperature, SamplingMode.Window, sampling);
                Console.WriteLine(options.Prompt + " " + tokenizer.SequenceToText(words));
            }
        });
    return 0;
}
