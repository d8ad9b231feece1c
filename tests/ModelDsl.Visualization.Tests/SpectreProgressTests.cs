using ModelDsl.Data;
using ModelDsl.Training;
using Spectre.Console;

namespace ModelDsl.Visualization.Tests;

public sealed class SpectreProgressTests
{
    /// <summary>A console writing to a string, as Spectre builds it for a redirected stdout or a forced terminal.</summary>
    private static IAnsiConsole Console(StringWriter output, bool terminal) => AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(output),
        Ansi = terminal ? AnsiSupport.Yes : AnsiSupport.Detect,
        Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.Detect,
        ColorSystem = terminal ? ColorSystemSupport.TrueColor : ColorSystemSupport.NoColors,
    });

    private static void RunEpoch(IProgressSink sink, ManualClock clock, int steps, string summary)
    {
        using (sink)
        {
            for (int step = 1; step <= steps; step++)
            {
                clock.Advance(TimeSpan.FromMilliseconds(100));
                sink.Report(step, 2.0 - step * 0.01);
            }
            sink.Finish(summary);
        }
    }

    [Fact]
    public void Redirected_output_gets_the_plain_reporter_lines()
    {
        var output = new StringWriter();
        var clock = new ManualClock();
        var progress = new SpectreProgress(Console(output, terminal: false), timeProvider: clock);
        Assert.False(progress.Interactive);

        RunEpoch(progress.BeginEpoch(new EpochProgress(1, 60, 95)), clock, 95, "loss 1.0500 - val_loss 1.3021");

        var expected = new StringWriter();
        var reference = new ManualClock();
        RunEpoch(new ProgressReporter(expected, interactive: false, totalSteps: 95, "Epoch 1/60", reference), reference, 95, "loss 1.0500 - val_loss 1.3021");
        Assert.Equal(expected.ToString(), output.ToString());

        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(12, lines.Length);
        Assert.Equal("Epoch 1/60  9/95 [=>............................] ETA 0:09 loss 1.9100", lines[0]);
        Assert.Equal("Epoch 1/60 loss 1.0500 - val_loss 1.3021", lines[^1]);
        Assert.DoesNotContain('\u001b', output.ToString());
        Assert.DoesNotContain('\r', output.ToString().Replace(Environment.NewLine, ""));
    }

    [Fact]
    public void Redirected_lines_are_not_wrapped_at_the_console_width()
    {
        var output = new StringWriter();
        var clock = new ManualClock();
        var progress = new SpectreProgress(Console(output, terminal: false), timeProvider: clock);
        string summary = "loss 1.0500 - val_loss 1.3021 - " + new string('x', 200);
        RunEpoch(progress.BeginEpoch(new EpochProgress(2, 2, 3)), clock, 3, summary);
        Assert.EndsWith("Epoch 2/2 " + summary + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void A_terminal_gets_a_live_bar_that_ends_with_the_summary()
    {
        var output = new StringWriter();
        var clock = new ManualClock();
        // A StringWriter is no terminal, so the live bar has to be asked for.
        var progress = new SpectreProgress(Console(output, terminal: true), interactive: true, timeProvider: clock);

        var sink = progress.BeginEpoch(new EpochProgress(3, 20, 50));
        for (int step = 1; step <= 25; step++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            sink.Report(step, 1.8234);
        }
        // Half way after 25 s: 25 s to go.
        Thread.Sleep(300);
        string half = output.ToString();
        for (int step = 26; step <= 50; step++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            sink.Report(step, 1.5);
        }
        sink.Finish("loss 1.5000 - val_loss 1.4000 - 50.0s");
        sink.Dispose();

        string text = output.ToString();
        Assert.Contains("\u001b[", text); // drawn with ANSI sequences, not printed line by line
        Assert.Contains("Epoch 3/20", half);
        Assert.Contains("25/50", half);
        Assert.Contains("ETA 0:25", half);
        Assert.Contains("loss 1.8234", half);
        Assert.Contains("━", half);
        string last = text[text.LastIndexOf("Epoch 3/20", StringComparison.Ordinal)..];
        Assert.Contains("50/50", last);
        Assert.Contains("0:50", last);
        Assert.Contains("loss 1.5000 - val_loss 1.4000 - 50.0s", last);
        Assert.DoesNotContain("ETA", last);
    }

    [Fact]
    public async Task An_epoch_that_throws_closes_the_live_bar()
    {
        var output = new StringWriter();
        var progress = new SpectreProgress(Console(output, terminal: true), interactive: true);
        var sink = progress.BeginEpoch(new EpochProgress(1, 1, 10));
        sink.Report(4, 2.5);
        await Task.Run(sink.Dispose).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("4/10", output.ToString());
        Assert.Throws<InvalidOperationException>(() => sink.Report(5, 2.4));
    }

    [Fact]
    public void Fit_prints_through_the_factory_for_every_epoch()
    {
        var output = new StringWriter();
        var tokens = Enumerable.Range(0, 400).Select(i => i * 7 % 5).ToArray();
        var (train, validation) = new WindowDataset(tokens, 6, 2).SplitByPosition(0.2);
        using var model = new TinyCharLstm(vocabulary: 5);
        var history = model.Fit(train, new FitOptions
        {
            Epochs = 2,
            BatchSize = 16,
            StepsPerEpoch = 5,
            ProgressFactory = new SpectreProgress(Console(output, terminal: false)).BeginEpoch,
        }, validation);

        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(12, lines.Length); // per epoch: one line per step (5 / 10 rounds up to every step) and the summary
        Assert.StartsWith("Epoch 1/2 1/5 [", lines[0]);
        Assert.StartsWith("Epoch 2/2 5/5 [", lines[10]);
        Assert.Matches(@"^Epoch 2/2 loss \d\.\d{4} - val_loss \d\.\d{4} - \d+\.\ds$", lines[11]);
        Assert.Contains(history.Last!.ValidationLoss!.Value.ToString("F4", System.Globalization.CultureInfo.InvariantCulture), lines[11]);
    }
}
