extern alias ModelDslGenerators;

using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using ModelDslGenerators::ModelDsl.Generators.Emit;
using ModelDslGenerators::ModelDsl.Generators.Helpers;
using ModelDslGenerators::ModelDsl.Ir;

namespace ModelDsl.Tests.Generator;

/// <summary>
/// The renderers' global pooling calls, before any model lowers to them: a hand-built program rendered for the CPU and the GPU
/// must compile against the runtime, and the CPU program's forward and backward bodies, compiled and run, must compute the
/// float64 definition (SequencePooling's references, themselves checked in Cpu/SequencePoolingTests).
/// </summary>
public sealed class GlobalPoolRenderingTests
{
    private const int Steps = 5, Width = 37, Row = Width + 2, Batch = 3, Vocabulary = 10;

    private static IrProgram Program(PoolKind kind, bool masked, bool accumulate)
    {
        // x time-major [T, B, W + 2] read backwards (step 0 is the last slab); the gradient batch-major [B, T, W] after 4 floats.
        var parameters = new IrBuffer("parameters", 1, BufferKind.Parameters, "[1]");
        var gradients = new IrBuffer("gradients", 1, BufferKind.Gradients, "[1]");
        var tokens = new IrBuffer("tokens", Size.B * Steps, BufferKind.TokenIds, "[B, T]", ElementType.Int32);
        var targets = new IrBuffer("targets", Size.B, BufferKind.Targets, "[B]", ElementType.Int32);
        var x = new IrBuffer("x", Size.B * (Steps * Row), BufferKind.Activation, "[T, B, W+2]");
        var pooled = new IrBuffer("pooled", Size.B * (Width + 1), BufferKind.Activation, "[B, W+1]");
        var chosen = new IrBuffer("chosen", Size.B * Width, BufferKind.Activation, "[B, W]");
        var dPooled = new IrBuffer("d_pooled", Size.B * Width, BufferKind.ActivationGradient, "[B, W]");
        var dx = new IrBuffer("d_x", Size.B * (Steps * Width) + 4, BufferKind.ActivationGradient, "[4 + B, T, W]");
        var forward = new GlobalPoolOp(new View(x, Size.B * ((Steps - 1) * Row), Size.B, Width, Row), new Size(0, -Row), Steps,
            new View(pooled, 0, Size.B, Width, Width + 1), kind, masked ? new IdView(tokens, 0, Size.B, Steps) : null, 1,
            kind == PoolKind.Max ? new View(chosen, 0, Size.B, Width, Width) : null) { Comment = "pool: over the steps" };
        var backward = new GlobalPoolBackwardOp(forward, new View(dPooled, 0, Size.B, Width, Width), new View(dx, 4, Size.B, Width, Steps * Width), Width, accumulate)
        {
            Comment = "pool: backward",
        };
        return new IrProgram(ProgramKind.Train, Steps, [parameters, gradients, tokens, targets, x, pooled, chosen, dPooled, dx], [], 1,
            [forward], [backward], tokens, targets, new View(pooled, 0, Size.B, Width, Width + 1), outputIsProbability: false);
    }

    [Theory]
    [InlineData(PoolKind.Max, true, false)]
    [InlineData(PoolKind.Max, false, true)]
    [InlineData(PoolKind.Average, true, true)]
    [InlineData(PoolKind.Average, false, false)]
    public unsafe void The_rendered_cpu_calls_compute_the_definition_and_the_gpu_calls_compile(PoolKind kind, bool masked, bool accumulate)
    {
        var program = Program(kind, masked, accumulate);
        var cpu = new IndentedTextWriter();
        cpu.Indent();
        CpuRenderer.Render(cpu, program, "PoolCpu");
        var gpu = new IndentedTextWriter();
        gpu.Indent();
        GpuRenderer.Render(gpu, program, "PoolGpu");
        // Calls longer than a line wrap their arguments: compare without the line breaks.
        static string Joined(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\(\s*\n\s*", "(");
        string cpuText = cpu.ToString();
        Assert.Contains("global::ModelDsl.Cpu.SequencePooling.Forward(global::ModelDsl.Ir.PoolKind." + kind, Joined(cpuText));
        Assert.Contains("GlobalPoolBackward(global::ModelDsl.Ir.PoolKind." + kind, Joined(gpu.ToString()));

        // Both programs as rendered, and the CPU program's two bodies in a class that hands out the test's buffers.
        var source = $$"""
            namespace RenderedPooling
            {
                public partial class Holder
                {
            {{cpu}}
            {{gpu}}
                }

                public static unsafe class Runner
                {
                    private static System.IntPtr[] _buffers = null!;
                    private static float* F(int index) => (float*)_buffers[index];
                    private static int* I(int index) => (int*)_buffers[index];

                    public static double Forward(int B, int V, System.IntPtr[] buffers)
                    {
                        _buffers = buffers;
            {{Body(cpuText, "protected override double RunForward(int B)")}}
                    }

                    public static void Backward(int B, int V, System.IntPtr[] buffers)
                    {
                        _buffers = buffers;
            {{Body(cpuText, "protected override void RunBackward(int B)")}}
                    }
                }
            }
            """;
        var compilation = GeneratorHarness.CreateCompilation(source);
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        var errors = emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors) + Environment.NewLine + source);
        var runner = Assembly.Load(image.ToArray()).GetType("RenderedPooling.Runner")!;

        // Buffers in the program's order, pinned like the runtime's.
        var floats = program.Buffers.Select(b => b.ElementType == ElementType.Int32 ? null : GC.AllocateArray<float>((int)b.Length.Evaluate(Batch, Vocabulary), pinned: true)).ToArray();
        var ints = program.Buffers.Select(b => b.ElementType == ElementType.Int32 ? GC.AllocateArray<int>((int)b.Length.Evaluate(Batch, Vocabulary), pinned: true) : null).ToArray();
        var pointers = new IntPtr[floats.Length];
        for (int i = 0; i < floats.Length; i++)
            pointers[i] = floats[i] is { } f ? Marshal.UnsafeAddrOfPinnedArrayElement(f, 0) : Marshal.UnsafeAddrOfPinnedArrayElement(ints[i]!, 0);
        float[] x = floats[4]!, pooled = floats[5]!, chosen = floats[6]!, dPooled = floats[7]!, dx = floats[8]!;
        int[] tokens = ints[2]!;
        var random = new Random(11);
        foreach (var f in new[] { x, dPooled, dx })
            for (int i = 0; i < f.Length; i++) f[i] = random.NextSingle() * 2 - 1;
        for (int b = 0; b < Batch; b++)
            for (int t = 0; t < Steps; t++) tokens[b * Steps + t] = b == 1 || (b == 0 && t % 2 == 0) ? 0 : 1 + random.Next(Vocabulary - 1);
        var dxBefore = dx.Select(v => (double)v).ToArray();

        runner.GetMethod("Forward")!.Invoke(null, [Batch, Vocabulary, pointers]);
        runner.GetMethod("Backward")!.Invoke(null, [Batch, Vocabulary, pointers]);

        var runtimeKind = kind == PoolKind.Max ? global::ModelDsl.Ir.PoolKind.Max : global::ModelDsl.Ir.PoolKind.Average;
        var xd = x.Select(v => (double)v).ToArray();
        var expected = new double[Batch * (Width + 1)];
        var expectedChosen = new double[Batch * Width];
        var dOut = dPooled.Select(v => (double)v).ToArray();
        fixed (double* xp = xd, op = expected, ap = expectedChosen, dp = dOut, dxp = dxBefore)
        fixed (int* ids = tokens)
        {
            global::ModelDsl.Cpu.SequencePooling.ForwardReference(runtimeKind, xp + (Steps - 1) * Batch * Row, Row, -Batch * Row, masked ? ids : null, Steps, 1,
                op, Width + 1, kind == PoolKind.Max ? ap : null, Width, Batch, Steps, Width);
            global::ModelDsl.Cpu.SequencePooling.BackwardReference(runtimeKind, ap, Width, masked ? ids : null, Steps, 1, dp, Width,
                dxp + 4, Steps * Width, Width, Batch, Steps, Width, accumulate);
        }
        for (int b = 0; b < Batch; b++)
            for (int c = 0; c < Width; c++)
                Assert.True(Math.Abs(pooled[b * (Width + 1) + c] - expected[b * (Width + 1) + c]) <= 1e-6, $"pooled[{b}, {c}]");
        if (kind == PoolKind.Max) Assert.Equal(expectedChosen, chosen.Select(v => (double)v));
        for (int i = 0; i < dx.Length; i++) Assert.True(Math.Abs(dx[i] - dxBefore[i]) <= 1e-6, $"d_x[{i}]: {dx[i]} vs {dxBefore[i]}");
        GC.KeepAlive(floats);
        GC.KeepAlive(ints);
    }

    /// <summary>The statements of the method whose header is <paramref name="header"/> (between its braces).</summary>
    private static string Body(string text, string header)
    {
        int start = text.IndexOf(header, StringComparison.Ordinal);
        Assert.True(start >= 0, header + " not rendered");
        int open = text.IndexOf('{', start), depth = 0;
        for (int i = open; i < text.Length; i++)
        {
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0) return text.Substring(open + 1, i - open - 1);
        }
        throw new InvalidOperationException("unbalanced braces after " + header);
    }
}
