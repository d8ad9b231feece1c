using System.Globalization;
using ModelDsl;
using ModelDsl.Data;
using ModelDsl.Numerics;
using ModelDsl.Text;
using ModelDsl.Training;
using ModelDsl.Visualization;
using Spectre.Console;
using WordLm;

// The seeds' word-level LSTM language model on Nietzsche: sequences of 20 words, step 1, next-word targets.
const int Length = 20;
string? corpus = null;
int epochs = 5;
int? stepsPerEpoch = null;
ulong seed = 1337;
string prompt = "the philosopher";
string? plot = null;
var backend = Backend.Cpu;
try
{
    var r = new ModelDsl.Examples.OptionReader(args);
    while (r.Next())
    {
        switch (r.Name)
        {
            case "--corpus": corpus = r.Value(); break;
            case "--epochs": epochs = r.Positive(); break;
            case "--steps-per-epoch": stepsPerEpoch = r.Positive(); break;
            case "--seed": seed = r.Seed(); break;
            case "--prompt": prompt = r.Value(); break;
            case "--plot": plot = r.Value(); break;
            case "--backend": backend = r.Backend(); break;
            case "--help" or "-h":
                Console.WriteLine("""
                    Trains the seeds' word-level LSTM language model (20 words, Embedding 100, LSTM 256, Dropout 0.2).
                    Usage: WordLm [--corpus PATH|URL] [--epochs N] [--steps-per-epoch N] [--seed N] [--prompt TEXT] [--plot PATH] [--backend cpu|gpu|auto|reference]
                    """);
                return 0;
            default: throw r.Unknown();
        }
    }
}
catch (ModelDsl.Examples.OptionException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

try
{
    string path = Corpus.ResolveCorpusPath(corpus, KnownCorpora.Nietzsche);
    string text = TextNormalization.ReadCorpus(path, lowerCase: true);
    // Punctuation kept as words, as the seed's spacing rule does.
    var tokenizer = new KerasTokenizer(new KerasTokenizerOptions { PunctuationAsTokens = true });
    tokenizer.FitOnTexts(new[] { text });
    var ids = tokenizer.TextToSequence(text);
    Console.WriteLine($"corpus: {path}: {ids.Length:N0} words, {tokenizer.WordIndex.Count:N0} distinct");
    if (ids.Length <= Length)
    {
        Console.Error.WriteLine($"error: the corpus has {ids.Length} words; it needs more than one window of {Length}.");
        return 1;
    }
    var (train, validation) = new WindowDataset(ids, Length, 1).SplitByPosition(0.1);
    using var model = new WordLmModel(tokenizer.SequenceVocabularySize, new ModelOptions { Seed = seed, Backend = backend });
    AnsiConsole.Write(SummaryTable.Render(model));
    var history = new TrainingHistory();
    var promptIds = tokenizer.TextToSequence(prompt);
    if (promptIds.Length == 0)
    {
        Console.Error.WriteLine($"error: no word of the prompt '{prompt}' is in the corpus vocabulary.");
        return 1;
    }
    var sampling = new Rng(seed).Fork(7);
    model.Fit(train, new FitOptions { Epochs = epochs, BatchSize = 128, StepsPerEpoch = stepsPerEpoch, Optimizer = new RmsProp(0.001f), ProgressFactory = new SpectreProgress().BeginEpoch },
        validation.Count > 0 ? validation : null, epoch =>
        {
            history.Add(epoch);
            if (plot != null) TrainingPlot.Save(history, plot);
            foreach (float temperature in new[] { 0.2f, 0.5f, 1.0f })
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"--- temperature {temperature:0.0#}"));
                // Left-pads with id 0 (the tokenizer's reserved padding id) when the prompt is shorter than the window.
                var words = model.Generate(promptIds, 30, temperature, SamplingMode.Window, sampling);
                Console.WriteLine(prompt + " " + tokenizer.SequenceToText(words));
            }
        });
    return 0;
}
catch (Exception e) when (e is CorpusUnavailableException or InvalidDataException or FileNotFoundException or IOException or ArgumentException)
{
    Console.Error.WriteLine("error: " + e.Message);
    return 1;
}
