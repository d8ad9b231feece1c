using ModelDsl.Cpu;
using ModelDsl.Ir;
using ModelDsl.Reference;

namespace ModelDsl.Tests.Cpu;

/// <summary>
/// The global pooling kernels (SequencePooling) against their float64 definition, which is checked against literal values,
/// against central finite differences and against the interpreter's ops. Widths 1, 3, 16, 24 and 37 take every vector loop
/// the machine has and the scalar tail; run under each instruction set (see docs) to cover them all.
/// </summary>
public sealed unsafe class SequencePoolingTests
{
    private const int Batch = 3;

    /// <summary>Where the steps of a sequence lie: time-major [T, B, W+pad], the same read backwards, or batch-major [B, T, W+pad].</summary>
    public enum Layout { TimeMajor, Reversed, BatchMajor }

    /// <summary>Element (t, b, c) at Base + t·StepStride + b·RowStride + c of a buffer of Length floats.</summary>
    private readonly record struct Placement(int Base, int RowStride, int StepStride, int Length)
    {
        public static Placement Of(Layout layout, int steps, int width, int pad)
        {
            int row = width + pad, length = Math.Max(1, steps) * Batch * row;
            return layout switch
            {
                Layout.TimeMajor => new(0, row, Batch * row, length),
                Layout.Reversed => new(Math.Max(0, steps - 1) * Batch * row, row, -Batch * row, length),
                _ => new(0, steps * row, row, length),
            };
        }

        public int At(int t, int b, int c) => Base + t * StepStride + b * RowStride + c;
    }

    /// <summary>
    /// One pooling problem: x in <paramref name="layout"/>, token ids at offset 2 of an int buffer (row 0 with steps 0, 3, 6
    /// padded, row 1 all padding, row 2 none), an output and an argmax row with their own strides.
    /// </summary>
    private sealed class Problem
    {
        public readonly int Steps, Width;
        public readonly Placement X;
        public readonly PinnedBuffer<float> Input;
        public readonly PinnedBuffer<int> Ids;
        public readonly bool Masked;
        public readonly int MaskStride, MaskStepStride;
        public readonly int OutputStride, ArgMaxStride;

        public Problem(int steps, int width, Layout layout, bool masked, bool specials, int seed)
        {
            Steps = steps;
            Width = width;
            Masked = masked;
            X = Placement.Of(layout, steps, width, pad: 3);
            Input = PinnedBuffer<float>.Random(X.Length, seed);
            // Batch-major x with time-major ids, and the other way round: the mask has its own strides.
            (MaskStride, MaskStepStride) = layout == Layout.BatchMajor ? (1, Batch) : (steps, 1);
            Ids = new PinnedBuffer<int>(2 + Batch * Math.Max(1, steps));
            for (int b = 0; b < Batch; b++)
                for (int t = 0; t < steps; t++)
                    Ids.Array[2 + b * MaskStride + t * MaskStepStride] = b == 1 || (b == 0 && t % 3 == 0) ? 0 : 1 + t + b;
            OutputStride = width + 1;
            ArgMaxStride = width + 2;
            for (int b = 0; b < Batch; b++)
                for (int t = 0; t < steps; t++)
                    if (!Counts(t, b))
                        for (int c = 0; c < width; c++)
                            Input.Array[X.At(t, b, c)] = specials && c % 3 == 0 ? float.NaN : 50f; // padding never wins or poisons
            if (!specials) return;
            for (int c = 0; c < width; c++)
            {
                if (c % 4 == 1 && steps > 3) Input.Array[X.At(1, 2, c)] = Input.Array[X.At(3, 2, c)] = 2f; // a tie: step 1 is chosen
                if (c == width / 2 && steps > 3) Input.Array[X.At(3, 2, c)] = float.NaN;
                if (c == width - 1 && steps > 4) Input.Array[X.At(2, 2, c)] = Input.Array[X.At(4, 2, c)] = float.NaN; // the first NaN is chosen
                if (c == 2)
                    for (int t = 0; t < steps; t++) Input.Array[X.At(t, 0, c)] = float.NegativeInfinity;
            }
        }

        public int* Mask => Masked ? Ids.Pointer + 2 : null;

        public bool Counts(int t, int b) => !Masked || Ids.Array[2 + b * MaskStride + t * MaskStepStride] != 0;

        public int OutputLength => Batch * OutputStride;
        public int ArgMaxLength => Batch * ArgMaxStride;

        public void Forward(PoolKind kind, PinnedBuffer<float> output, PinnedBuffer<float>? argMax) =>
            SequencePooling.Forward(kind, Input.Pointer + X.Base, X.RowStride, X.StepStride, Mask, MaskStride, MaskStepStride,
                output.Pointer, OutputStride, argMax is null ? null : argMax.Pointer, ArgMaxStride, Batch, Steps, Width);

        public void ForwardReference(PoolKind kind, double[] x, PinnedBuffer<double> output, PinnedBuffer<double>? argMax)
        {
            fixed (double* xp = x)
                SequencePooling.ForwardReference(kind, xp + X.Base, X.RowStride, X.StepStride, Mask, MaskStride, MaskStepStride,
                    output.Pointer, OutputStride, argMax is null ? null : argMax.Pointer, ArgMaxStride, Batch, Steps, Width);
        }

        public double[] InputAsDouble() => Array.ConvertAll(Input.Array, v => (double)v);
    }

    public static TheoryData<PoolKind, int, Layout, bool> Shapes()
    {
        var data = new TheoryData<PoolKind, int, Layout, bool>();
        foreach (var kind in new[] { PoolKind.Max, PoolKind.Average })
            foreach (int width in new[] { 1, 3, 16, 24, 37 })
                foreach (var layout in new[] { Layout.TimeMajor, Layout.Reversed, Layout.BatchMajor })
                    foreach (bool masked in new[] { true, false })
                        data.Add(kind, width, layout, masked);
        return data;
    }

    public static TheoryData<PoolKind, int, Layout, bool, bool> ShapesAndAccumulation()
    {
        var data = new TheoryData<PoolKind, int, Layout, bool, bool>();
        foreach (var row in Shapes())
            foreach (bool accumulate in new[] { false, true })
                data.Add((PoolKind)row[0], (int)row[1], (Layout)row[2], (bool)row[3], accumulate);
        return data;
    }

    [Fact]
    public void The_definition_gives_the_keras_values_of_a_small_masked_batch()
    {
        // x[t, b, c] time-major, T = 3, B = 2, W = 2; row 0 has step 1 padded, row 1 every step.
        double[] x =
        [
            1, 5,   -2, 0,
            9, 9,    4, 4,
            3, 5,    7, 1,
        ];
        var ids = new PinnedBuffer<int>(6);
        int[] tokens = [4, 0, 2, 0, 0, 0]; // [B, T]
        tokens.CopyTo(ids.Array, 0);
        var max = new PinnedBuffer<double>(4);
        var argMax = new PinnedBuffer<double>(4);
        var mean = new PinnedBuffer<double>(4);
        fixed (double* xp = x)
        {
            SequencePooling.ForwardReference(PoolKind.Max, xp, 2, 4, ids.Pointer, 3, 1, max.Pointer, 2, argMax.Pointer, 2, 2, 3, 2);
            SequencePooling.ForwardReference(PoolKind.Average, xp, 2, 4, ids.Pointer, 3, 1, mean.Pointer, 2, null, 0, 2, 3, 2);
        }
        Assert.Equal([3.0, 5.0, 0.0, 0.0], max.Array);
        Assert.Equal([2.0, 0.0, -1.0, -1.0], argMax.Array); // column 1 ties at 5 on steps 0 and 2: the first
        Assert.Equal([2.0, 5.0, 0.0, 0.0], mean.Array);

        var dOut = new PinnedBuffer<double>(4);
        double[] gradient = [6, -3, 1, 1];
        gradient.CopyTo(dOut.Array, 0);
        var dx = new PinnedBuffer<double>(12);
        SequencePooling.BackwardReference(PoolKind.Average, null, 0, ids.Pointer, 3, 1, dOut.Pointer, 2, dx.Pointer, 2, 4, 2, 3, 2, accumulate: false);
        Assert.Equal([3.0, -1.5, 0, 0, 0, 0, 0, 0, 3.0, -1.5, 0, 0], dx.Array);
        SequencePooling.BackwardReference(PoolKind.Max, argMax.Pointer, 2, ids.Pointer, 3, 1, dOut.Pointer, 2, dx.Pointer, 2, 4, 2, 3, 2, accumulate: true);
        Assert.Equal([3.0, -4.5, 0, 0, 0, 0, 0, 0, 9.0, -1.5, 0, 0], dx.Array);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_matches_the_float64_definition(PoolKind kind, int width, Layout layout, bool masked)
    {
        const int steps = 7;
        var p = new Problem(steps, width, layout, masked, specials: true, seed: width * 10 + (int)layout);
        var output = Filled(p.OutputLength, 7f);
        var argMax = kind == PoolKind.Max ? Filled(p.ArgMaxLength, 9f) : null;
        p.Forward(kind, output, argMax);

        var expected = new PinnedBuffer<double>(p.OutputLength);
        var expectedArg = new PinnedBuffer<double>(p.ArgMaxLength);
        p.ForwardReference(kind, p.InputAsDouble(), expected, kind == PoolKind.Max ? expectedArg : null);
        for (int b = 0; b < Batch; b++)
        {
            for (int c = 0; c < p.OutputStride; c++)
            {
                float actual = output.Array[b * p.OutputStride + c];
                if (c >= width) { Assert.Equal(7f, actual); continue; } // the padding of the output row is left alone
                double reference = expected.Array[b * p.OutputStride + c];
                // A max is one of the inputs: exact. A mean of at most 7 floats in [-1, 1] (or 2) rounds in the 7th digit.
                AssertClose(reference, actual, kind == PoolKind.Max ? 0 : 1e-6, $"out[{b}, {c}]");
            }
            if (argMax is null) continue;
            for (int c = 0; c < p.ArgMaxStride; c++)
                Assert.Equal(c >= width ? 9f : (float)expectedArg.Array[b * p.ArgMaxStride + c], argMax.Array[b * p.ArgMaxStride + c]);
        }
        if (masked)
        {
            // Row 1 is all padding: 0, and no chosen step. Row 0's step 0 is padding: never chosen.
            for (int c = 0; c < width; c++)
            {
                Assert.Equal(0f, output.Array[p.OutputStride + c]);
                if (argMax is null) continue;
                Assert.Equal(-1f, argMax.Array[p.ArgMaxStride + c]);
                Assert.NotEqual(0f, argMax.Array[c]);
            }
        }
        if (kind == PoolKind.Max && steps > 4)
        {
            for (int c = 0; c < width; c++)
            {
                float chosen = argMax!.Array[2 * p.ArgMaxStride + c];
                if (c == width - 1) Assert.Equal(2f, chosen);                 // the first NaN
                else if (c == width / 2) Assert.Equal(3f, chosen);            // a NaN beats every number
                else if (c % 4 == 1) Assert.Equal(1f, chosen);                // the first of two equal maxima
            }
            Assert.True(float.IsNaN(output.Array[2 * p.OutputStride + width - 1]));
        }

        // Inference passes no argmax: the same values.
        if (kind == PoolKind.Max)
        {
            var plain = Filled(p.OutputLength, 7f);
            p.Forward(kind, plain, null);
            for (int i = 0; i < plain.Array.Length; i++) Assert.Equal(output.Array[i], plain.Array[i]);
        }
        GC.KeepAlive(p.Ids);
    }

    [Theory]
    [InlineData(PoolKind.Max)]
    [InlineData(PoolKind.Average)]
    public void No_steps_pool_to_zero_with_no_chosen_step_and_no_gradient(PoolKind kind)
    {
        var p = new Problem(0, 5, Layout.TimeMajor, masked: false, specials: false, seed: 1);
        var output = Filled(p.OutputLength, 7f);
        var argMax = Filled(p.ArgMaxLength, 9f);
        p.Forward(kind, output, kind == PoolKind.Max ? argMax : null);
        for (int b = 0; b < Batch; b++)
            for (int c = 0; c < 5; c++)
            {
                Assert.Equal(0f, output.Array[b * p.OutputStride + c]);
                Assert.Equal(kind == PoolKind.Max ? -1f : 9f, argMax.Array[b * p.ArgMaxStride + c]);
            }
        var dOut = PinnedBuffer<float>.Random(Batch * 5, 2);
        var dx = Filled(4, 3f);
        SequencePooling.Backward(kind, argMax.Pointer, p.ArgMaxStride, null, 0, 0, dOut.Pointer, 5, dx.Pointer, 5, 15, Batch, 0, 5, accumulate: false);
        Assert.All(dx.Array, v => Assert.Equal(3f, v));
    }

    [Theory]
    [MemberData(nameof(ShapesAndAccumulation))]
    public void Backward_matches_the_float64_definition(PoolKind kind, int width, Layout layout, bool masked, bool accumulate)
    {
        const int steps = 7;
        var p = new Problem(steps, width, layout, masked, specials: true, seed: width * 10 + (int)layout + 5);
        var argMax = Filled(p.ArgMaxLength, 9f);
        if (kind == PoolKind.Max) p.Forward(kind, Filled(p.OutputLength, 0f), argMax);
        int dOutStride = width + 3;
        var dOut = PinnedBuffer<float>.Random(Batch * dOutStride, width + 1);
        // The gradient buffer in another layout than x, prefilled: assignment must overwrite it, accumulation add to it.
        var dxAt = Placement.Of((Layout)(((int)layout + 1) % 3), steps, width, pad: 1);
        var dx = PinnedBuffer<float>.Random(dxAt.Length, width + 2);
        var expected = new PinnedBuffer<double>(dxAt.Length);
        for (int i = 0; i < dx.Array.Length; i++) expected.Array[i] = dx.Array[i];

        SequencePooling.Backward(kind, argMax.Pointer, p.ArgMaxStride, p.Mask, p.MaskStride, p.MaskStepStride, dOut.Pointer, dOutStride,
            dx.Pointer + dxAt.Base, dxAt.RowStride, dxAt.StepStride, Batch, steps, width, accumulate);
        var argMaxD = ToDouble(argMax);
        var dOutD = ToDouble(dOut);
        SequencePooling.BackwardReference(kind, argMaxD.Pointer, p.ArgMaxStride, p.Mask, p.MaskStride, p.MaskStepStride, dOutD.Pointer, dOutStride,
            expected.Pointer + dxAt.Base, dxAt.RowStride, dxAt.StepStride, Batch, steps, width, accumulate);

        for (int i = 0; i < dx.Array.Length; i++) AssertClose(expected.Array[i], dx.Array[i], 1e-6, $"dx[{i}]");
        // Padding steps get nothing: assigned 0, or left as they were.
        for (int b = 0; b < Batch; b++)
            for (int t = 0; t < steps; t++)
                if (!p.Counts(t, b))
                    for (int c = 0; c < width; c++)
                    {
                        int at = dxAt.At(t, b, c);
                        Assert.Equal(accumulate ? (float)expected.Array[at] : 0f, dx.Array[at]);
                    }
        GC.KeepAlive(p.Ids);
    }

    public static TheoryData<PoolKind, int, Layout, bool> FiniteDifferenceShapes()
    {
        var data = new TheoryData<PoolKind, int, Layout, bool>();
        foreach (var row in Shapes())
            if ((int)row[1] is 3 or 37) data.Add((PoolKind)row[0], (int)row[1], (Layout)row[2], (bool)row[3]);
        return data;
    }

    [Theory]
    [MemberData(nameof(FiniteDifferenceShapes))]
    public void Backward_matches_central_differences_of_the_float64_forward(PoolKind kind, int width, Layout layout, bool masked)
    {
        const int steps = 5;
        const double h = 1e-6;
        var p = new Problem(steps, width, layout, masked, specials: false, seed: 100 + width + (int)layout);
        var x = p.InputAsDouble();
        var output = new PinnedBuffer<double>(p.OutputLength);
        var argMax = new PinnedBuffer<double>(p.ArgMaxLength);
        var dOut = ToDouble(PinnedBuffer<float>.Random(p.OutputLength, 7));

        // L = Σ dOut[b, c]·out[b, c], whose gradient the backward computes.
        double Loss()
        {
            p.ForwardReference(kind, x, output, null);
            double loss = 0;
            for (int b = 0; b < Batch; b++)
                for (int c = 0; c < width; c++) loss += dOut.Array[b * p.OutputStride + c] * output.Array[b * p.OutputStride + c];
            return loss;
        }

        p.ForwardReference(kind, x, output, kind == PoolKind.Max ? argMax : null);
        if (kind == PoolKind.Max)
        {
            // Away from ties: each max leads the runner-up by far more than h.
            for (int b = 0; b < Batch; b++)
                for (int c = 0; c < width; c++)
                {
                    var counted = Enumerable.Range(0, steps).Where(t => p.Counts(t, b)).Select(t => x[p.X.At(t, b, c)]).OrderDescending().ToArray();
                    if (counted.Length > 1) Assert.True(counted[0] - counted[1] > 10 * h, $"near tie at ({b}, {c}): pick another seed");
                }
        }
        var analytic = new PinnedBuffer<double>(p.X.Length);
        SequencePooling.BackwardReference(kind, argMax.Pointer, p.ArgMaxStride, p.Mask, p.MaskStride, p.MaskStepStride, dOut.Pointer, p.OutputStride,
            analytic.Pointer + p.X.Base, p.X.RowStride, p.X.StepStride, Batch, steps, width, accumulate: false);
        // The float kernel's backward too, from the float kernel's argmax.
        var floatArgMax = new PinnedBuffer<float>(p.ArgMaxLength);
        if (kind == PoolKind.Max) p.Forward(kind, new PinnedBuffer<float>(p.OutputLength), floatArgMax);
        var floatDOut = new PinnedBuffer<float>(p.OutputLength);
        for (int i = 0; i < floatDOut.Array.Length; i++) floatDOut.Array[i] = (float)dOut.Array[i];
        var dx = new PinnedBuffer<float>(p.X.Length);
        SequencePooling.Backward(kind, floatArgMax.Pointer, p.ArgMaxStride, p.Mask, p.MaskStride, p.MaskStepStride, floatDOut.Pointer, p.OutputStride,
            dx.Pointer + p.X.Base, p.X.RowStride, p.X.StepStride, Batch, steps, width, accumulate: false);

        for (int b = 0; b < Batch; b++)
            for (int t = 0; t < steps; t++)
                for (int c = 0; c < width; c++)
                {
                    int at = p.X.At(t, b, c);
                    double saved = x[at];
                    x[at] = saved + h;
                    double up = Loss();
                    x[at] = saved - h;
                    double down = Loss();
                    x[at] = saved;
                    double numeric = (up - down) / (2 * h);
                    Assert.True(Math.Abs(numeric - analytic.Array[at]) <= 1e-7, $"dx({t}, {b}, {c}): {analytic.Array[at]} vs finite difference {numeric}");
                    Assert.True(Math.Abs(numeric - dx.Array[at]) <= 1e-6, $"kernel dx({t}, {b}, {c}): {dx.Array[at]} vs finite difference {numeric}");
                }
        GC.KeepAlive(p.Ids);
    }

    [Theory]
    [InlineData(PoolKind.Max, true, false)]
    [InlineData(PoolKind.Max, false, true)]
    [InlineData(PoolKind.Average, true, true)]
    [InlineData(PoolKind.Average, false, false)]
    public void Interpreter_runs_the_ops_as_the_float64_definition(PoolKind kind, bool masked, bool accumulate)
    {
        const int batch = Batch, steps = 5, width = 6, row = width + 2, vocabulary = 10;
        // x: time-major [T, B, W + 2] read backwards (step 0 is the last slab); dx batch-major [B, T, W] after 4 floats; ids [B, T].
        var parameters = new IrBuffer("parameters", 1, BufferKind.Parameters, "[1]");
        var gradients = new IrBuffer("gradients", 1, BufferKind.Gradients, "[1]");
        var tokens = new IrBuffer("tokens", Size.B * steps, BufferKind.TokenIds, "[B, T]", ElementType.Int32);
        var targets = new IrBuffer("targets", Size.B, BufferKind.Targets, "[B]", ElementType.Int32);
        var xBuffer = new IrBuffer("x", Size.B * (steps * row), BufferKind.Activation, "[T, B, W+2]");
        var pooled = new IrBuffer("pooled", Size.B * (width + 1), BufferKind.Activation, "[B, W+1]");
        var chosen = new IrBuffer("chosen", Size.B * width, BufferKind.Activation, "[B, W]");
        var dPooled = new IrBuffer("d_pooled", Size.B * width, BufferKind.ActivationGradient, "[B, W]");
        var dxBuffer = new IrBuffer("d_x", Size.B * (steps * width) + 4, BufferKind.ActivationGradient, "[4 + B, T, W]");
        var forward = new GlobalPoolOp(new View(xBuffer, Size.B * ((steps - 1) * row), Size.B, width, row), new Size(0, -row), steps,
            new View(pooled, 0, Size.B, width, width + 1), kind, masked ? new IdView(tokens, 0, Size.B, steps) : null, 1,
            kind == PoolKind.Max ? new View(chosen, 0, Size.B, width, width) : null);
        var backward = new GlobalPoolBackwardOp(forward, new View(dPooled, 0, Size.B, width, width), new View(dxBuffer, 4, Size.B, width, steps * width), width, accumulate);
        var program = new IrProgram(ProgramKind.Train, steps, [parameters, gradients, tokens, targets, xBuffer, pooled, chosen, dPooled, dxBuffer],
            [], 1, [forward], [backward], tokens, targets, new View(pooled, 0, Size.B, width, width + 1), outputIsProbability: false);
        var interpreter = new IrInterpreter(program, batch, vocabulary);

        var random = new Random(3);
        var x = interpreter.Floats(xBuffer);
        for (int i = 0; i < x.Length; i++) x[i] = random.NextDouble() * 2 - 1;
        for (int b = 0; b < batch; b++)
        {
            x[(steps - 1) * batch * row + b * row + 1] = x[(steps - 3) * batch * row + b * row + 1] = 4; // a tie at steps 0 and 2
            for (int t = 0; t < steps; t++) interpreter.Tokens[b * steps + t] = b == 1 || (b == 0 && t == 0) ? 0 : 1 + random.Next(vocabulary - 1);
        }
        var dOut = interpreter.Floats(dPooled);
        for (int i = 0; i < dOut.Length; i++) dOut[i] = random.NextDouble() * 2 - 1;
        var dx = interpreter.Floats(dxBuffer);
        for (int i = 0; i < dx.Length; i++) dx[i] = random.NextDouble();
        var expectedDx = new PinnedBuffer<double>(dx.Length);
        dx.CopyTo(expectedDx.Array, 0);

        interpreter.Forward();
        interpreter.Backward();

        var ids = new PinnedBuffer<int>(batch * steps);
        interpreter.Tokens.CopyTo(ids.Array, 0);
        var expected = new PinnedBuffer<double>(batch * (width + 1));
        var expectedArg = new PinnedBuffer<double>(batch * width);
        fixed (double* xp = x)
        {
            SequencePooling.ForwardReference(kind, xp + (steps - 1) * batch * row, row, -batch * row, masked ? ids.Pointer : null, steps, 1,
                expected.Pointer, width + 1, kind == PoolKind.Max ? expectedArg.Pointer : null, width, batch, steps, width);
        }
        fixed (double* dOutP = dOut)
            SequencePooling.BackwardReference(kind, expectedArg.Pointer, width, masked ? ids.Pointer : null, steps, 1, dOutP, width,
                expectedDx.Pointer + 4, steps * width, width, batch, steps, width, accumulate);

        var actual = interpreter.Floats(pooled);
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < width; c++)
                Assert.Equal(expected.Array[b * (width + 1) + c], actual[b * (width + 1) + c], 1e-12);
        if (kind == PoolKind.Max)
        {
            Assert.Equal(expectedArg.Array, interpreter.Floats(chosen));
            Assert.Equal(masked ? 2.0 : 0.0, interpreter.Floats(chosen)[1]); // row 0's tie at steps 0 and 2: the first counted one
            Assert.Equal(0.0, interpreter.Floats(chosen)[2 * width + 1]);
        }
        for (int i = 0; i < dx.Length; i++) Assert.Equal(expectedDx.Array[i], dx[i], 1e-12);
    }

    private static PinnedBuffer<float> Filled(int length, float value)
    {
        var buffer = new PinnedBuffer<float>(length);
        Array.Fill(buffer.Array, value);
        return buffer;
    }

    private static PinnedBuffer<double> ToDouble(PinnedBuffer<float> source)
    {
        var buffer = new PinnedBuffer<double>(source.Array.Length);
        for (int i = 0; i < source.Array.Length; i++) buffer.Array[i] = source.Array[i];
        return buffer;
    }

    /// <summary>Within tolerance·(1 + |expected|); NaN and infinities must match exactly.</summary>
    private static void AssertClose(double expected, float actual, double tolerance, string what)
    {
        if (double.IsNaN(expected)) { Assert.True(float.IsNaN(actual), $"{what}: {actual}, expected NaN"); return; }
        if (double.IsInfinity(expected)) { Assert.Equal(expected, (double)actual); return; }
        Assert.True(Math.Abs(actual - expected) <= tolerance * (1 + Math.Abs(expected)), $"{what}: {actual} vs reference {expected}");
    }
}
