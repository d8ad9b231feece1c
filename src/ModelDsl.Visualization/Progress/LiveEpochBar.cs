using System.Globalization;
using ModelDsl.Training;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ModelDsl.Visualization;

// ModelDsl.Text (tokenizers) would otherwise win the lookup.
using Text = Spectre.Console.Text;

/// <summary>
/// One epoch's live bar. Spectre's <see cref="Progress"/> owns the console while its callback runs, and Fit pushes
/// steps rather than running inside a callback, so the display runs on a thread of its own that waits for the epoch to end.
/// </summary>
internal sealed class LiveEpochBar : IProgressSink
{
    private const int BarWidth = 30, MinimumBarWidth = 10;

    private readonly IAnsiConsole _console;
    private readonly EpochProgress _epoch;
    private readonly ProgressBarColumn _bar = new() { Width = BarWidth };
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly ManualResetEventSlim _ended = new();
    private readonly Thread _display;
    private readonly object _gate = new();
    private readonly ProgressTask _task;
    private int _step;
    private double _loss = double.NaN;
    private TimeSpan? _finishedAfter;
    private string? _summary;
    private bool _closed;
    private bool _joined;

    public LiveEpochBar(IAnsiConsole console, EpochProgress epoch, TimeProvider time)
    {
        _epoch = epoch;
        _time = time;
        _started = time.GetTimestamp();
        var progress = new Progress(console, time)
        {
            AutoClear = false,
            HideCompleted = false,
            RefreshRate = TimeSpan.FromMilliseconds(100),
        };
        _console = console;
        progress.Columns(
            new TaskDescriptionColumn { Alignment = Justify.Left },
            _bar,
            new TextColumn(this, TextColumn.Kind.Steps),
            new TextColumn(this, TextColumn.Kind.Time),
            new TextColumn(this, TextColumn.Kind.Loss));

        var started = new TaskCompletionSource<ProgressTask>(TaskCreationOptions.RunContinuationsAsynchronously);
        _display = new Thread(() =>
        {
            try
            {
                progress.Start(context =>
                {
                    started.SetResult(context.AddTask(epoch.Label, autoStart: true, maxValue: epoch.Steps));
                    _ended.Wait();
                    context.Refresh();
                });
            }
            catch (Exception e) when (started.TrySetException(e))
            {
                // Failed before the bar was up: the constructor rethrows it.
            }
            catch (Exception)
            {
                // A drawing failure mid-epoch ends the display, never the training.
            }
        })
        {
            // A display must never keep the process alive.
            IsBackground = true,
            Name = "ModelDsl progress",
        };
        _display.Start();
        try
        {
            _task = started.Task.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException("The progress display failed to start.", e);
        }
    }

    public void Report(int step, double loss)
    {
        if (step < 1 || step > _epoch.Steps)
            throw new ArgumentOutOfRangeException(nameof(step), step, $"The step must be in [1, {_epoch.Steps}].");
        lock (_gate)
        {
            if (_closed) throw new InvalidOperationException("Report after Finish.");
            _step = step;
            _loss = loss;
        }
        _task.Value = step;
    }

    public void Finish(string summary)
    {
        lock (_gate)
        {
            if (_closed) return;
            _summary = summary ?? "";
            _finishedAfter = _time.GetElapsedTime(_started);
            _bar.Width = FinalBarWidth(_summary, _finishedAfter.Value);
        }
        Close();
    }

    public void Dispose() => Close();

    private void Close()
    {
        lock (_gate)
        {
            if (_joined) return;
            _closed = _joined = true;
        }
        _task.StopTask();
        _ended.Set();
        // The display's last frame is drawn when its thread leaves Progress.Start.
        _display.Join();
        _ended.Dispose();
    }

    /// <summary>
    /// The summary is longer than the running loss; a shorter bar keeps the last frame on one line of the terminal
    /// (Keras also ends each epoch with a single line).
    /// </summary>
    private int FinalBarWidth(string summary, TimeSpan elapsed)
    {
        int steps = 2 * _epoch.Steps.ToString(CultureInfo.InvariantCulture).Length + 1;
        // Columns are one space apart; the last cell of a line is left free so the terminal does not wrap early.
        int others = _epoch.Label.Length + steps + ProgressReporter.FormatDuration(elapsed).Length + summary.Length + 4 + 1;
        return Math.Clamp(_console.Profile.Width - others, MinimumBarWidth, BarWidth);
    }

    private (int Step, double Loss, TimeSpan Elapsed, bool Finished, string? Summary) Snapshot()
    {
        lock (_gate)
            return (_step, _loss, _finishedAfter ?? _time.GetElapsedTime(_started), _finishedAfter is not null, _summary);
    }

    /// <summary>The counter, the time and the loss, read from the bar's own state so they match what Fit reported.</summary>
    private sealed class TextColumn(LiveEpochBar bar, TextColumn.Kind kind) : ProgressColumn
    {
        public enum Kind { Steps, Time, Loss }

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var (step, loss, elapsed, finished, summary) = bar.Snapshot();
            int total = bar._epoch.Steps;
            switch (kind)
            {
                case Kind.Steps:
                    string totalText = total.ToString(CultureInfo.InvariantCulture);
                    return new Text($"{step.ToString(CultureInfo.InvariantCulture).PadLeft(totalText.Length)}/{totalText}");
                case Kind.Time:
                    if (finished || step >= total) return new Text(ProgressReporter.FormatDuration(elapsed), new Style(Color.Grey));
                    if (step == 0) return new Text("ETA -:--", new Style(Color.Grey));
                    var remaining = TimeSpan.FromTicks((long)(elapsed.Ticks / (double)step * (total - step)));
                    return new Text("ETA " + ProgressReporter.FormatDuration(remaining), new Style(Color.Grey));
                default:
                    if (summary is { Length: > 0 }) return new Text(summary);
                    return new Text(step == 0 ? "" : "loss " + loss.ToString("0.0000", CultureInfo.InvariantCulture));
            }
        }
    }
}
