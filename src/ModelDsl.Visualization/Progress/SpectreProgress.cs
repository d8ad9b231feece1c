using ModelDsl.Training;
using Spectre.Console;

namespace ModelDsl.Visualization;

/// <summary>
/// Keras-style training progress on a Spectre.Console console, for <see cref="FitOptions.ProgressFactory"/>:
/// <c>Epoch 1/20 ━━━━━━━━╸━━━━━━━━━━━ 450/1404 ETA 0:42 loss 1.8234</c>, redrawn live on a terminal. When output is
/// redirected (logs, CI, a pipe) it prints <see cref="ProgressReporter"/>'s plain lines instead, about ten per epoch.
/// </summary>
/// <example><code>
/// model.Fit(train, new FitOptions { Epochs = 20, ProgressFactory = new SpectreProgress().BeginEpoch }, validation);
/// </code></example>
public sealed class SpectreProgress
{
    private readonly IAnsiConsole _console;
    private readonly TimeProvider _time;

    /// <param name="console">Where to draw; <see cref="AnsiConsole.Console"/> by default.</param>
    /// <param name="interactive">
    /// Draw a live bar (true) or plain lines (false). By default live only when the console is interactive, understands
    /// ANSI cursor movement and writes to a terminal rather than a redirected stream.
    /// </param>
    /// <param name="timeProvider">Clock for the ETA; the system clock by default.</param>
    public SpectreProgress(IAnsiConsole? console = null, bool? interactive = null, TimeProvider? timeProvider = null)
    {
        _console = console ?? AnsiConsole.Console;
        _time = timeProvider ?? TimeProvider.System;
        Interactive = interactive ?? IsLiveCapable(_console);
    }

    /// <summary>Whether epochs get a live bar rather than plain lines.</summary>
    public bool Interactive { get; }

    /// <summary>The display for one epoch; pass this method as <see cref="FitOptions.ProgressFactory"/>.</summary>
    public IProgressSink BeginEpoch(EpochProgress epoch)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        return Interactive
            ? new LiveEpochBar(_console, epoch, _time)
            // Straight to the underlying writer: Spectre would wrap a long log line at the console's width.
            : new ProgressReporter(_console.Profile.Out.Writer, interactive: false, epoch.Steps, epoch.Label, _time);
    }

    private static bool IsLiveCapable(IAnsiConsole console)
    {
        var profile = console.Profile;
        // Spectre's own detection looks at the environment (CI variables, TERM); a redirected stdout still
        // counts as interactive there, so ask the output too.
        return profile.Capabilities.Interactive && profile.Capabilities.Ansi && profile.Out.IsTerminal;
    }
}
