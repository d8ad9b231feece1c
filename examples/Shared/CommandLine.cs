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
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v <= 0)
            throw new OptionException($"{name} needs a positive whole number, not '{text}'.");
        return v;
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

/// <summary>The examples' entry: parse (exit 2 on a mistake), --help (exit 0), run (exit 1 with one line on a data or I/O error).</summary>
internal static class ExampleMain
{
    public static int Run<TOptions>(string[] args, Func<string[], TOptions> parse, Func<TOptions, bool> wantsHelp, string usage, Func<TOptions, int> run)
    {
        TOptions options;
        try
        {
            options = parse(args);
        }
        catch (OptionException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        if (wantsHelp(options))
        {
            Console.WriteLine(usage);
            return 0;
        }
        try
        {
            return run(options);
        }
        catch (Exception e) when (e is CorpusUnavailableException or InvalidDataException or FileNotFoundException or IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 1;
        }
    }
}
