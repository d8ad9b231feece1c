using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Xunit.Sdk;

// Runs the linked ModelDsl.Tests classes' [Fact]s and [Theory]s by reflection, one test case at a time, and ends with
// the plain closing line "N passed, N failed". Exit code 0 only when nothing failed and something ran.
// Arguments: class names to run (default: all of DefaultClasses); "--list" prints the cases without running them.

string[] defaultClasses =
[
    "CpuAgreementTests", "TransformerTests", "TopKTests", "GemmTests", "RowKernelsTests", "SimdMathTests",
    "AttentionKernelTests", "SequencePoolingTests", "WorkerPoolTests", "AdamTests", "RmsPropTests", "SgdTests",
];
bool listOnly = args.Contains("--list");
var wanted = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
if (wanted.Count == 0) wanted = defaultClasses.ToHashSet(StringComparer.Ordinal);

Console.WriteLine($"ISA: {RuntimeInformation.ProcessArchitecture}; accelerated: Vector512 {Vector512.IsHardwareAccelerated}, " +
    $"Vector256 {Vector256.IsHardwareAccelerated}, Vector128 {Vector128.IsHardwareAccelerated}");

var types = typeof(Program).Assembly.GetTypes()
    .Where(t => t.IsClass && !t.IsAbstract && wanted.Contains(t.Name))
    .OrderBy(t => t.FullName, StringComparer.Ordinal).ToList();
var missing = wanted.Except(types.Select(t => t.Name)).ToList();
if (missing.Count > 0)
{
    Console.Error.WriteLine("error: no test class named " + string.Join(", ", missing));
    return 2;
}

int passed = 0, failed = 0, skipped = 0;
var total = Stopwatch.StartNew();
foreach (var type in types)
{
    foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance).OrderBy(m => m.MetadataToken))
    {
        var fact = method.GetCustomAttribute<FactAttribute>();
        if (fact is null) continue;
        string name = type.Name + "." + method.Name;
        if (fact.Skip is not null)
        {
            skipped++;
            Console.WriteLine($"  skipped {name}: {fact.Skip}");
            continue;
        }
        IEnumerable<object?[]> cases = fact is TheoryAttribute
            ? method.GetCustomAttributes<DataAttribute>().SelectMany(d => d.GetData(method))
            : [[]];
        foreach (var data in cases)
        {
            string caseName = data.Length == 0 ? name : name + "(" + string.Join(", ", data.Select(Show)) + ")";
            if (listOnly)
            {
                Console.WriteLine(caseName);
                continue;
            }
            var watch = Stopwatch.StartNew();
            try
            {
                Run(type, method, data);
                passed++;
                Console.WriteLine($"  passed {caseName} [{watch.Elapsed.TotalSeconds:F1} s]");
            }
            catch (Exception e)
            {
                failed++;
                var cause = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
                Console.WriteLine($"  FAILED {caseName} [{watch.Elapsed.TotalSeconds:F1} s]: {cause.GetType().Name}: {cause.Message}");
                Console.WriteLine(cause.StackTrace);
            }
        }
    }
}
Console.WriteLine($"ISA checks took {total.Elapsed.TotalSeconds:F0} s" + (skipped > 0 ? $"; {skipped} skipped" : ""));
Console.WriteLine($"{passed} passed, {failed} failed");
return failed > 0 || (passed == 0 && !listOnly) ? 1 : 0;

static void Run(Type type, MethodInfo method, object?[] data)
{
    var instance = Activator.CreateInstance(type);
    try
    {
        var parameters = method.GetParameters();
        if (parameters.Length != data.Length)
            throw new InvalidOperationException($"{data.Length} values for {parameters.Length} parameters");
        var arguments = new object?[data.Length];
        for (int i = 0; i < data.Length; i++) arguments[i] = Convert(data[i], parameters[i].ParameterType);
        var result = method.Invoke(instance, arguments);
        if (result is Task task) task.GetAwaiter().GetResult();
    }
    finally
    {
        (instance as IDisposable)?.Dispose();
    }
}

// The conversions xunit makes for inline data: an int for an enum or a wider number.
static object? Convert(object? value, Type target)
{
    if (value is null || target.IsInstanceOfType(value)) return value;
    var underlying = Nullable.GetUnderlyingType(target) ?? target;
    if (underlying.IsEnum) return Enum.ToObject(underlying, value);
    return System.Convert.ChangeType(value, underlying, System.Globalization.CultureInfo.InvariantCulture);
}

static string Show(object? value) => value switch
{
    null => "null",
    string s => "\"" + s + "\"",
    Array a => "[" + a.Length + "]",
    _ => System.Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "?",
};

internal partial class Program;
