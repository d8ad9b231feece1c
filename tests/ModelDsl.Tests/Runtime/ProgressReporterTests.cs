using ModelDsl.Training;
using Xunit;

namespace ModelDsl.Tests.Runtime;

public sealed class ProgressReporterTests
{
    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }

    [Fact]
    public void RedirectedOutputPrintsAboutTenLinesAndTheLast()
    {
        var output = new StringWriter();
        var clock = new ManualClock();
        var reporter = new ProgressReporter(output, interactive: false, totalSteps: 95, "Epoch 1/60", clock);
        for (int step = 1; step <= 95; step++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            reporter.Report(step, 2.0 - step * 0.01);
        }
        reporter.Finish("val_loss 1.3021");

        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        // Every 9 steps (95 / 10) gives 10 lines, plus the last step and the summary.
        Assert.Equal(12, lines.Length);
        Assert.DoesNotContain('\r', output.ToString().Replace(Environment.NewLine, ""));
        Assert.Equal("Epoch 1/60  9/95 [=>............................] ETA 0:09 loss 1.9100", lines[0]);
        Assert.Equal("Epoch 1/60 95/95 [==============================] 0:10 loss 1.0500", lines[10]);
        Assert.Equal("Epoch 1/60 val_loss 1.3021", lines[11]);
    }

    [Fact]
    public void TerminalOutputRedrawsOneLineAtMostTenTimesASecond()
    {
        var output = new StringWriter();
        var clock = new ManualClock();
        var reporter = new ProgressReporter(output, interactive: true, totalSteps: 1000, "", clock);
        for (int step = 1; step <= 1000; step++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            reporter.Report(step, 1.23456);
        }
        string beforeFinish = output.ToString();
        reporter.Finish("12ms/step");

        int redraws = beforeFinish.Count(c => c == '\r');
        Assert.InRange(redraws, 10, 12); // first step, every 100 ms of one second, the last step
        Assert.DoesNotContain('\n', beforeFinish);
        Assert.EndsWith("1000/1000 [==============================] 0:01 loss 1.2346 - 12ms/step" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void ShorterRedrawBlanksTheRestOfTheLongerLine()
    {
        var output = new StringWriter();
        var clock = new ManualClock();
        var reporter = new ProgressReporter(output, interactive: true, totalSteps: 10, "", clock);
        reporter.Report(1, 12345.5);
        clock.Advance(TimeSpan.FromSeconds(1));
        reporter.Report(2, 1.5);
        string[] frames = output.ToString().Split('\r', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(frames[0].Length, frames[1].Length);
        Assert.EndsWith("loss 1.5000    ", frames[1]);
    }

    [Fact]
    public void FinishShowsAnUnprintedLastStep()
    {
        var output = new StringWriter();
        var reporter = new ProgressReporter(output, interactive: false, totalSteps: 100, "", new ManualClock());
        reporter.Report(3, 0.5);
        Assert.Equal("", output.ToString());
        reporter.Finish("");
        Assert.StartsWith("  3/100 [>", output.ToString());
        Assert.Throws<InvalidOperationException>(() => reporter.Report(4, 0.5));
    }

    [Fact]
    public void DurationsAndArgumentsAreChecked()
    {
        Assert.Equal("0:09", ProgressReporter.FormatDuration(TimeSpan.FromSeconds(9)));
        Assert.Equal("12:00", ProgressReporter.FormatDuration(TimeSpan.FromMinutes(12)));
        Assert.Equal("1:02:05", ProgressReporter.FormatDuration(TimeSpan.FromSeconds(3725)));
        var reporter = new ProgressReporter(new StringWriter(), false, 5, "");
        Assert.Throws<ArgumentOutOfRangeException>(() => reporter.Report(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => reporter.Report(6, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProgressReporter(new StringWriter(), false, 0, ""));
    }

    [Fact]
    public void ReportsBetweenRedrawsAllocateNothing()
    {
        var clock = new ManualClock();
        var reporter = new ProgressReporter(new StringWriter(), interactive: true, totalSteps: 1000, "", clock);
        reporter.Report(1, 1.0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int step = 2; step < 100; step++) reporter.Report(step, 1.0);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void DisposeWithoutFinishEndsTheHalfDrawnLine()
    {
        var output = new StringWriter();
        var reporter = new ProgressReporter(output, interactive: true, totalSteps: 10, "Epoch 1/1", new ManualClock());
        reporter.Report(4, 2.5);
        reporter.Dispose();
        Assert.EndsWith("loss 2.5000" + Environment.NewLine, output.ToString());
        reporter.Dispose();
        reporter.Finish("too late");
        Assert.EndsWith("loss 2.5000" + Environment.NewLine, output.ToString());

        var finished = new StringWriter();
        var plain = new ProgressReporter(finished, interactive: true, totalSteps: 10, "", new ManualClock());
        plain.Report(10, 1.0);
        plain.Finish("done");
        string afterFinish = finished.ToString();
        plain.Dispose();
        Assert.Equal(afterFinish, finished.ToString());
    }
}
