using ModelDsl.Data;
using ModelDsl.Tests.Models;
using ModelDsl.Training;

namespace ModelDsl.Tests.Training;

public class ProgressFactoryTests
{
    /// <summary>Records what Fit tells one epoch's display.</summary>
    private sealed class RecordingSink(EpochProgress epoch, int throwAtStep = 0) : IProgressSink
    {
        public EpochProgress Epoch { get; } = epoch;
        public List<(int Step, double Loss)> Reports { get; } = [];
        public string? Summary { get; private set; }
        public bool Disposed { get; private set; }

        public void Report(int step, double loss)
        {
            if (step == throwAtStep) throw new InvalidOperationException("display failed");
            Reports.Add((step, loss));
        }

        public void Finish(string summary) => Summary = summary;
        public void Dispose() => Disposed = true;
    }

    private static (WindowDataset Train, WindowDataset Validation) Data()
    {
        var tokens = Enumerable.Range(0, 300).Select(i => i * 7 % 5).ToArray();
        return new WindowDataset(tokens, 5, 2).SplitByPosition(0.2);
    }

    [Fact]
    public void Fit_opens_finishes_and_closes_one_sink_per_epoch()
    {
        var (train, validation) = Data();
        var sinks = new List<RecordingSink>();
        var textOutput = new StringWriter();
        using var model = new TinyCharLstm(5);
        var history = model.Fit(train, new FitOptions
        {
            Epochs = 2,
            BatchSize = 16,
            StepsPerEpoch = 4,
            Progress = textOutput, // the factory wins
            ProgressFactory = epoch => { var sink = new RecordingSink(epoch); sinks.Add(sink); return sink; },
        }, validation);

        Assert.Equal("", textOutput.ToString());
        Assert.Equal([new EpochProgress(1, 2, 4), new EpochProgress(2, 2, 4)], sinks.Select(s => s.Epoch));
        Assert.Equal("Epoch 2/2", sinks[1].Epoch.Label);
        foreach (var (sink, epoch) in sinks.Zip(history.Epochs))
        {
            Assert.Equal([1, 2, 3, 4], sink.Reports.Select(r => r.Step));
            Assert.Equal(epoch.TrainingLoss, sink.Reports[^1].Loss, 12);
            Assert.StartsWith($"loss {epoch.TrainingLoss:F4} - val_loss {epoch.ValidationLoss:F4} - ", sink.Summary);
            Assert.True(sink.Disposed);
        }
    }

    [Fact]
    public void A_failing_epoch_still_closes_its_sink()
    {
        var (train, _) = Data();
        RecordingSink? sink = null;
        using var model = new TinyCharLstm(5);
        var e = Assert.Throws<InvalidOperationException>(() => model.Fit(train, new FitOptions
        {
            BatchSize = 16,
            StepsPerEpoch = 4,
            ProgressFactory = epoch => sink = new RecordingSink(epoch, throwAtStep: 2),
        }));
        Assert.Equal("display failed", e.Message);
        Assert.NotNull(sink);
        Assert.Null(sink.Summary);
        Assert.True(sink.Disposed);
    }
}
