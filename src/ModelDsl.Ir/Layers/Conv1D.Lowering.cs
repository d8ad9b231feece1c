#nullable enable
using System.Collections.Generic;

namespace ModelDsl.Ir
{
    public static partial class Lowering
    {
        internal sealed partial class Lowerer
        {
            /// <summary>
            /// Conv1D as products: with the input padded by zero steps (a copy into a [T + pads, B, C] buffer, only when
            /// padded), the rows tap j reads for output step t are step t·s + j·d, so for strides 1 every tap is one product
            /// [T_out·B, C]·W_j over rows j·d·B onwards, and for strides s a loop of one product per step. Backward: the
            /// activation's derivative, db, dW_j += x_jᵀ·dz, and dx (+)= dz·W_jᵀ into a zeroed padded gradient whose
            /// interior is then the input's gradient.
            /// </summary>
            internal Value Conv1D(string name, LayerSpec layer, Value input)
            {
                int steps = StepsOf(input);
                var x = input.All!;
                Size c = input.Width;
                int f = layer.Size, k = layer.KernelSize, s = layer.Strides, d = layer.Dilation;
                int outSteps = Conv1DLayer.OutputSteps(layer, steps);
                var (left, right) = Conv1DLayer.Pads(layer, steps);
                var kernel = Parameter(name, "kernel", k * c, f, InitKind.GlorotUniform);
                kernel.ReceptiveField = k;
                var bias = Parameter(name, "bias", 1, f, InitKind.Zeros, isVector: true);
                View Tap(int j) => new View(_params, kernel.Offset + j * c * f, c, f, f);
                View TapGradient(int j) => new View(_grads, kernel.Offset + j * c * f, c, f, f);

                // The (padded) input and its row stride.
                View padded = x;
                if (left + right > 0)
                {
                    int total = left + steps + right;
                    var buffer = Buffer(name + "_padded", Size.B * c * total, BufferKind.Activation, "[" + total + ", B, " + c + "]");
                    padded = View.Whole(buffer, Size.B * total, c);
                    if (left > 0) _forward.Add(new ZeroOp(View.Whole(buffer, Size.B * left, c)) { Comment = name + ": " + left + " zero steps before the sequence" });
                    if (right > 0) _forward.Add(new ZeroOp(new View(buffer, Size.B * c * (left + steps), Size.B * right, c, c)) { Comment = name + ": " + right + " zero steps after it" });
                    _forward.Add(new CopyOp(x, new View(buffer, Size.B * c * left, Size.B * steps, c, c)) { Comment = name + ": the sequence between them" });
                }
                Size stepStride = Size.B * padded.RowStride;
                // Tap j's rows for every output step (strides 1), or for step t (strided, time-indexed).
                View TapRows(View source, int j) => s == 1
                    ? new View(source.Buffer, source.Offset + j * d * stepStride, Size.B * outSteps, c, source.RowStride)
                    : new View(source.Buffer, source.Offset + j * d * stepStride, Size.B, c, source.RowStride, timeStride: s * stepStride);

                bool activated = layer.Activation != ActivationKind.None;
                var (zStep, zAll, _) = Sequence(name + (activated ? "_z" : "_out"), f, BufferKind.Activation, "[" + outSteps + ", B, " + f + "]", stepsOverride: outSteps);
                if (s == 1)
                {
                    for (int j = 0; j < k; j++)
                        _forward.Add(new MatMulOp(TapRows(padded, j), false, Tap(j), false, zAll, accumulate: j > 0, bias: j == 0 ? ParamView(bias) : null)
                            { Comment = name + ": " + (j == 0 ? "z = b + " : "z += ") + "x_{t + " + (j * d) + "}·W_" + j + " for every step" });
                }
                else
                {
                    var body = new List<Op>();
                    for (int j = 0; j < k; j++)
                        body.Add(new MatMulOp(TapRows(padded, j), false, Tap(j), false, zStep, accumulate: j > 0, bias: j == 0 ? ParamView(bias) : null)
                            { Comment = name + ": " + (j == 0 ? "z_t = b + " : "z_t += ") + "x_{" + s + "t + " + (j * d) + "}·W_" + j });
                    _forward.Add(new LoopOp(outSteps, false, body));
                }

                View outAll = zAll, outStep = zStep;
                PointwiseOp? activation = null;
                if (activated)
                {
                    var (aStep, aAll, _) = Sequence(name + "_out", f, BufferKind.Activation, "[" + outSteps + ", B, " + f + "]", stepsOverride: outSteps);
                    var z0 = Expr.In(0);
                    var value = layer.Activation switch
                    {
                        ActivationKind.Relu => z0 * new UnaryExpr(UnaryOp.Step, z0),
                        ActivationKind.Tanh => Expr.Tanh(z0),
                        _ => Expr.Sigmoid(z0),
                    };
                    activation = new PointwiseOp(name + "_" + layer.Activation.ToString().ToLowerInvariant(), zAll.Rows, f, new[] { zAll }, new[] { new PointwiseOutput(aAll, value, false) })
                        { Comment = name + ": " + layer.Activation.ToString().ToLowerInvariant() };
                    _forward.Add(activation);
                    outAll = aAll;
                    outStep = aStep;
                }

                var result = new Value { Width = f, IsSequence = true, All = outAll, Step = outStep, Shape = "[" + outSteps + ", " + f + "]", Steps = outSteps };
                if (!Training) return result;

                var (dStep, dAll, _) = Sequence("d_" + name + "_out", f, BufferKind.ActivationGradient, "[" + outSteps + ", B, " + f + "]", stepsOverride: outSteps);
                result.Grad = new GradSink(dAll);
                result.GradStep = dStep;
                View dzAll = dAll, dzStep = dStep;
                if (activation != null)
                    (dzStep, dzAll, _) = Sequence("d_" + name + "_z", f, BufferKind.ActivationGradient, "[" + outSteps + ", B, " + f + "]", stepsOverride: outSteps);
                // The taps' input gradient: a padded buffer of its own when padded (its interior then goes to the input's sink).
                View? dPadded = input.Grad != null && left + right > 0
                    ? View.Whole(Buffer("d_" + name + "_padded", Size.B * c * (left + steps + right), BufferKind.ActivationGradient, "[" + (left + steps + right) + ", B, " + c + "]"), Size.B * (left + steps + right), c)
                    : null;

                Backward(block =>
                {
                    if (activation != null)
                        block.Add(PointwiseBackward(name + "_activation_backward", activation, new View?[] { dzAll }, new[] { false }, new[] { dAll }));
                    block.Add(new ColumnSumsOp(dzAll, GradView(bias), accumulate: true) { Comment = name + ": db += Σ dz" });

                    // Taps overlap and may leave rows untouched (valid padding), so they all add, onto zeros unless the
                    // input's gradient was already written (then straight onto it).
                    View? dx = dPadded;
                    if (dx != null)
                        block.Add(new ZeroOp(dx) { Comment = name + ": the padded dx starts at zero; every tap adds to it" });
                    else if (input.Grad is { } sink)
                    {
                        dx = sink.View;
                        if (!sink.Take()) block.Add(new ZeroOp(dx) { Comment = name + ": dx starts at zero; every tap adds to it" });
                    }

                    if (s == 1)
                    {
                        for (int j = 0; j < k; j++)
                        {
                            block.Add(new MatMulOp(TapRows(padded, j), true, dzAll, false, TapGradient(j), accumulate: true) { Comment = name + ": dW_" + j + " += x_{t + " + (j * d) + "}ᵀ·dz over every step" });
                            if (dx != null)
                                block.Add(new MatMulOp(dzAll, false, Tap(j), true, TapRows(dx, j), accumulate: true) { Comment = name + ": dx_{t + " + (j * d) + "} += dz·W_" + j + "ᵀ" });
                        }
                    }
                    else
                    {
                        var body = new List<Op>();
                        for (int j = 0; j < k; j++)
                        {
                            body.Add(new MatMulOp(TapRows(padded, j), true, dzStep, false, TapGradient(j), accumulate: true) { Comment = name + ": dW_" + j + " += x_{" + s + "t + " + (j * d) + "}ᵀ·dz_t" });
                            if (dx != null)
                                body.Add(new MatMulOp(dzStep, false, Tap(j), true, TapRows(dx, j), accumulate: true) { Comment = name + ": dx_{" + s + "t + " + (j * d) + "} += dz_t·W_" + j + "ᵀ" });
                        }
                        block.Add(new LoopOp(outSteps, true, body));
                    }

                    if (dPadded != null)
                        AddInto(block, input.Grad!, new View(dPadded.Buffer, Size.B * c * left, Size.B * steps, c, c), name + "_input");
                });
                return result;
            }
        }
    }
}
