using System.Globalization;
using ModelDsl;
using ModelDsl.Data;

namespace ModelDsl.Examples;

/// <summary>A command-line mistake: printed as one line, exit code 2.</summary>
internal sealed class OptionException(string message) : Exception(message);

/// <summary>
/// The examples' shared command-line conventions (linked into each example project, so each stays one folder to read):
/// options walked in order, every value parsed with a one-line message naming the option and the bad text.
/// </summary>
internal sealed class OptionReader(string[] args)
{
    private int _index = -1;

    /// <summary>The option being read.</summary>
    public string Name => args[_index];

    /// <summary>Where the reader is in the arguments: the option's index, or its value's once read (to pass options on).</summary>
    public int Position => _index;

    /// <summary>Moves to the next option; false at the end.</summary>
    public bool Next() => ++_index < args.Length;

    /// <summary>The value written after the current option.</summary>
    public string Value()
    {
        if (_index + 1 >= args.Length) throw new OptionException($"{Name} needs a value.");
        return args[++_index];
    }

    public int Positive()
    {
        string name = Name, text = Value();
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0) return v;
        // A count past int's range is not a typo of the same kind: say what the largest is.
        if (text.Length > 0 && text.TrimStart('+').All(char.IsAsciiDigit) && text.TrimStart('+', '0').Length > 0)
            throw new OptionException($"{name} is at most {int.MaxValue.ToString("N0", CultureInfo.InvariantCulture)}, not '{text}'.");
        throw new OptionException($"{name} needs a positive whole number, not '{text}'.");
    }

    public ulong Seed()
    {
        var text = Value();
        return ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new OptionException($"--seed needs a non-negative whole number, not '{text}'.");
    }

    public Backend Backend() => ParseBackend(Value());

    /// <summary>--backend's value: cpu, gpu (refused at once on a machine without a usable CUDA GPU), auto or reference.</summary>
    public static Backend ParseBackend(string text) => text.ToLowerInvariant() switch
    {
        "cpu" => ModelDsl.Backend.Cpu,
        // Checked here, before the corpus is read and the model built, rather than failing at the first training step.
        "gpu" or "cuda" => ModelDsl.Runtime.GpuAvailability.HasCudaDevice()
            ? ModelDsl.Backend.Gpu
            : throw new OptionException("--backend gpu: this machine has no CUDA GPU that ILGPU can use (no device, or no driver). Use --backend cpu, or auto to take a GPU only when there is one."),
        "auto" => ModelDsl.Backend.Auto,
        "reference" => ModelDsl.Backend.Reference,
        _ => throw new OptionException($"--backend is cpu, gpu, auto or reference, not '{text}'."),
    };

    public SamplingMode SamplingMode()
    {
        var text = Value();
        return text.ToLowerInvariant() switch
        {
            "window" => ModelDsl.SamplingMode.Window,
            "stateful" => ModelDsl.SamplingMode.Stateful,
            _ => throw new OptionException($"--sampling is window or stateful, not '{text}'."),
        };
    }

    public OptionException Unknown() => new($"Unknown option '{Name}'. Try --help.");
}

/// <summary>
/// The examples' entry and their one error convention: every error is one line on standard error starting with
/// <c>error: </c>; exit code 2 for a command-line mistake (unknown option, bad or out-of-range value), 1 for a file-system,
/// corpus, data or checkpoint error (a path that cannot be read or written included), 0 for success and <c>--help</c>.
/// </summary>
internal static class ExampleMain
{
    public const int Success = 0, DataError = 1, OptionError = 2;

    public static int Run<TOptions>(string[] args, Func<string[], TOptions> parse, Func<TOptions, bool> wantsHelp, string usage, Func<TOptions, int> run) =>
        Run(args, parse, wantsHelp, usage, run, Console.Out, Console.Error);

    public static int Run<TOptions>(string[] args, Func<string[], TOptions> parse, Func<TOptions, bool> wantsHelp, string usage, Func<TOptions, int> run,
        TextWriter output, TextWriter errors)
    {
        TOptions options;
        try
        {
            options = parse(args);
        }
        catch (OptionException e)
        {
            return Fail(errors, e.Message, OptionError);
        }
        if (wantsHelp(options))
        {
            output.WriteLine(usage);
            return Success;
        }
        try
        {
            return run(options);
        }
        catch (OptionException e)
        {
            return Fail(errors, e.Message, OptionError);
        }
        catch (Exception e) when (IsDataError(e))
        {
            return Fail(errors, e.Message, DataError);
        }
    }

    /// <summary>
    /// Errors the user can act on from the message alone; anything else is a bug and keeps its stack trace. Another rank's
    /// failure in data-parallel training is one line on every rank but the failing one, which keeps a bug's stack trace.
    /// </summary>
    public static bool IsDataError(Exception e) => e is IOException or UnauthorizedAccessException or CorpusUnavailableException
        or InvalidDataException or Checkpoints.CheckpointFormatException or CheckpointMismatchException or NonFiniteLossException
        or NotSupportedException or ArgumentException or Distributed.MpiUnavailableException
        || e is Distributed.DataParallelException { InnerException: var inner } && (inner is null || IsDataError(inner));

    /// <summary>Prints <c>error: message</c> (on one line) and returns <paramref name="exitCode"/>; examples use it for their own checks.</summary>
    public static int Fail(TextWriter errors, string message, int exitCode)
    {
        errors.WriteLine("error: " + message.ReplaceLineEndings(" "));
        return exitCode;
    }

    /// <summary><see cref="Fail(TextWriter, string, int)"/> on standard error, exit code 1.</summary>
    public static int Fail(string message) => Fail(Console.Error, message, DataError);
}
