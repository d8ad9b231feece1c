using System.Globalization;
using ModelDsl;
using ModelDsl.Data;
using ModelDsl.Examples;
using ModelDsl.Text;
using ModelDsl.Training;
using ModelDsl.Visualization;
using Spectre.Console;

namespace Sentiment;

/// <summary>The LSTM sentiment classifier of the seeds on the IMDB part of the UCI labelled sentences.</summary>
public static class Program
{
    public const int MaxLength = 30;

    public static int Main(string[] args) => ExampleMain.Run(args, Options.Parse, o => o.Help, Options.Usage, Run);

    private static int Run(Options options)
    {
        // Every path first: a bad one is reported before minutes of training, not after.
        string path = options.Data ?? Path.Combine(Environment.GetEnvironmentVariable(Corpus.DataDirectoryEnvironmentVariable) ?? ".", "imdb_labelled.txt");
        if (options.Data is null && !File.Exists(path))
            return ExampleMain.Fail($"no labelled data at '{path}'; pass --data PATH or set {Corpus.DataDirectoryEnvironmentVariable} to a folder holding imdb_labelled.txt.");
        PathChecks.Readable("--data", path);
        string? plot = options.Plot is { } plotPath ? PathChecks.Writable("--plot", plotPath) : null;

        var file = LabelledText.Read(path);
        var (train, validation, test) = ThreeWaySplit.Of(file, options.Seed);
        Console.WriteLine($"{file.Sentences.Count} labelled sentences ({string.Join(", ", file.LabelCounts.OrderBy(p => p.Key).Select(p => $"label {p.Key}: {p.Value}"))}); {train.Count} for training, {validation.Count} for validation, {test.Count} for the final test");

        var tokenizer = new KerasTokenizer();
        tokenizer.FitOnTexts(train.Select(s => s.Sentence));
        var trainSequences = tokenizer.TextsToSequences(train.Select(s => s.Sentence));
        Console.WriteLine(SequenceLengthReport.Of(trainSequences, MaxLength));
        LabelledSequences Encode(IReadOnlyList<LabelledSentence> part, List<int[]> sequences) =>
            new(SequencePadding.Pad(sequences, MaxLength), part.Select(s => s.Label).ToArray());
        var trainSet = Encode(train, trainSequences);
        var validationSet = Encode(validation, tokenizer.TextsToSequences(validation.Select(s => s.Sentence)));
        var testSet = Encode(test, tokenizer.TextsToSequences(test.Select(s => s.Sentence)));

        using var model = new SentimentModel(tokenizer.SequenceVocabularySize, new ModelOptions { Seed = options.Seed, Backend = options.Backend });
        AnsiConsole.Write(SummaryTable.Render(model));
        var history = new TrainingHistory();
        var trainAccuracies = new List<double>();
        var validationAccuracies = new List<double>();
        model.Fit(trainSet, new FitOptions
        {
            Epochs = options.Epochs,
            BatchSize = 32,
            StepsPerEpoch = options.StepsPerEpoch,
            Optimizer = new Adam(0.001f),
            // A live bar on a terminal; plain lines when output is redirected.
            ProgressFactory = new SpectreProgress().BeginEpoch,
        }, validationSet, epoch =>
        {
            var (_, trainAccuracy) = model.Measure(trainSet);
            var (_, validationAccuracy) = model.Measure(validationSet);
            history.Add(epoch);
            trainAccuracies.Add(trainAccuracy);
            validationAccuracies.Add(validationAccuracy);
            if (plot != null)
                TrainingPlot.Save(TrainingCurves.From(history) with { TrainingAccuracy = trainAccuracies.ToArray(), ValidationAccuracy = validationAccuracies.ToArray() }, plot);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch.Epoch}: loss {epoch.TrainingLoss:F4} - accuracy {trainAccuracy:F4} - val_loss {epoch.ValidationLoss:F4} - val_accuracy {validationAccuracy:F4}"));
        });

        // The test split was seen neither by training nor by the validation that the epochs were watched on.
        var (testLoss, accuracy) = model.Measure(testSet);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test loss {testLoss:F4}, test accuracy {accuracy:F4}"));

        var sentences = options.Sentences;
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
