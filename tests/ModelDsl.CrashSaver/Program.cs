using System.Globalization;
using ModelDsl.Checkpoints;

// Usage: ModelDsl.CrashSaver <path> <megabytes>
// Saves checkpoint after checkpoint to <path>, each a tensor of <megabytes> MB filled with its iteration number and that
// number in the metadata, printing "saved <i>" after each, until killed. The test kills it mid-save and checks that
// <path> is always absent or one whole checkpoint.
if (args.Length != 2 || !int.TryParse(args[1], CultureInfo.InvariantCulture, out int megabytes) || megabytes <= 0)
{
    Console.Error.WriteLine("Usage: ModelDsl.CrashSaver <path> <megabytes>");
    return 2;
}
string path = args[0];
var data = new float[megabytes * (1 << 20) / sizeof(float)];
for (int iteration = 0; ; iteration++)
{
    Array.Fill(data, iteration);
    var tensors = new[]
    {
        new TensorData("weights", [data.Length], data),
        new TensorData("iteration", [1], [iteration]),
    };
    SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["iteration"] = iteration.ToString(CultureInfo.InvariantCulture) });
    Console.Out.WriteLine($"saved {iteration}");
    Console.Out.Flush();
}
