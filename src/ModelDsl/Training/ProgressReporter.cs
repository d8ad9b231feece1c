using System.Globalization;
using System.Text;

namespace ModelDsl.Training;

/// <summary>
/// Keras-style progress line for one epoch of <c>Fit</c>:
/// <c>Epoch 1/60 12/4695 [&gt;.............................] ETA 1:23 loss 2.1234</c>.
/// </summary>
/// <remarks>
/// On a terminal the line is redrawn in place with '\r', at most about 10 times a second, so a fast
/// loop does not spend its time printing. When output is redirected (logs, CI) it prints a plain
/// line every max(1, total/10) steps and at the last step instead, so a log holds about ten lines
/// per epoch rather than thousands of carriage returns. The loss shown is the value passed in:
/// Keras shows the running mean over the epoch so far, so pass that. <see cref="Report"/> allocates
/// only when it prints.
/// </remarks>
public sealed class ProgressReporter : IProgressSink
{
    private const int BarWidth = 30;
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);

    private readonly TextWriter _output;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly int _plainEvery;
    private long _lastDrawn;
    private int _lastStep;
    private double _lastLoss;
    private int _lastPrintedStep;
    private int _previousLineLength;
    private bool _finished;

    /// <summary>A reporter that redraws in place unless standard output is redirected.</summary>
    public ProgressReporter(TextWriter output, int totalSteps, string label)
        : this(output, !Console.IsOutputRedirected, totalSteps, label)
    {
    }

    /// <param name="output">Where to print (usually <see cref="Console.Out"/>).</param>
    /// <param name="interactive">Redraw one line with '\r' (a terminal) rather than print plain lines.</param>
    /// <param name="totalSteps">Steps (batches) in the epoch.</param>
    /// <param name="label">Printed before the counter, e.g. "Epoch 3/60"; may be empty.</param>
    /// <param name="timeProvider">Clock for the ETA and redraw rate; the system clock by default.</param>
    public ProgressReporter(TextWriter output, bool interactive, int totalSteps, string label, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        _output = output;
        Interactive = interactive;
        TotalSteps = totalSteps;
        Label = label ?? "";
        _time = timeProvider ?? TimeProvider.System;
        _started = _time.GetTimestamp();
        _plainEvery = Math.Max(1, totalSteps / 10);
    }

    /// <summary>Whether the line is redrawn in place.</summary>
    public bool Interactive { get; }

    /// <summary>Steps in the epoch.</summary>
    public int TotalSteps { get; }

    /// <summary>Text before the counter.</summary>
    public string Label { get; }

    /// <summary>Records that <paramref name="step"/> (1-based) of <see cref="TotalSteps"/> is done, printing when due.</summary>
    public void Report(int step, double loss)
    {
        if (_finished) throw new InvalidOperationException("Report after Finish.");
        if (step < 1 || step > TotalSteps)
            throw new ArgumentOutOfRangeException(nameof(step), step, $"The step must be in [1, {TotalSteps}].");
        _lastStep = step;
        _lastLoss = loss;
        long now = _time.GetTimestamp();

        if (Interactive)
        {
            bool due = _lastPrintedStep == 0 || step == TotalSteps || _time.GetElapsedTime(_lastDrawn, now) >= RedrawInterval;
            if (due) Redraw(now);
        }
        else if (step % _plainEvery == 0 || step == TotalSteps)
        {
            PrintPlain(now);
        }
    }

    /// <summary>Ends the epoch's output: shows the last reported step if it was not shown yet, then <paramref name="summary"/> (e.g. "val_loss 1.3021").</summary>
    public void Finish(string summary)
    {
        if (_finished) return;
        _finished = true;
        long now = _time.GetTimestamp();
        summary ??= "";
        if (Interactive)
        {
            // The final frame carries the summary, so padding that blanks a longer frame goes after it.
            if (_lastStep > 0)
            {
                Redraw(now, summary.Length > 0 ? " - " + summary : "");
                _output.WriteLine();
            }
            else if (summary.Length > 0)
            {
                _output.WriteLine(Prefix() + summary);
            }
        }
        else
        {
            if (_lastStep > 0 && _lastPrintedStep != _lastStep) PrintPlain(now);
            if (summary.Length > 0) _output.WriteLine(Prefix() + summary);
        }
        _output.Flush();
    }

    /// <summary>
    /// Closes an epoch that ended without <see cref="Finish"/> (an exception): on a terminal it ends the half-drawn line,
    /// so the error starts on a line of its own.
    /// </summary>
    public void Dispose()
    {
        if (_finished) return;
        _finished = true;
        if (Interactive && _lastPrintedStep > 0) _output.WriteLine();
        _output.Flush();
    }

    private void Redraw(long now, string suffix = "")
    {
        string line = FormatLine(_lastStep, _lastLoss, _time.GetElapsedTime(_started, now)) + suffix;
        // Blank out what is left of a longer previous line.
        int padding = Math.Max(0, _previousLineLength - line.Length);
        _output.Write('\r');
        _output.Write(line);
        if (padding > 0) _output.Write(new string(' ', padding));
        _output.Flush();
        _previousLineLength = line.Length;
        _lastDrawn = now;
        _lastPrintedStep = _lastStep;
    }

    private void PrintPlain(long now)
    {
        _output.WriteLine(FormatLine(_lastStep, _lastLoss, _time.GetElapsedTime(_started, now)));
        _lastPrintedStep = _lastStep;
    }

    private string Prefix() => Label.Length > 0 ? Label + " " : "";

    internal string FormatLine(int step, double loss, TimeSpan elapsed)
    {
        var line = new StringBuilder(96);
        line.Append(Prefix());
        string total = TotalSteps.ToString(CultureInfo.InvariantCulture);
        line.Append(step.ToString(CultureInfo.InvariantCulture).PadLeft(total.Length)).Append('/').Append(total).Append(" [");
        int filled = (int)((long)step * BarWidth / TotalSteps);
        if (step >= TotalSteps)
        {
            line.Append('=', BarWidth);
        }
        else
        {
            if (filled > 0) line.Append('=', filled - 1);
            line.Append('>').Append('.', BarWidth - Math.Max(filled, 1));
        }
        line.Append("] ");
        if (step >= TotalSteps)
        {
            line.Append(FormatDuration(elapsed));
        }
        else
        {
            var remaining = TimeSpan.FromTicks((long)(elapsed.Ticks / (double)step * (TotalSteps - step)));
            line.Append("ETA ").Append(FormatDuration(remaining));
        }
        line.Append(" loss ").Append(loss.ToString("0.0000", CultureInfo.InvariantCulture));
        return line.ToString();
    }

    /// <summary>m:ss, or h:mm:ss from an hour on.</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        long seconds = (long)Math.Round(Math.Max(0, duration.TotalSeconds));
        long hours = seconds / 3600, minutes = seconds / 60 % 60, rest = seconds % 60;
        return hours > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{hours}:{minutes:00}:{rest:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{minutes}:{rest:00}");
    }
}
