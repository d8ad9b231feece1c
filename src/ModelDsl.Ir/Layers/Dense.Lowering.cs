#nullable enable
using System;
using System.Collections.Generic;
using System.Globalization;

namespace ModelDsl.Ir
{
    public static partial class Lowering
    {
        internal sealed partial class Lowerer
        {
            /// <summary>
            /// A last Dense over a sequence: logits for every step in one product, the loss averaged over all B·T positions
            /// (a language model trained on every position, as char-rnn does), less padded targets when the model masks
            /// padding. Inference computes the last step only.
            /// </summary>
            internal Value DensePerStep(string name, LayerSpec layer, Value input)
            {
                Size units = SymbolicSize.IsSymbolic(layer.Size) ? _vocabulary : new Size(layer.Size);
                var kernel = Parameter(name, "kernel", input.Width, units, InitKind.GlorotUniform);
                var bias = Parameter(name, "bias", 1, units, InitKind.Zeros, isVector: true);
                var all = input.All!;
                if (!Training)
                {
                    var lastStep = _kind == ProgramKind.Infer && UsesPositions(_spec)
                        ? SelectQueryPositions(name, input)
                        : new View(all.Buffer, all.Offset + Size.B * (_t - 1) * all.RowStride, Size.B, all.Cols, all.RowStride);
                    var lastLogits = Buffer(name + "_logits", Size.B * units, BufferKind.Activation, "[B, " + units + "]");
                    var lastView = View.Whole(lastLogits, Size.B, units);
                    _forward.Add(new MatMulOp(lastStep, false, ParamView(kernel), false, lastView, accumulate: false, bias: ParamView(bias))
                        { Comment = name + ": x_T·W + b (the last step is the prediction)" });
                    FinishInference(name, layer, units, lastView);
                    return new Value { Width = units, IsSequence = false, All = lastView, Shape = "[" + units + "]" };
                }

                var (logitsStep, logitsAll, _) = Sequence(name + "_logits", units, BufferKind.Activation, "[T, B, " + units + "]");
                var (dStep, dAll, _) = Sequence("d_" + name + "_logits", units, BufferKind.ActivationGradient, "[T, B, " + units + "]");
                _forward.Add(new MatMulOp(all, false, ParamView(kernel), false, logitsAll, accumulate: false, bias: ParamView(bias))
                    { Comment = name + ": x_t·W + b for every step in one product" });
                var targets = new IdView(_targets, 0, Size.B, _t, timeStride: 1);
                bool ignorePadding = IgnoresPaddingTargets(_spec);
                _forward.Add(new LoopOp(_t, false, new Op[]
                {
                    new SoftmaxCrossEntropyOp(logitsStep, targets, dStep, binary: false, steps: _t, ignorePadding)
                    {
                        Comment = ignorePadding
                            ? "loss at step t: softmax and cross-entropy in one pass; target 0 is padding (no loss, dLogits 0); dLogits = (p − onehot)/(targets ≠ 0 in the batch)"
                            : "loss at step t: softmax and cross-entropy in one pass; dLogits = (p − onehot)/(B·T)",
                    },
                }));
                Backward(block =>
                {
                    block.Add(new MatMulOp(all, true, dAll, false, GradView(kernel), accumulate: true) { Comment = name + ": dW += Σ_t x_tᵀ·dLogits_t in one product" });
                    block.Add(new ColumnSumsOp(dAll, GradView(bias), accumulate: true) { Comment = name + ": db += Σ dLogits" });
                    if (input.Grad is { } dx)
                    {
                        bool add = dx.Take();
                        block.Add(new MatMulOp(dAll, false, ParamView(kernel), true, dx.View, accumulate: add) { Comment = name + ": dx_t " + (add ? "+" : "") + "= dLogits_t·Wᵀ for every step" });
                    }
                });
                _output = new View(logitsAll.Buffer, Size.B * (_t - 1) * units, Size.B, units, units);
                return new Value { Width = units, IsSequence = true, All = logitsAll, Step = logitsStep, Shape = "[T, " + units + "]" };
            }

            internal void FinishInference(string name, LayerSpec layer, Size units, View logitsView)
            {
                if (layer.Activation == ActivationKind.Softmax)
                {
                    var probs = Buffer(name + "_probs", Size.B * units, BufferKind.Activation, "[B, " + units + "]");
                    var probsView = View.Whole(probs, Size.B, units);
                    _forward.Add(new SoftmaxOp(logitsView, probsView) { Comment = name + ": softmax" });
                    _output = probsView;
                }
                else
                {
                    _output = logitsView;
                }
            }

            internal Value Dense(string name, LayerSpec layer, Value input, bool isLast)
            {
                if (input.IsSequence && !input.Flattened)
                {
                    if (!isLast || layer.Activation == ActivationKind.Sigmoid) throw new ArgumentException(name + " needs a vector but gets a sequence " + input.Shape);
                    return DensePerStep(name, layer, input);
                }
                Size units = SymbolicSize.IsSymbolic(layer.Size) ? _vocabulary : new Size(layer.Size);
                Size inputWidth = input.Flattened ? input.Width * StepsOf(input) : input.Width;
                var kernel = Parameter(name, "kernel", inputWidth, units, InitKind.GlorotUniform);
                var bias = Parameter(name, "bias", 1, units, InitKind.Zeros, isVector: true);
                var logits = Buffer(name + "_logits", Size.B * units, BufferKind.Activation, "[B, " + units + "]");
                var logitsView = View.Whole(logits, Size.B, units);
                // Rows [t·w, (t+1)·w) of the kernel multiply step t of a flattened sequence.
                var kernelStep = new View(_params, kernel.Offset, input.Width, units, units, timeStride: input.Width * units);
                var kernelGradStep = new View(_grads, kernel.Offset, input.Width, units, units, timeStride: input.Width * units);
                if (input.Flattened)
                {
                    // Flatten without a copy: x_flat·W = Σ_t x_t·W_t over the time-major steps.
                    var biasRows = new View(_params, bias.Offset, Size.B, units, 0);
                    _forward.Add(new PointwiseOp(name + "_bias", Size.B, units, new[] { biasRows }, new[] { new PointwiseOutput(logitsView, Expr.In(0), false) })
                        { Comment = name + ": logits = b" });
                    _forward.Add(new LoopOp(StepsOf(input), false, new Op[]
                    {
                        new MatMulOp(input.Step!, false, kernelStep, false, logitsView, accumulate: true) { Comment = name + ": logits += x_t·W_t (flattened input)" },
                    }));
                }
                else
                {
                    _forward.Add(new MatMulOp(input.All!, false, ParamView(kernel), false, logitsView, accumulate: false, bias: ParamView(bias))
                        { Comment = name + ": x·W + b" });
                }
                var value = new Value { Width = units, IsSequence = false, All = logitsView, Shape = "[" + units + "]" };
                if (!isLast) throw new NotSupportedException("Dense is only supported as the last layer in this version.");

                if (Training)
                {
                    var dLogits = Buffer("d_" + name + "_logits", Size.B * units, BufferKind.ActivationGradient, "[B, " + units + "]");
                    var dView = View.Whole(dLogits, Size.B, units);
                    var targets = new IdView(_targets, 0, Size.B, 1);
                    bool binary = layer.Activation == ActivationKind.Sigmoid;
                    _forward.Add(new SoftmaxCrossEntropyOp(logitsView, targets, dView, binary)
                        { Comment = binary ? "loss: sigmoid and binary cross-entropy in one pass; dLogits = (σ(z) − y)/B" : "loss: softmax and cross-entropy in one pass; dLogits = (p − onehot)/B" });
                    Backward(block =>
                    {
                        var biasGradient = new ColumnSumsOp(dView, GradView(bias), accumulate: true) { Comment = name + ": db += Σ dLogits" };
                        bool add = input.Grad?.Take() ?? false;
                        if (input.Flattened)
                        {
                            // Each step's slice of dx is written once: the loop as a whole is the sink's writer.
                            var body = new List<Op> { new MatMulOp(input.Step!, true, dView, false, kernelGradStep, accumulate: true) { Comment = name + ": dW_t += x_tᵀ·dLogits" } };
                            if (input.GradStep != null)
                                body.Add(new MatMulOp(dView, false, kernelStep, true, input.GradStep, accumulate: add) { Comment = name + ": dx_t " + (add ? "+" : "") + "= dLogits·W_tᵀ" });
                            block.Add(new LoopOp(StepsOf(input), true, body));
                            block.Add(biasGradient);
                        }
                        else
                        {
                            block.Add(new MatMulOp(input.All!, true, dView, false, GradView(kernel), accumulate: true) { Comment = name + ": dW += xᵀ·dLogits" });
                            block.Add(biasGradient);
                            if (input.Grad is { } dx)
                                block.Add(new MatMulOp(dView, false, ParamView(kernel), true, dx.View, accumulate: add) { Comment = name + ": dx " + (add ? "+" : "") + "= dLogits·Wᵀ" });
                        }
                    });
                    _output = logitsView;
                }
                else if (layer.Activation == ActivationKind.Sigmoid)
                {
                    var probs = Buffer(name + "_probs", Size.B * units, BufferKind.Activation, "[B, " + units + "]");
                    var probsView = View.Whole(probs, Size.B, units);
                    _forward.Add(new PointwiseOp(name + "_sigmoid", Size.B, units, new[] { logitsView }, new[] { new PointwiseOutput(probsView, Expr.Sigmoid(Expr.In(0)), false) })
                        { Comment = name + ": sigmoid" });
                    _output = probsView;
                }
                else
                {
                    FinishInference(name, layer, units, logitsView);
                }
                return value;
            }
        }
    }
}
