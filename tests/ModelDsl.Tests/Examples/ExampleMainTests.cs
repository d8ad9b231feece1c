using ModelDsl.Checkpoints;
using ModelDsl.Data;
using ModelDsl.Examples;

namespace ModelDsl.Tests.Examples;

/// <summary>The examples' one error convention: <c>error: </c> and one line; exit 2 for the command line, 1 for files and data.</summary>
public sealed class ExampleMainTests
{
    private static (int Exit, string Output, string Errors) Run(string[] args, Func<string, int> run)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        int exit = ExampleMain.Run(args, a =>
        {
            var r = new OptionReader(a);
            string? value = null;
            bool help = false;
            while (r.Next())
            {
                switch (r.Name)
                {
                    case "--count": value = r.Positive().ToString(System.Globalization.CultureInfo.InvariantCulture); break;
                    case "--help": help = true; break;
                    default: throw r.Unknown();
                }
            }
            return (Value: value ?? "", Help: help);
        }, o => o.Help, "usage text", o => run(o.Value), output, errors);
        return (exit, output.ToString(), errors.ToString());
    }

    [Theory]
    [InlineData("--nope", "error: Unknown option '--nope'. Try --help.")]
    [InlineData("--count", "error: --count needs a value.")]
    [InlineData("--count=-5", "error: --count needs a positive whole number, not '-5'.")]
    [InlineData("--count=0", "error: --count needs a positive whole number, not '0'.")]
    [InlineData("--count=x", "error: --count needs a positive whole number, not 'x'.")]
    [InlineData("--count=2147483648", "error: --count is at most 2,147,483,647, not '2147483648'.")]
    [InlineData("--count=99999999999999999999999", "error: --count is at most 2,147,483,647, not '99999999999999999999999'.")]
    public void An_option_mistake_is_one_error_line_and_exit_2(string arg, string expected)
    {
        var args = arg.Split('=');
        var (exit, output, errors) = Run(args, _ => throw new InvalidOperationException("must not run"));
        Assert.Equal(ExampleMain.OptionError, exit);
        Assert.Equal(expected + Environment.NewLine, errors);
        Assert.Empty(output);
    }

    [Fact]
    public void The_largest_count_is_accepted_and_help_exits_0()
    {
        Assert.Equal(0, Run(["--count", "2147483647"], v => v == "2147483647" ? 0 : 9).Exit);
        var help = Run(["--help"], _ => 9);
        Assert.Equal(0, help.Exit);
        Assert.Contains("usage text", help.Output);
    }

    public static TheoryData<Exception> DataErrors => new()
    {
        new IOException("disk full"),
        new FileNotFoundException("Could not find file '/x'."),
        new DirectoryNotFoundException("no folder"),
        new UnauthorizedAccessException("Access to the path '/x' is denied."),
        new CorpusUnavailableException("Could not download it. Or set MODELDSL_DATA_DIR."),
        new InvalidDataException("bad UTF-8 at byte 3"),
        new CheckpointFormatException("Malformed safetensors file 'm': truncated"),
        new CheckpointMismatchException("tensor 'w' has shape [2], expected [3]"),
        new NonFiniteLossException(3, double.NaN, inGradients: false, site: null), // its message is several lines
    };

    [Theory]
    [MemberData(nameof(DataErrors))]
    public void A_file_system_or_data_error_is_one_error_line_and_exit_1(Exception error)
    {
        var (exit, _, errors) = Run([], _ => throw error);
        Assert.Equal(ExampleMain.DataError, exit);
        Assert.StartsWith("error: ", errors);
        Assert.Single(errors.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_bug_is_not_hidden_behind_one_line()
    {
        Assert.Throws<InvalidOperationException>(() => Run([], _ => throw new InvalidOperationException("a bug")));
    }
}
