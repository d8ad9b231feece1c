using System.Globalization;
using ModelDsl;
using ModelDsl.Data;
using ModelDsl.Text;
using ModelDsl.Training;
using ModelDsl.Visualization;
using Spectre.Console;

namespace Sentiment;

/// <summary>The LSTM sentiment classifier of the seeds on the IMDB part of the UCI labelled sentences.</summary>
public static class Program
{
    public const int MaxLength = 30;

    private const string Usage = """
        Trains the seed's LSTM sentiment classifier (80/20 split) and classifies sentences given on the command line.

        Usage: Sentiment [options] [sentence …]
          --data PATH            sentence<TAB>label file (default: $MODELDSL_DATA_DIR/imdb_labelled.txt)
          --epochs N             epochs (default 10)
          --steps-per-epoch N    batches per epoch (default: all)
          --seed N               seed for the split, weights and shuffling (default 1337)
          --plot PATH            write the loss and accuracy curves as a PNG after each epoch
          --backend NAME         cpu (default), gpu, auto or reference
          --help                 this text
        """;

    public static int Main(string[] args)
    {
        string? data = null;
        int epochs = 10;
        int? stepsPerEpoch = null;
        ulong seed = 1337;
        string? plot = null;
        var backend = Backend.Cpu;
        var sentences = new List<string>();
        try
        {
            var r = new ModelDsl.Examples.OptionReader(args);
            while (r.Next())
            {
                switch (r.Name)
                {
                    case "--data": data = r.Value(); break;
                    case "--plot": plot = r.Value(); break;
                    case "--backend": backend = r.Backend(); break;
                    case "--epochs": epochs = r.Positive(); break;
                    case "--steps-per-epoch": stepsPerEpoch = r.Positive(); break;
                    case "--seed": seed = r.Seed(); break;
                    case "--help" or "-h": Console.WriteLine(Usage); return 0;
                    default:
                        if (r.Name.StartsWith("--", StringComparison.Ordinal)) throw r.Unknown();
                        sentences.Add(r.Name);
                        break;
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
            return Run(data, epochs, stepsPerEpoch, seed, plot, sentences, backend);
        }
        catch (Exception e) when (e is CorpusUnavailableException or InvalidDataException or FileNotFoundException or IOException or ArgumentException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 1;
        }
    }

    private static int Run(string? data, int epochs, int? stepsPerEpoch, ulong seed, string? plot, List<string> sentences, Backend backend)
    {
        string path = data ?? Path.Combine(Environment.GetEnvironmentVariable(Corpus.DataDirectoryEnvironmentVariable) ?? ".", "imdb_labelled.txt");
        if (!File.Exists(path))
        {
            Console.Error.WriteLine($"error: no labelled data at '{path}'; pass --data PATH or set {Corpus.DataDirectoryEnvironmentVariable}.");
            return 1;
        }
        var file = LabelledText.Read(path);
        var (train, test) = file.Split(0.2, seed);
        Console.WriteLine($"{file.Sentences.Count} labelled sentences ({string.Join(", ", file.LabelCounts.OrderBy(p => p.Key).Select(p => $"label {p.Key}: {p.Value}"))}); {train.Count} for training, {test.Count} for testing");

        var tokenizer = new KerasTokenizer();
        tokenizer.FitOnTexts(train.Select(s => s.Sentence));
        var trainSequences = tokenizer.TextsToSequences(train.Select(s => s.Sentence));
        Console.WriteLine(SequenceLengthReport.Of(trainSequences, MaxLength));
        LabelledSequences Encode(IReadOnlyList<LabelledSentence> part, List<int[]> sequences) =>
            new(SequencePadding.Pad(sequences, MaxLength), part.Select(s => s.Label).ToArray());
        var trainSet = Encode(train, trainSequences);
        var testSet = Encode(test, tokenizer.TextsToSequences(test.Select(s => s.Sentence)));

        using var model = new SentimentModel(tokenizer.SequenceVocabularySize, new ModelOptions { Seed = seed, Backend = backend });
        AnsiConsole.Write(SummaryTable.Render(model));
        var history = new TrainingHistory();
        var trainAccuracies = new List<double>();
        var testAccuracies = new List<double>();
        model.Fit(trainSet, new FitOptions
        {
            Epochs = epochs,
            BatchSize = 32,
            StepsPerEpoch = stepsPerEpoch,
            Optimizer = new Adam(0.001f),
            // A live bar on a terminal; plain lines when output is redirected.
            ProgressFactory = new SpectreProgress().BeginEpoch,
        }, testSet, epoch =>
        {
            var (_, trainAccuracy) = model.Measure(trainSet);
            var (_, testAccuracy) = model.Measure(testSet);
            history.Add(epoch);
            trainAccuracies.Add(trainAccuracy);
            testAccuracies.Add(testAccuracy);
            if (plot != null)
                TrainingPlot.Save(TrainingCurves.From(history) with { TrainingAccuracy = trainAccuracies.ToArray(), ValidationAccuracy = testAccuracies.ToArray() }, plot);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch.Epoch}: loss {epoch.TrainingLoss:F4} - accuracy {trainAccuracy:F4} - val_loss {epoch.ValidationLoss:F4} - val_accuracy {testAccuracy:F4}"));
        });

        var (testLoss, accuracy) = model.Measure(testSet);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test loss {testLoss:F4}, test accuracy {accuracy:F4}"));

        if (sentences.Count > 0)
        {
            var padded = SequencePadding.Pad(tokenizer.TextsToSequences(sentences), MaxLength);
            var probability = new float[1];
            for (int i = 0; i < sentences.Count; i++)
            {
                model.Predict(padded[i], probability);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{probability[0]:F3} positive  \"{sentences[i]}\""));
            }
        }
        return 0;
    }
}
