using System.Collections.Generic;
using System.Globalization;
using ModelDsl.Generators.Helpers;
using ModelDsl.Ir;

namespace ModelDsl.Generators.Emit
{
    /// <summary>
    /// Renders a lowered program as C# for the CPU: products through the packed GEMM, gathers and reductions through the
    /// row kernels, and every pointwise op as its own fused SIMD method with the shapes baked in.
    /// </summary>
    internal static class CpuRenderer
    {
        /// <param name="name">The nested class's name (see <see cref="ProgramClassNames"/>).</param>
        public static void Render(IndentedTextWriter w, IrProgram program, string name)
        {
            var kernels = new PointwiseNames();
            kernels.Collect(program.Forward);
            kernels.Collect(program.Backward);
            w.WriteLine("/// <summary>The " + program.Kind.ToString().ToLowerInvariant() + " program on the CPU (SIMD C#).</summary>");
            using (w.WriteBlock("private sealed unsafe class " + name + " : global::ModelDsl.Runtime.CpuProgram"))
            {
                w.WriteLine("public " + name + "(global::ModelDsl.Model model, int batchCapacity)");
                w.WriteLine("    : base(model, global::ModelDsl.Ir.ProgramKind." + program.Kind + ", batchCapacity, \"" + ProgramFingerprint.Of(program) + "\") { }");
                w.WriteLine();
                using (w.WriteBlock("protected override double RunForward(int B)"))
                {
                    BufferLocals(w, program);
                    w.WriteLine("double loss = 0;");
                    foreach (var op in program.Forward) RenderOp(w, op, kernels);
                    w.WriteLine("return loss;");
                }
                w.WriteLine();
                using (w.WriteBlock("protected override void RunBackward(int B)"))
                {
                    if (program.Backward.Count == 0)
                    {
                        w.WriteLine("throw new global::System.InvalidOperationException(\"No backward pass in this program.\");");
                    }
                    else
                    {
                        BufferLocals(w, program);
                        foreach (var op in program.Backward) RenderOp(w, op, kernels);
                    }
                }
                foreach (var pair in kernels.All)
                {
                    w.WriteLine();
                    RenderPointwiseKernel(w, pair.Value, pair.Key);
                }
            }
        }

        private static void BufferLocals(IndentedTextWriter w, IrProgram program)
        {
            for (int i = 0; i < program.Buffers.Count; i++)
            {
                var b = program.Buffers[i];
                var type = b.ElementType == ElementType.Int32 ? "int*" : "float*";
                var getter = b.ElementType == ElementType.Int32 ? "I" : "F";
                w.WriteLine(type + " " + b.Name + " = " + getter + "(" + i.ToString(CultureInfo.InvariantCulture) + "); // " + b.Shape);
            }
        }

        private static string S(Size size) => RenderText.S(size);

        private static string Ptr(View v) => RenderText.Ptr(v);

        private static string Ptr(IdView v) => RenderText.Ptr(v);

        private static string Address(string buffer, Size offset, Size timeStride) => RenderText.Address(buffer, offset, timeStride);

        private static string Bool(bool b) => RenderText.Bool(b);

        private static void RenderOp(IndentedTextWriter w, Op op, PointwiseNames kernels) => new CpuOpWriter(w, kernels).Write(op);

        /// <summary>Writes each op as its call: the library kernel, the packed GEMM, or the op's own pointwise method.</summary>
        private sealed class CpuOpWriter : OpVisitor
        {
            private readonly IndentedTextWriter w;
            private readonly PointwiseNames kernels;
            private bool inLoop;

            public CpuOpWriter(IndentedTextWriter writer, PointwiseNames kernels)
            {
                w = writer;
                this.kernels = kernels;
            }

            public void Write(Op op)
            {
                if (op.Comment.Length > 0) RenderText.Line(w, "// " + op.Comment);
                Visit(op);
            }

            protected override void VisitLoop(LoopOp loop)
            {
                var header = loop.Reverse
                    ? "for (int t = " + (loop.Count - 1).ToString(CultureInfo.InvariantCulture) + "; t >= 0; t--)"
                    : "for (int t = 0; t < " + loop.Count.ToString(CultureInfo.InvariantCulture) + "; t++)";
                bool outer = inLoop;
                inLoop = true;
                using (w.WriteBlock(header))
                    foreach (var inner in loop.Body) Write(inner);
                inLoop = outer;
            }

            protected override void VisitTokenMask(TokenMaskOp m)
            {
                RenderText.Line(w, "global::ModelDsl.Cpu.CpuOps.TokenMask(" + Ptr(m.Tokens) + ", " + S(m.Tokens.Stride) + ", " + S(m.Mask.Rows) + ", " + S(m.Mask.Cols) + ", " + Ptr(m.Mask) + ", " + S(m.Mask.RowStride) + ");");
            }

            protected override void VisitZero(ZeroOp z)
            {
                RenderText.Line(w, "global::ModelDsl.Cpu.CpuOps.Zero(" + Ptr(z.Target) + ", " + S(z.Target.Rows) + ", " + S(z.Target.Cols) + ", " + S(z.Target.RowStride) + ");");
            }

            protected override void VisitCopy(CopyOp c)
            {
                RenderText.Line(w, "global::ModelDsl.Cpu.CpuOps.Copy(" + Ptr(c.Source) + ", " + S(c.Source.RowStride) + ", " + Ptr(c.Target) + ", " + S(c.Target.RowStride) + ", " + S(c.Target.Rows) + ", " + S(c.Target.Cols) + ");");
            }

            protected override void VisitMatMul(MatMulOp m)
            {
                bool accumulate = m.Accumulate;
                if (m.Bias != null)
                {
                    RenderText.Line(w, "global::ModelDsl.Cpu.CpuOps.BroadcastRows(" + Ptr(m.Bias) + ", " + Ptr(m.C) + ", " + S(m.M) + ", " + S(m.N) + ", " + S(m.C.RowStride) + ");");
                    accumulate = true;
                }
                // The same weights at every step of a loop (h·U, dz·Uᵀ): packed once per pass.
                bool packOnce = PackCaching.PacksOnce(m, inLoop);
                var args = new List<string> { Bool(m.TransA), Bool(m.TransB), S(m.M), S(m.N), S(m.K), Ptr(m.A), S(m.A.RowStride), Ptr(m.B), S(m.B.RowStride), Ptr(m.C), S(m.C.RowStride), "accumulate: " + Bool(accumulate) };
                if (packOnce) args.Add("packCache: PackCache");
                RenderText.Call(w, "global::ModelDsl.Cpu.Gemm.Multiply", args);
            }

            protected override void VisitGatherRows(GatherRowsOp g)
            {
                RenderText.Line(w, "global::ModelDsl.Cpu.CpuOps.GatherRows(" + Ptr(g.Table) + ", " + S(g.Table.RowStride) + ", " + Ptr(g.Ids) + ", " + S(g.Ids.Stride) + ", "
                    + S(g.Output.Rows) + ", " + S(g.Output.Cols) + ", " + Ptr(g.Output) + ", " + S(g.Output.RowStride) + ", " + (g.Bias is null ? "null" : Ptr(g.Bias)) + ", accumulate: " + Bool(g.Accumulate) + ");");
            }

            protected override void VisitScatterAddRows(ScatterAddRowsOp s)
            {
                RenderText.Line(w, "global::ModelDsl.Cpu.RowKernels.ScatterAddRows(" + Ptr(s.Source) + ", " + S(s.Source.RowStride) + ", " + Ptr(s.Ids) + ", " + S(s.Ids.Stride) + ", "
                    + S(s.Source.Rows) + ", " + S(s.Source.Cols) + ", " + Ptr(s.Table) + ", " + S(s.Table.RowStride) + ");");
            }

            protected override void VisitColumnSums(ColumnSumsOp c)
            {
                RenderText.Line(w, "global::ModelDsl.Cpu.RowKernels.ColumnSums(" + Ptr(c.Source) + ", " + S(c.Source.Rows) + ", " + S(c.Source.Cols) + ", " + S(c.Source.RowStride) + ", "
                    + Ptr(c.Sums) + ", accumulate: " + Bool(c.Accumulate) + ");");
            }

            protected override void VisitSoftmaxCrossEntropy(SoftmaxCrossEntropyOp x)
            {
                if (x.Binary)
                {
                    RenderText.Line(w, "loss += global::ModelDsl.Cpu.CpuOps.SigmoidCrossEntropy(" + Ptr(x.Logits) + ", " + S(x.Logits.Rows) + ", " + S(x.Logits.RowStride) + ", "
                        + Ptr(x.Targets) + ", " + S(x.Targets.Stride) + ", " + (x.DLogits is null ? "null, 0" : Ptr(x.DLogits) + ", " + S(x.DLogits.RowStride)) + ", 1f / " + S(x.Logits.Rows) + ") / " + S(x.Logits.Rows) + ";");
                    return;
                }

                // Mean over rows × steps: a per-step loss op runs once per time step. Ignoring padding, over the targets
                // ≠ 0 of the whole batch, which the runtime counts before the forward.
                var count = x.IgnorePadding ? "ScoredTargets"
                    : x.Steps == 1 ? S(x.Logits.Rows) : "(" + S(x.Logits.Rows) + " * " + x.Steps.ToString(CultureInfo.InvariantCulture) + ")";
                RenderText.Line(w, "loss += global::ModelDsl.Cpu.RowKernels.SoftmaxCrossEntropy(" + Ptr(x.Logits) + ", " + S(x.Logits.Rows) + ", " + S(x.Logits.Cols) + ", " + S(x.Logits.RowStride) + ", "
                    + Ptr(x.Targets) + ", " + S(x.Targets.Stride) + ", " + (x.DLogits is null ? "null, 0" : Ptr(x.DLogits) + ", " + S(x.DLogits.RowStride)) + ", 1f / " + count
                    + (x.IgnorePadding ? ", ignorePadding: true" : "") + ") / " + count + ";");
            }

            protected override void VisitSoftmax(SoftmaxOp s)
            {
                RenderText.Line(w, "global::ModelDsl.Cpu.RowKernels.Softmax(" + Ptr(s.Logits) + ", " + S(s.Logits.Rows) + ", " + S(s.Logits.Cols) + ", " + S(s.Logits.RowStride) + ", "
                    + Ptr(s.Output) + ", " + S(s.Output.RowStride) + ");");
            }

            protected override void VisitDropoutMask(DropoutMaskOp d)
            {
                RenderText.Line(w, "global::ModelDsl.Cpu.CpuOps.DropoutMask(" + Ptr(d.Mask) + ", " + S(d.Mask.Rows) + ", " + S(d.Mask.Cols) + ", " + S(d.Mask.RowStride) + ", "
                    + ExprRenderer.Constant(d.Rate, ExprFlavor.Scalar) + ", Random);");
            }

            protected override void VisitPointwise(PointwiseOp p)
            {
                var args = new List<string> { "B", "V" };
                foreach (var k in PointwiseNames.Distinct(PointwiseNames.Operands(p)))
                    args.Add(Ptr(k < p.Inputs.Count ? p.Inputs[k] : p.Outputs[k - p.Inputs.Count].Target));
                RenderText.Call(w, kernels.NameOf(p), args);
            }

            protected override void VisitAttention(AttentionOp a)
            {
                RenderText.Line(w, "global::ModelDsl.Cpu.Attention.Forward(" + Ptr(a.Q) + ", " + S(a.Q.RowStride) + ", " + Ptr(a.K) + ", " + S(a.K.RowStride) + ", " + Ptr(a.V) + ", " + S(a.V.RowStride) + ", "
                    + Ptr(a.Output) + ", " + S(a.Output.RowStride) + ", B, " + I(a.Steps) + ", " + I(a.Heads) + ", " + I(a.KeySize) + ", causal: " + Bool(a.Causal) + ", " + Mask(a.Mask) + ", "
                    + (a.Probabilities is null ? "null" : Ptr(a.Probabilities)) + ");");
            }

            protected override void VisitAttentionBackward(AttentionBackwardOp g)
            {
                var a = g.Forward;
                RenderText.Line(w, "global::ModelDsl.Cpu.Attention.Backward(" + Ptr(a.Q) + ", " + S(a.Q.RowStride) + ", " + Ptr(a.K) + ", " + S(a.K.RowStride) + ", " + Ptr(a.V) + ", " + S(a.V.RowStride) + ", "
                    + Ptr(a.Probabilities!) + ", " + Ptr(g.DOutput) + ", " + S(g.DOutput.RowStride) + ", " + Ptr(g.DQ) + ", " + S(g.DQ.RowStride) + ", " + Ptr(g.DK) + ", " + S(g.DK.RowStride) + ", "
                    + Ptr(g.DV) + ", " + S(g.DV.RowStride) + ", B, " + I(a.Steps) + ", " + I(a.Heads) + ", " + I(a.KeySize) + ");");
            }

            protected override void VisitCachedAttention(CachedAttentionOp a)
            {
                RenderText.Line(w, "global::ModelDsl.Cpu.Attention.Cached(" + Ptr(a.Q) + ", " + S(a.Q.RowStride) + ", " + Ptr(a.K) + ", " + S(a.K.RowStride) + ", " + Ptr(a.V) + ", " + S(a.V.RowStride) + ", "
                    + Ptr(a.Output) + ", " + S(a.Output.RowStride) + ", " + Ptr(a.KeyCache) + ", " + Ptr(a.ValueCache) + ", " + S(a.KeyCache.RowStride) + ", " + Ptr(a.Positions) + ", B, "
                    + I(a.Heads) + ", " + I(a.KeySize) + ", " + I(a.Capacity) + ", " + Mask(a.Mask) + ");");
            }

            protected override void VisitLayerNorm(LayerNormOp n)
            {
                RenderText.Line(w, "global::ModelDsl.Cpu.LayerNorm.Forward(" + Ptr(n.X) + ", " + S(n.X.RowStride) + ", " + Ptr(n.Gamma) + ", " + Ptr(n.Beta) + ", " + Ptr(n.Y) + ", " + S(n.Y.RowStride) + ", "
                    + S(n.X.Rows) + ", " + S(n.X.Cols) + ", " + ExprRenderer.Constant(n.Epsilon, ExprFlavor.Scalar) + ", " + (n.Mean is null ? "null, null" : Ptr(n.Mean) + ", " + Ptr(n.InverseStd!)) + ");");
            }

            protected override void VisitLayerNormBackward(LayerNormBackwardOp g)
            {
                var n = g.Forward;
                RenderText.Line(w, "global::ModelDsl.Cpu.LayerNorm.Backward(" + Ptr(n.X) + ", " + S(n.X.RowStride) + ", " + Ptr(n.Gamma) + ", " + Ptr(n.Mean!) + ", " + Ptr(n.InverseStd!) + ", "
                    + Ptr(g.DY) + ", " + S(g.DY.RowStride) + ", " + Ptr(g.DX) + ", " + S(g.DX.RowStride) + ", " + Ptr(g.DGamma) + ", " + Ptr(g.DBeta) + ", " + S(n.X.Rows) + ", " + S(n.X.Cols) + ");");
            }

            protected override void VisitGatherPositions(GatherPositionsOp g)
            {
                RenderText.Line(w, "global::ModelDsl.Cpu.PositionOps.GatherPositions(" + Ptr(g.Sequence) + ", " + S(g.Sequence.RowStride) + ", " + Ptr(g.Positions) + ", B, " + S(g.Sequence.Rows) + " / B, "
                    + S(g.Output.Cols) + ", " + Ptr(g.Output) + ", " + S(g.Output.RowStride) + ");");
            }

            protected override void VisitRecordTokens(RecordTokensOp r)
            {
                RenderText.Line(w, "global::ModelDsl.Cpu.PositionOps.RecordTokens(" + Ptr(r.Tokens) + ", " + S(r.Tokens.Stride) + ", " + Ptr(r.Positions) + ", " + r.History.Name + ", B, " + S(r.History.Length) + " / B);");
            }

            protected override void VisitGlobalPool(GlobalPoolOp g) =>
                RenderText.Line(w, "global::ModelDsl.Cpu.SequencePooling.Forward(" + PoolKindName(g.Kind) + ", " + Ptr(g.Input) + ", " + S(g.Input.RowStride) + ", " + S(g.StepStride) + ", "
                    + PoolMask(g) + ", " + Ptr(g.Output) + ", " + S(g.Output.RowStride) + ", " + (g.ArgMax is null ? "null, 0" : Ptr(g.ArgMax) + ", " + S(g.ArgMax.RowStride)) + ", "
                    + S(g.Input.Rows) + ", " + I(g.Steps) + ", " + S(g.Input.Cols) + ");");

            protected override void VisitGlobalPoolBackward(GlobalPoolBackwardOp g)
            {
                var p = g.Forward;
                RenderText.Line(w, "global::ModelDsl.Cpu.SequencePooling.Backward(" + PoolKindName(p.Kind) + ", " + (p.ArgMax is null ? "null, 0" : Ptr(p.ArgMax) + ", " + S(p.ArgMax.RowStride)) + ", "
                    + PoolMask(p) + ", " + Ptr(g.DOutput) + ", " + S(g.DOutput.RowStride) + ", " + Ptr(g.DInput) + ", " + S(g.DInput.RowStride) + ", " + S(g.DStepStride) + ", "
                    + S(p.Input.Rows) + ", " + I(p.Steps) + ", " + S(p.Input.Cols) + ", accumulate: " + Bool(g.Accumulate) + ");");
            }

            protected override void VisitAdvancePositions(AdvancePositionsOp a)
            {
                RenderText.Line(w, "global::ModelDsl.Cpu.PositionOps.AdvancePositions(" + Ptr(a.Positions) + ", B);");
            }
        }

        internal static string PoolKindName(PoolKind kind) => "global::ModelDsl.Ir.PoolKind." + kind;

        /// <summary>A global pool's mask as (ids, stride between batch rows, stride between steps), or none.</summary>
        private static string PoolMask(GlobalPoolOp g) => g.Mask is null
            ? "null, 0, 0"
            : Ptr(g.Mask) + ", " + S(g.Mask.Stride) + ", " + S(g.MaskStepStride);

        private static string Mask(KeyTokens? mask) => mask is null
            ? "default"
            : "new global::ModelDsl.Cpu.Attention.KeyMask(" + Address(mask.Buffer.Name, mask.Offset, Size.Zero) + ", " + S(mask.BatchStride) + ", " + S(mask.PositionStride) + ")";

        /// <summary>
        /// One fused pass over [rows, cols]: as many lanes at a time as the machine's widest accelerated vector (16, 8 or 4),
        /// then a scalar loop for the rest: the tail, or the whole row where no vector width is accelerated. The
        /// loop lives in a struct over a row range, so <c>RowRanges.For</c> can split large grids across the worker pool.
        /// </summary>
        private static void RenderPointwiseKernel(IndentedTextWriter w, PointwiseOp p, string name)
        {
            // Operands are named after their buffers; inside the row loop, <name>_row points at row r.
            var operands = PointwiseNames.Operands(p);
            var distinct = PointwiseNames.Distinct(operands);
            var parameters = new List<string> { "int B", "int V" };
            var fields = new List<string> { "B", "V" };
            var pointers = new List<string>();
            foreach (var k in distinct) { parameters.Add("float* " + operands[k]); fields.Add(operands[k]); pointers.Add(operands[k]); }
            w.WriteLine("// " + p.Comment + ": rows " + S(p.Rows) + ", cols " + S(p.Cols));
            RenderText.Call(w, "private static void " + name, parameters, "");
            using (w.WriteBlock())
            {
                var assignments = new List<string>();
                foreach (var f in fields) assignments.Add(f + " = " + f);
                RenderText.Call(w, "var body = new " + name + "Rows", assignments, ";", " { ", " }");
                w.WriteLine("global::ModelDsl.Cpu.RowRanges.For(" + S(p.Rows) + ", " + S(p.Cols) + ", ref body);");
            }
            w.WriteLine();
            using (w.WriteBlock("private struct " + name + "Rows : global::ModelDsl.Cpu.IRowRangeBody"))
            {
                w.WriteLine("public int B, V;");
                RenderText.Call(w, "public float*", pointers, ";", " ", "");
                w.WriteLine();
                // Fully optimised from the first call: these loops run thousands of times per step and gain nothing from tiering.
                w.WriteLine("[global::System.Runtime.CompilerServices.MethodImplAttribute(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
                using (w.WriteBlock("public void Run(int r0, int r1)"))
                {
                    var roots = new List<Expr>();
                    foreach (var o in p.Outputs) roots.Add(o.Value);
                    var rows = new string[operands.Length];
                    for (int k = 0; k < operands.Length; k++) rows[k] = operands[k] + "_row";
                    using (w.WriteBlock("for (int r = r0; r < r1; r++)"))
                    {
                        foreach (var k in distinct)
                        {
                            var stride = k < p.Inputs.Count ? p.Inputs[k].RowStride : p.Outputs[k - p.Inputs.Count].Target.RowStride;
                            w.WriteLine("float* " + rows[k] + " = " + operands[k] + " + r * " + S(stride) + ";");
                        }
                        w.WriteLine("int c = 0;");
                        // The JIT folds IsHardwareAccelerated to a constant: one of the three loops survives (Vector128 on
                        // ARM64 and on x64 without AVX), and the scalar loop finishes the row, or does it all without SIMD.
                        VectorLoop(w, p, roots, rows, 16, "Vector512", ExprFlavor.Vector512, "if (global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)");
                        VectorLoop(w, p, roots, rows, 8, "Vector256", ExprFlavor.Vector256, "else if (global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)");
                        VectorLoop(w, p, roots, rows, 4, "Vector128", ExprFlavor.Vector128, "else if (global::System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated)");
                        using (w.WriteBlock("for (; c < " + S(p.Cols) + "; c++)"))
                        {
                            var names = ExprRenderer.Render(w, roots, ExprFlavor.Scalar, k => rows[k] + "[c]");
                            for (int j = 0; j < p.Outputs.Count; j++)
                                w.WriteLine(rows[p.Inputs.Count + j] + "[c] " + (p.Outputs[j].Accumulate ? "+=" : "=") + " " + names[j] + ";");
                        }
                    }
                }
            }
        }

        private static void VectorLoop(IndentedTextWriter w, PointwiseOp p, List<Expr> roots, string[] rows, int lanes, string type, ExprFlavor flavor, string condition)
        {
            if (p.Cols.IsConstant && p.Cols.Constant < lanes)
            {
                w.WriteLine(condition + " { }");
                return;
            }
            string v = "global::System.Runtime.Intrinsics." + type;
            string width = lanes.ToString(CultureInfo.InvariantCulture);
            using (w.WriteBlock(condition))
            using (w.WriteBlock("for (; c <= " + S(p.Cols) + " - " + width + "; c += " + width + ")"))
            {
                var names = ExprRenderer.Render(w, roots, flavor, k => v + ".Load(" + rows[k] + " + c)");
                for (int j = 0; j < p.Outputs.Count; j++)
                {
                    var row = rows[p.Inputs.Count + j];
                    var value = p.Outputs[j].Accumulate ? "(" + v + ".Load(" + row + " + c) + " + names[j] + ")" : names[j];
                    w.WriteLine(v + ".Store(" + value + ", " + row + " + c);");
                }
            }
        }

        private static string I(int i) => i.ToString(CultureInfo.InvariantCulture);
    }
}
