#nullable enable
namespace ModelDsl.Ir
{

/// <summary>A short text naming a program's buffers and sizes: generated code carries the generator's, the runtime checks it.</summary>
public static class ProgramFingerprint
{
    public static string Of(IrProgram program)
    {
        ulong hash = 14695981039346656037UL;
        void Mix(string s)
        {
            foreach (char ch in s) { hash ^= ch; hash *= 1099511628211UL; }
        }
        foreach (var b in program.Buffers) Mix(b.Name + ":" + b.Length + ";");
        Mix(program.ParameterCount.ToString());
        return program.Buffers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-" + hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }
}
}
