using System.Collections.Generic;
using System.Globalization;
using ModelDsl.Generators.Helpers;
using ModelDsl.Ir;

namespace ModelDsl.Generators.Emit
{
    /// <summary>
    /// Renders a lowered program for ILGPU: a class deriving <c>ModelDsl.Gpu.GpuProgram</c> whose forward and backward launch one
    /// kernel per op, in op order, on the program's float arena. Products, gathers, reductions, the softmaxes, attention, layer
    /// normalisation and the position bookkeeping call the library kernels; every pointwise op becomes its own kernel with cols
    /// and row strides baked in as constants, taking only the arena offsets of its operands (which depend on B, V and t) in
    /// one argument struct.
    /// </summary>
    internal static class GpuRenderer
    {
        private const string Index1D = "global::ILGPU.Index1D";
        private const string FloatView = "global::ILGPU.ArrayView<float>";
        private const string Args = "global::ModelDsl.Gpu.PointwiseArgs";

        /// <summary>Operand slots of <c>PointwiseArgs</c> (ModelDsl.Gpu.PointwiseArgs.MaxOperands).</summary>
        private const int MaxOperands = 32;

        public static void RenderFactory(IndentedTextWriter w, ProgramKind[] kinds, ProgramClassNames names)
        {
            w.WriteLine();
            w.WriteLine("protected override global::ModelDsl.Runtime.ProgramExecutor CreateGpuProgram(global::ModelDsl.Ir.ProgramKind kind, int batchCapacity, bool emulator) => kind switch");
            using (w.WriteBlock(null, "};"))
            {
                foreach (var kind in kinds)
                    w.WriteLine("global::ModelDsl.Ir.ProgramKind." + kind + " => new " + names.Gpu(kind) + "(this, batchCapacity, emulator),");
                w.WriteLine("_ => throw new global::System.NotSupportedException(GetType().Name + \" has no \" + kind + \" program (a model that flattens a sequence, reads it backwards or attends to later positions cannot step one token at a time; sample in window mode).\"),");
            }
        }

        /// <param name="name">The nested class's name (see <see cref="ProgramClassNames"/>).</param>
        public static void Render(IndentedTextWriter w, IrProgram program, string name)
        {
            var kernels = new PointwiseNames();
            kernels.Collect(program.Forward);
            kernels.Collect(program.Backward);
            var fused = RecurrentStepFusion.Find(program);
            var fusedKernels = new List<FusedStep>();
            foreach (var pair in fused)
                if (pair.Key is PointwiseOp cell && ReferenceEquals(pair.Value.Cell, cell)) fusedKernels.Add(pair.Value);
            // Each fused backward step reads Uᵀ from its own stretch of the arena's scratch.
            var transposed = new Dictionary<FusedStep, TransposedU>();
            long scratch = 0;
            foreach (var f in fusedKernels)
            {
                if (!f.Backward) continue;
                transposed[f] = new TransposedU(scratch, "transposed" + I(fusedKernels.IndexOf(f)));
                scratch += f.Product.N.Constant * f.Product.K.Constant;
            }
            var state = new RenderState(kernels, fused, transposed);
            w.WriteLine("/// <summary>The " + program.Kind.ToString().ToLowerInvariant() + " program as ILGPU kernels, one launch per op.</summary>");
            using (w.WriteBlock("private sealed class " + name + " : global::ModelDsl.Gpu.GpuProgram"))
            {
                foreach (var pair in kernels.All)
                    w.WriteLine("private readonly global::System.Action<" + Index1D + ", " + FloatView + ", " + Args + "> " + Field(pair.Key) + ";");
                foreach (var f in fusedKernels)
                    w.WriteLine("private readonly global::System.Action<" + (f.Backward ? "global::ILGPU.KernelConfig" : Index1D) + ", " + FloatView + ", " + Args + "> " + Field(kernels.NameOf(f.Cell) + "Fused") + ";");
                if (kernels.All.Count > 0) w.WriteLine();

                if (scratch > 0)
                {
                    w.WriteLine("protected override int ScratchFloats => " + scratch.ToString(CultureInfo.InvariantCulture) + ";");
                    w.WriteLine();
                }
                w.WriteLine("public " + name + "(global::ModelDsl.Model model, int batchCapacity, bool emulator)");
                w.WriteLine("    : base(model, global::ModelDsl.Ir.ProgramKind." + program.Kind + ", batchCapacity, emulator, \"" + ProgramFingerprint.Of(program) + "\")");
                using (w.WriteBlock())
                {
                    foreach (var pair in kernels.All)
                        w.WriteLine(Field(pair.Key) + " = LoadPointwise(" + pair.Key + "Kernel);");
                    foreach (var f in fusedKernels)
                        w.WriteLine(Field(kernels.NameOf(f.Cell) + "Fused") + " = " + (f.Backward ? "LoadGroupedPointwise(" : "LoadPointwise(") + kernels.NameOf(f.Cell) + "FusedKernel);");
                }
                if (HasMasks(program.Forward))
                {
                    w.WriteLine();
                    using (w.WriteBlock("protected override void DrawDropoutMasks(int B)"))
                    {
                        var masks = new HashSet<IrBuffer>();
                        CollectMasks(program.Forward, masks);
                        BufferLocals(w, program, masks);
                        foreach (var op in program.Forward) RenderMasks(w, op);
                    }
                }
                w.WriteLine();
                using (w.WriteBlock("protected override void RunForward(int B)"))
                {
                    BufferLocals(w, program);
                    foreach (var op in program.Forward) RenderOp(w, op, state);
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
                        foreach (var op in program.Backward) RenderOp(w, op, state);
                    }
                }
                foreach (var pair in kernels.All)
                {
                    w.WriteLine();
                    RenderPointwiseKernel(w, pair.Value, pair.Key);
                }
                foreach (var f in fusedKernels)
                {
                    w.WriteLine();
                    if (f.Backward) RenderFusedBackwardKernel(w, f, kernels.NameOf(f.Cell) + "Fused");
                    else RenderFusedStepKernel(w, f, kernels.NameOf(f.Cell) + "Fused");
                }
            }
        }

        /// <summary>Arena offsets of every buffer (or of those in <paramref name="only"/>), named as the buffers are.</summary>
        private static void BufferLocals(IndentedTextWriter w, IrProgram program, HashSet<IrBuffer>? only = null)
        {
            for (int i = 0; i < program.Buffers.Count; i++)
            {
                var b = program.Buffers[i];
                if (only != null && !only.Contains(b)) continue;
                var getter = b.ElementType == ElementType.Int32 ? "I" : "F";
                w.WriteLine("int " + b.Name + " = " + getter + "(" + I(i) + "); // " + b.Shape);
            }
        }

        private static string S(Size size) => RenderText.S(size);

        private static string Bool(bool b) => b ? "true" : "false";

        private static void RenderOp(IndentedTextWriter w, Op op, RenderState state) => new GpuOpWriter(w, state).Write(op);

        /// <summary>What rendering one program needs besides its ops: kernel names, the fused steps and where each fused backward step's Uᵀ lives.</summary>
        private sealed class RenderState
        {
            public RenderState(PointwiseNames kernels, Dictionary<Op, FusedStep> fused, Dictionary<FusedStep, TransposedU> transposed)
            {
                Kernels = kernels;
                Fused = fused;
                Transposed = transposed;
            }

            public PointwiseNames Kernels { get; }
            public Dictionary<Op, FusedStep> Fused { get; }
            public Dictionary<FusedStep, TransposedU> Transposed { get; }
        }

        /// <summary>A fused backward step's Uᵀ: its place in the arena's scratch and the generated local holding its offset.</summary>
        private sealed class TransposedU
        {
            public TransposedU(long scratchOffset, string name)
            {
                ScratchOffset = scratchOffset;
                Name = name;
            }

            public long ScratchOffset { get; }
            public string Name { get; }
        }

        /// <summary>Writes each op as its launch (or, for fused and time-batched ops, the launch that covers it).</summary>
        private sealed class GpuOpWriter : OpVisitor
        {
            private readonly IndentedTextWriter w;
            private readonly RenderState state;

            public GpuOpWriter(IndentedTextWriter writer, RenderState state)
            {
                w = writer;
                this.state = state;
            }

            private PointwiseNames Kernels => state.Kernels;

            public void Write(Op op)
            {
                if (op.Comment.Length > 0) RenderText.Line(w, "// " + op.Comment);
                Visit(op);
            }

            protected override void VisitLoop(LoopOp loop)
            {
                if (TimeBatching.Batchable(loop))
                {
                    // Steps that do not depend on each other: one launch per op covers them all (the per-step launches of a
                    // one-hot input projection, a position embedding or their gradients would each cost a launch per step).
                    w.WriteLine(loop.Count == 1 ? "// the one step, no loop" : "// all " + I(loop.Count) + " steps at once: each op's steps are independent");
                    foreach (var inner in loop.Body) RenderAllSteps(w, inner, loop.Count);
                    return;
                }

                // A fused backward step reads Uᵀ: transposed once, before the loop (U does not change during the pass).
                foreach (var inner in loop.Body)
                {
                    if (inner is PointwiseOp cell && state.Fused.TryGetValue(cell, out var f) && f.Backward)
                    {
                        var u = f.Product.B;
                        var t = state.Transposed[f];
                        RenderText.Line(w, "// " + cell.Name + ": Uᵀ for the fused backward step (coalesced reads)");
                        RenderText.Line(w, "int " + t.Name + " = FuseRecurrentBackward(" + S(cell.Cols) + ") ? TransposeToScratch("
                            + t.ScratchOffset.ToString(CultureInfo.InvariantCulture) + ", " + RenderText.Ptr(u) + ", " + S(u.RowStride) + ", "
                            + S(u.Rows) + ", " + S(u.Cols) + ") : -1;");
                    }
                }
                // The time loop stays on the host: each step's launches are queued in order on the one stream.
                var header = loop.Reverse
                    ? "for (int t = " + I(loop.Count - 1) + "; t >= 0; t--)"
                    : "for (int t = 0; t < " + I(loop.Count) + "; t++)";
                using (w.WriteBlock(header))
                    foreach (var inner in loop.Body) Write(inner);
            }

            protected override void VisitTokenMask(TokenMaskOp m) =>
                RenderText.Line(w, "TokenMask(" + RenderText.Ptr(m.Tokens) + ", " + S(m.Tokens.Stride) + ", " + S(m.Mask.Rows) + ", " + S(m.Mask.Cols) + ", " + RenderText.Ptr(m.Mask) + ", " + S(m.Mask.RowStride) + ");");

            protected override void VisitZero(ZeroOp z) =>
                RenderText.Line(w, "Zero(" + RenderText.Ptr(z.Target) + ", " + S(z.Target.Rows) + ", " + S(z.Target.Cols) + ", " + S(z.Target.RowStride) + ");");

            protected override void VisitCopy(CopyOp c) =>
                RenderText.Line(w, "Copy(" + RenderText.Ptr(c.Source) + ", " + S(c.Source.RowStride) + ", " + RenderText.Ptr(c.Target) + ", " + S(c.Target.RowStride) + ", "
                    + S(c.Target.Rows) + ", " + S(c.Target.Cols) + ");");

            protected override void VisitPointwise(PointwiseOp p)
            {
                if (state.Fused.TryGetValue(p, out var step))
                {
                    if (!step.Backward)
                    {
                        RenderText.Line(w, "// (launched with the product above)");
                        return;
                    }

                    var groupSize = S(p.Cols);
                    using (w.WriteBlock("if (FuseRecurrentBackward(" + groupSize + "))"))
                    {
                        RenderText.Line(w, "// " + p.Comment + ", with the product below in the same kernel (" + I(FusedRows) + " rows per group)");
                        RenderPointwiseCall(w, p, Kernels.NameOf(p) + "Fused", step, state.Transposed);
                    }
                    using (w.WriteBlock("else"))
                    {
                        RenderPointwiseCall(w, p, Kernels.NameOf(p), null, state.Transposed);
                        if (step.Product.Comment.Length > 0) RenderText.Line(w, "// " + step.Product.Comment);
                        RenderMatMul(w, step.Product);
                    }
                    return;
                }

                RenderPointwiseCall(w, p, Kernels.NameOf(p), null, state.Transposed);
            }

            protected override void VisitMatMul(MatMulOp m)
            {
                if (state.Fused.TryGetValue(m, out var step))
                {
                    if (step.Backward)
                    {
                        RenderText.Line(w, "// (launched with the cell above)");
                        return;
                    }

                    using (w.WriteBlock("if (FuseRecurrentSteps)"))
                    {
                        RenderText.Line(w, "// " + step.Cell.Comment + ", with the product above in the same kernel");
                        RenderPointwiseCall(w, step.Cell, Kernels.NameOf(step.Cell) + "Fused", step, state.Transposed);
                    }
                    using (w.WriteBlock("else"))
                    {
                        RenderMatMul(w, m);
                        if (step.Cell.Comment.Length > 0) RenderText.Line(w, "// " + step.Cell.Comment);
                        RenderPointwiseCall(w, step.Cell, Kernels.NameOf(step.Cell), null, state.Transposed);
                    }
                    return;
                }

                RenderMatMul(w, m);
            }

            protected override void VisitGatherRows(GatherRowsOp g)
            {
                RenderText.Line(w, "GatherRows(" + RenderText.Ptr(g.Table) + ", " + S(g.Table.RowStride) + ", " + RenderText.Ptr(g.Ids) + ", " + S(g.Ids.Stride) + ", "
                    + S(g.Output.Rows) + ", " + S(g.Output.Cols) + ", " + RenderText.Ptr(g.Output) + ", " + S(g.Output.RowStride) + ", "
                    + (g.Bias is null ? "-1" : RenderText.Ptr(g.Bias)) + ", accumulate: " + Bool(g.Accumulate) + ");");
            }

            protected override void VisitScatterAddRows(ScatterAddRowsOp s)
            {
                RenderText.Line(w, "ScatterAddRows(" + RenderText.Ptr(s.Source) + ", " + S(s.Source.RowStride) + ", " + RenderText.Ptr(s.Ids) + ", " + S(s.Ids.Stride) + ", "
                    + S(s.Source.Rows) + ", " + S(s.Source.Cols) + ", " + RenderText.Ptr(s.Table) + ", " + S(s.Table.RowStride) + ");");
            }

            protected override void VisitColumnSums(ColumnSumsOp c)
            {
                RenderText.Line(w, "ColumnSums(" + RenderText.Ptr(c.Source) + ", " + S(c.Source.Rows) + ", " + S(c.Source.Cols) + ", " + S(c.Source.RowStride) + ", "
                    + RenderText.Ptr(c.Sums) + ", accumulate: " + Bool(c.Accumulate) + ");");
            }

            protected override void VisitSoftmaxCrossEntropy(SoftmaxCrossEntropyOp x)
            {
                RenderText.Line(w, (x.Binary ? "SigmoidCrossEntropy(" : "SoftmaxCrossEntropy(") + RenderText.Ptr(x.Logits) + ", " + S(x.Logits.Rows) + ", " + S(x.Logits.Cols) + ", " + S(x.Logits.RowStride) + ", "
                    + RenderText.Ptr(x.Targets) + ", " + S(x.Targets.Stride) + ", "
                    + (x.DLogits is null ? "-1, 0" : RenderText.Ptr(x.DLogits) + ", " + S(x.DLogits.RowStride))
                    + (x.Steps == 1 ? "" : ", steps: " + x.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    + (x.IgnorePadding ? ", ignorePadding: true" : "") + ");");
            }

            protected override void VisitSoftmax(SoftmaxOp s)
            {
                RenderText.Line(w, "Softmax(" + RenderText.Ptr(s.Logits) + ", " + S(s.Logits.Rows) + ", " + S(s.Logits.Cols) + ", " + S(s.Logits.RowStride) + ", "
                    + RenderText.Ptr(s.Output) + ", " + S(s.Output.RowStride) + ");");
            }

            protected override void VisitDropoutMask(DropoutMaskOp _)
            {
                RenderText.Line(w, "// (drawn and uploaded in DrawDropoutMasks, before the first launch)");
            }


            protected override void VisitAttention(AttentionOp a)
            {
                RenderText.Line(w, "Attention(" + RenderText.Ptr(a.Q) + ", " + S(a.Q.RowStride) + ", " + RenderText.Ptr(a.K) + ", " + S(a.K.RowStride) + ", " + RenderText.Ptr(a.V) + ", " + S(a.V.RowStride) + ", "
                    + RenderText.Ptr(a.Output) + ", " + S(a.Output.RowStride) + ", B, " + I(a.Steps) + ", " + I(a.Heads) + ", " + I(a.KeySize) + ", causal: " + Bool(a.Causal) + ", " + Mask(a.Mask) + ", "
                    + (a.Probabilities is null ? "-1" : RenderText.Ptr(a.Probabilities)) + ");");
            }

            protected override void VisitAttentionBackward(AttentionBackwardOp g)
            {
                var a = g.Forward;
                RenderText.Line(w, "AttentionBackward(" + RenderText.Ptr(a.Q) + ", " + S(a.Q.RowStride) + ", " + RenderText.Ptr(a.K) + ", " + S(a.K.RowStride) + ", " + RenderText.Ptr(a.V) + ", " + S(a.V.RowStride) + ", "
                    + RenderText.Ptr(a.Probabilities!) + ", " + RenderText.Ptr(g.DOutput) + ", " + S(g.DOutput.RowStride) + ", " + RenderText.Ptr(g.DQ) + ", " + S(g.DQ.RowStride) + ", "
                    + RenderText.Ptr(g.DK) + ", " + S(g.DK.RowStride) + ", " + RenderText.Ptr(g.DV) + ", " + S(g.DV.RowStride) + ", B, " + I(a.Steps) + ", " + I(a.Heads) + ", " + I(a.KeySize) + ");");
            }

            protected override void VisitCachedAttention(CachedAttentionOp a)
            {
                RenderText.Line(w, "CachedAttention(" + RenderText.Ptr(a.Q) + ", " + S(a.Q.RowStride) + ", " + RenderText.Ptr(a.K) + ", " + S(a.K.RowStride) + ", " + RenderText.Ptr(a.V) + ", " + S(a.V.RowStride) + ", "
                    + RenderText.Ptr(a.Output) + ", " + S(a.Output.RowStride) + ", " + RenderText.Ptr(a.KeyCache) + ", " + RenderText.Ptr(a.ValueCache) + ", " + S(a.KeyCache.RowStride) + ", "
                    + RenderText.Ptr(a.Positions) + ", B, " + I(a.Heads) + ", " + I(a.KeySize) + ", " + I(a.Capacity) + ", " + Mask(a.Mask) + ");");
            }

            protected override void VisitLayerNorm(LayerNormOp n)
            {
                RenderText.Line(w, "LayerNorm(" + RenderText.Ptr(n.X) + ", " + S(n.X.RowStride) + ", " + RenderText.Ptr(n.Gamma) + ", " + RenderText.Ptr(n.Beta) + ", " + RenderText.Ptr(n.Y) + ", " + S(n.Y.RowStride) + ", "
                    + S(n.X.Rows) + ", " + S(n.X.Cols) + ", " + ExprRenderer.Constant(n.Epsilon, ExprFlavor.Scalar) + ", "
                    + (n.Mean is null ? "-1, -1" : RenderText.Ptr(n.Mean) + ", " + RenderText.Ptr(n.InverseStd!)) + ");");
            }

            protected override void VisitLayerNormBackward(LayerNormBackwardOp g)
            {
                var n = g.Forward;
                RenderText.Line(w, "LayerNormBackward(" + RenderText.Ptr(n.X) + ", " + S(n.X.RowStride) + ", " + RenderText.Ptr(n.Gamma) + ", " + RenderText.Ptr(n.Mean!) + ", " + RenderText.Ptr(n.InverseStd!) + ", "
                    + RenderText.Ptr(g.DY) + ", " + S(g.DY.RowStride) + ", " + RenderText.Ptr(g.DX) + ", " + S(g.DX.RowStride) + ", " + RenderText.Ptr(g.DGamma) + ", " + RenderText.Ptr(g.DBeta) + ", "
                    + S(n.X.Rows) + ", " + S(n.X.Cols) + ");");
            }

            protected override void VisitGatherPositions(GatherPositionsOp g)
            {
                RenderText.Line(w, "GatherPositions(" + RenderText.Ptr(g.Sequence) + ", " + S(g.Sequence.RowStride) + ", " + RenderText.Ptr(g.Positions) + ", B, " + S(g.Sequence.Rows) + " / B, "
                    + S(g.Output.Cols) + ", " + RenderText.Ptr(g.Output) + ", " + S(g.Output.RowStride) + ");");
            }

            protected override void VisitRecordTokens(RecordTokensOp r)
            {
                RenderText.Line(w, "RecordTokens(" + RenderText.Ptr(r.Tokens) + ", " + S(r.Tokens.Stride) + ", " + RenderText.Ptr(r.Positions) + ", " + r.History.Name + ", B, " + S(r.History.Length) + " / B);");
            }

            protected override void VisitGlobalPool(GlobalPoolOp g) =>
                RenderText.Line(w, "GlobalPool(" + PoolKindName(g.Kind) + ", " + RenderText.Ptr(g.Input) + ", " + S(g.Input.RowStride) + ", " + S(g.StepStride) + ", "
                    + PoolMask(g) + ", " + RenderText.Ptr(g.Output) + ", " + S(g.Output.RowStride) + ", "
                    + (g.ArgMax is null ? "-1, 0" : RenderText.Ptr(g.ArgMax) + ", " + S(g.ArgMax.RowStride)) + ", "
                    + S(g.Input.Rows) + ", " + I(g.Steps) + ", " + S(g.Input.Cols) + ");");

            protected override void VisitGlobalPoolBackward(GlobalPoolBackwardOp g)
            {
                var p = g.Forward;
                RenderText.Line(w, "GlobalPoolBackward(" + PoolKindName(p.Kind) + ", " + (p.ArgMax is null ? "-1, 0" : RenderText.Ptr(p.ArgMax) + ", " + S(p.ArgMax.RowStride)) + ", "
                    + PoolMask(p) + ", " + RenderText.Ptr(g.DOutput) + ", " + S(g.DOutput.RowStride) + ", " + RenderText.Ptr(g.DInput) + ", " + S(g.DInput.RowStride) + ", "
                    + S(g.DStepStride) + ", " + S(p.Input.Rows) + ", " + I(p.Steps) + ", " + S(p.Input.Cols) + ", accumulate: " + Bool(g.Accumulate) + ");");
            }

            protected override void VisitAdvancePositions(AdvancePositionsOp a)
            {
                RenderText.Line(w, "AdvancePositions(" + RenderText.Ptr(a.Positions) + ", B);");
            }
        }

        private static void RenderMatMul(IndentedTextWriter w, MatMulOp m) =>
            RenderText.Line(w, "MatMul(" + Bool(m.TransA) + ", " + Bool(m.TransB) + ", " + S(m.M) + ", " + S(m.N) + ", " + S(m.K) + ", "
                + RenderText.Ptr(m.A) + ", " + S(m.A.RowStride) + ", " + RenderText.Ptr(m.B) + ", " + S(m.B.RowStride) + ", "
                + RenderText.Ptr(m.C) + ", " + S(m.C.RowStride) + ", accumulate: " + Bool(m.Accumulate)
                + (m.Bias is null ? "" : ", bias: " + RenderText.Ptr(m.Bias)) + ");");

        /// <summary>A pointwise launch over rows · cols threads; a fused step also passes its product's A, U, C and bias.</summary>
        private static void RenderPointwiseCall(IndentedTextWriter w, PointwiseOp p, string kernel, FusedStep? step, Dictionary<FusedStep, TransposedU> transposed)
        {
            int slots = p.Inputs.Count + p.Outputs.Count + (step == null ? 0 : 4);
            if (slots > MaxOperands)
                throw new System.NotSupportedException(p.Name + " has more than " + I(MaxOperands) + " operands");
            var fields = new List<string> { "B = B", "V = V" };
            for (int k = 0; k < p.Inputs.Count; k++) fields.Add(InputSlot(k) + " = " + RenderText.Ptr(p.Inputs[k]));
            for (int j = 0; j < p.Outputs.Count; j++) fields.Add(OutputSlot(p, j) + " = " + RenderText.Ptr(p.Outputs[j].Target));
            if (step != null)
            {
                var m = step.Product;
                fields.Add(ProductSlot(p, 0) + " = " + RenderText.Ptr(m.A));
                fields.Add(ProductSlot(p, 1) + " = " + (step.Backward ? transposed[step].Name : RenderText.Ptr(m.B)));
                fields.Add(ProductSlot(p, 2) + " = " + RenderText.Ptr(m.C));
                fields.Add(ProductSlot(p, 3) + " = " + (m.Bias == null ? "-1" : RenderText.Ptr(m.Bias)));
            }
            var groups = "(" + S(p.Rows) + " + " + I(FusedRows - 1) + ") / " + I(FusedRows);
            if (step != null && step.Backward)
            {
                RenderText.Call(w, "GroupedPointwise(" + Field(kernel) + ", " + groups + ", " + S(p.Cols) + ", new " + Args, fields, ");", " { ", " }");
                return;
            }
            var threads = step == null ? S(p.Rows) + " * " + S(p.Cols) : groups + " * " + S(p.Cols);
            RenderText.Call(w, "Pointwise(" + Field(kernel) + ", " + threads + ", new " + Args, fields, ");", " { ", " }");
        }

        /// <summary>Slots after the cell's own operands: 0 = A (h_{t-1}), 1 = U, 2 = C, 3 = the product's bias row (or -1).</summary>
        private static string ProductSlot(PointwiseOp p, int i) => "O" + I(p.Inputs.Count + p.Outputs.Count + i);

        /// <summary>Rows of the cell one thread of a fused step computes: each U element it loads serves all of them.</summary>
        internal const int FusedRows = 4;

        /// <summary>
        /// The fused step: thread (r0, c) accumulates, for <see cref="FusedRows"/> rows r from r0, its slices' dot products
        /// h_{t-1}[r, :]·U[:, j·cols + c] (U read in coalesced rows by neighbouring threads and reused across the rows, h's
        /// rows broadcast), completes C as the product would have (kept: a GRU's backward reads it), then evaluates the
        /// cell for each row with those values in place of its slice inputs.
        /// </summary>
        private static void RenderFusedStepKernel(IndentedTextWriter w, FusedStep step, string name)
        {
            var p = step.Cell;
            var m = step.Product;
            w.WriteLine("// " + p.Comment + ", fused with " + (m.Comment.Length > 0 ? m.Comment : "its recurrent product") + ": rows " + S(p.Rows) + " (" + I(FusedRows) + " per thread), cols " + S(p.Cols));
            using (w.WriteBlock("private static void " + name + "Kernel(" + Index1D + " index, " + FloatView + " f, " + Args + " a)"))
            {
                var cols = K(p.Cols);
                w.WriteLine("int i = index;");
                w.WriteLine("int rows = " + K(p.Rows) + ";");
                w.WriteLine("int r0 = i / " + cols + " * " + I(FusedRows) + ";");
                w.WriteLine("int c = i - i / " + cols + " * " + cols + ";");
                // Rows past the end read the last row (always inside the arena) and are never written.
                for (int q = 0; q < FusedRows; q++)
                    w.WriteLine("int aRow" + I(q) + " = a." + ProductSlot(p, 0) + " + global::System.Math.Min(r0 + " + I(q) + ", rows - 1) * " + K(m.A.RowStride) + ";");
                for (int q = 0; q < FusedRows; q++)
                    for (int j = 0; j < step.Slices; j++) w.WriteLine("float p" + I(j) + "_" + I(q) + " = 0f;");
                using (w.WriteBlock("for (int k = 0; k < " + K(m.K) + "; k++)"))
                {
                    w.WriteLine("int u = a." + ProductSlot(p, 1) + " + k * " + K(m.B.RowStride) + " + c;");
                    for (int j = 0; j < step.Slices; j++)
                        w.WriteLine("float u" + I(j) + " = f[u + " + (j * step.Cols).ToString(CultureInfo.InvariantCulture) + "];");
                    for (int q = 0; q < FusedRows; q++)
                    {
                        w.WriteLine("float h" + I(q) + " = f[aRow" + I(q) + " + k];");
                        for (int j = 0; j < step.Slices; j++)
                            w.WriteLine("p" + I(j) + "_" + I(q) + " += h" + I(q) + " * u" + I(j) + ";");
                    }
                }
                for (int q = 0; q < FusedRows; q++)
                {
                    using (w.WriteBlock("if (r0 + " + I(q) + " < rows)"))
                    {
                        w.WriteLine("int r = r0 + " + I(q) + ";");
                        w.WriteLine("int cAt = a." + ProductSlot(p, 2) + " + r * " + K(m.C.RowStride) + " + c;");
                        for (int j = 0; j < step.Slices; j++)
                        {
                            var at = "cAt + " + (j * step.Cols).ToString(CultureInfo.InvariantCulture);
                            var value = "p" + I(j) + "_" + I(q);
                            if (m.Accumulate) value = "f[" + at + "] + " + value;
                            if (m.Bias != null) value += " + f[a." + ProductSlot(p, 3) + " + " + (j * step.Cols).ToString(CultureInfo.InvariantCulture) + " + c]";
                            w.WriteLine("float z" + I(j) + " = " + value + ";");
                            w.WriteLine("f[" + at + "] = z" + I(j) + ";");
                        }
                        var roots = new List<Expr>();
                        foreach (var o in p.Outputs) roots.Add(o.Value);
                        var names = ExprRenderer.Render(w, roots, ExprFlavor.Gpu,
                            k => step.SliceOf[k] >= 0 ? "z" + I(step.SliceOf[k]) : "f[a." + InputSlot(k) + " + r * " + K(p.Inputs[k].RowStride) + " + c]");
                        for (int j = 0; j < p.Outputs.Count; j++)
                            w.WriteLine("f[a." + OutputSlot(p, j) + " + r * " + K(p.Outputs[j].Target.RowStride) + " + c] " + (p.Outputs[j].Accumulate ? "+=" : "=") + " " + names[j] + ";");
                    }
                }
            }
        }

        /// <summary>The fused backward step (<see cref="TryFuseBackward"/>): a grouped kernel, one group per <see cref="FusedRows"/> rows.</summary>
        private static void RenderFusedBackwardKernel(IndentedTextWriter w, FusedStep step, string name)
        {
            var p = step.Cell;
            var m = step.Product;
            w.WriteLine("// " + p.Comment + ", fused with " + (m.Comment.Length > 0 ? m.Comment : "its recurrent product") + ": groups of " + I(FusedRows) + " rows × " + S(p.Cols) + " threads");
            using (w.WriteBlock("private static void " + name + "Kernel(" + FloatView + " f, " + Args + " a)"))
            {
                w.WriteLine("int rows = " + K(p.Rows) + ";");
                w.WriteLine("int r0 = global::ILGPU.Grid.IdxX * " + I(FusedRows) + ";");
                w.WriteLine("int c = global::ILGPU.Group.IdxX;");
                for (int q = 0; q < FusedRows; q++)
                {
                    using (w.WriteBlock("if (r0 + " + I(q) + " < rows)"))
                    {
                        w.WriteLine("int r = r0 + " + I(q) + ";");
                        var roots = new List<Expr>();
                        foreach (var o in p.Outputs) roots.Add(o.Value);
                        var names = ExprRenderer.Render(w, roots, ExprFlavor.Gpu, k => "f[a." + InputSlot(k) + " + r * " + K(p.Inputs[k].RowStride) + " + c]");
                        for (int j = 0; j < p.Outputs.Count; j++)
                            w.WriteLine("f[a." + OutputSlot(p, j) + " + r * " + K(p.Outputs[j].Target.RowStride) + " + c] " + (p.Outputs[j].Accumulate ? "+=" : "=") + " " + names[j] + ";");
                    }
                }
                w.WriteLine("// Every row of dz this group reads below is written above, by this group's threads.");
                w.WriteLine("global::ILGPU.Group.Barrier();");
                for (int q = 0; q < FusedRows; q++)
                {
                    w.WriteLine("int aRow" + I(q) + " = a." + ProductSlot(p, 0) + " + global::System.Math.Min(r0 + " + I(q) + ", rows - 1) * " + K(m.A.RowStride) + ";");
                    w.WriteLine("float acc" + I(q) + " = 0f;");
                }
                // Uᵀ[k, c] (the copy made before the loop, row stride N): neighbouring threads read neighbouring floats.
                w.WriteLine("int u = a." + ProductSlot(p, 1) + " + c;");
                using (w.WriteBlock("for (int k = 0; k < " + K(m.K) + "; k++)"))
                {
                    w.WriteLine("float uk = f[u + k * " + K(m.N) + "];");
                    for (int q = 0; q < FusedRows; q++) w.WriteLine("acc" + I(q) + " += f[aRow" + I(q) + " + k] * uk;");
                }
                for (int q = 0; q < FusedRows; q++)
                {
                    using (w.WriteBlock("if (r0 + " + I(q) + " < rows)"))
                    {
                        w.WriteLine("int at = a." + ProductSlot(p, 2) + " + (r0 + " + I(q) + ") * " + K(m.C.RowStride) + " + c;");
                        w.WriteLine("f[at] = " + (m.Accumulate ? "f[at] + " : "") + "acc" + I(q) + ";");
                    }
                }
            }
        }

        /// <summary>An op of a <see cref="TimeBatchable"/> loop for all <paramref name="steps"/> steps: addresses at t = 0 plus time strides.</summary>
        private static void RenderAllSteps(IndentedTextWriter w, Op op, int steps)
        {
            if (op.Comment.Length > 0) w.WriteLine("// " + op.Comment);
            var count = I(steps);
            switch (op)
            {
                case GatherRowsOp g:
                    w.WriteLine("GatherRows(" + Base(g.Table) + ", " + S(g.Table.RowStride) + ", " + Base(g.Ids.Buffer.Name, g.Ids.Offset) + ", " + S(g.Ids.Stride) + ", "
                        + S(g.Output.Rows) + ", " + S(g.Output.Cols) + ", " + Base(g.Output) + ", " + S(g.Output.RowStride) + ", "
                        + (g.Bias is null ? "-1" : Base(g.Bias)) + ", accumulate: " + Bool(g.Accumulate) + ", steps: " + count
                        + ", idTimeStride: " + S(g.Ids.TimeStride) + ", outputTimeStride: " + S(g.Output.TimeStride)
                        + ", biasTimeStride: " + (g.Bias is null ? "0" : S(g.Bias.TimeStride)) + ");");
                    break;
                case ScatterAddRowsOp s:
                    w.WriteLine("ScatterAddRows(" + Base(s.Source) + ", " + S(s.Source.RowStride) + ", " + Base(s.Ids.Buffer.Name, s.Ids.Offset) + ", " + S(s.Ids.Stride) + ", "
                        + S(s.Source.Rows) + ", " + S(s.Source.Cols) + ", " + Base(s.Table) + ", " + S(s.Table.RowStride) + ", steps: " + count
                        + ", sourceTimeStride: " + S(s.Source.TimeStride) + ", idTimeStride: " + S(s.Ids.TimeStride) + ");");
                    break;
                case ColumnSumsOp c:
                    w.WriteLine("ColumnSums(" + Base(c.Source) + ", " + S(c.Source.Rows) + ", " + S(c.Source.Cols) + ", " + S(c.Source.RowStride) + ", "
                        + Base(c.Sums) + ", accumulate: " + Bool(c.Accumulate) + ", steps: " + count
                        + ", sourceTimeStride: " + S(c.Source.TimeStride) + ", sumsTimeStride: " + S(c.Sums.TimeStride) + ");");
                    break;
                default:
                    throw new System.NotSupportedException(op.GetType().Name);
            }
        }

        /// <summary>A view's offset at t = 0 (its time stride applied by the kernel).</summary>
        private static string Base(View v) => Base(v.Buffer.Name, v.Offset);

        private static string Base(string buffer, Size offset) => offset == Size.Zero ? buffer : buffer + " + " + S(offset);

        /// <summary>A padding mask as (int-arena offset, batch stride, position stride), or -1 when there is none.</summary>
        private static string Mask(KeyTokens? mask)
        {
            if (mask is null) return "-1, 0, 0";
            var offset = mask.Buffer.Name + (mask.Offset == Size.Zero ? "" : " + " + S(mask.Offset));
            return offset + ", " + S(mask.BatchStride) + ", " + S(mask.PositionStride);
        }

        private static void CollectMasks(IReadOnlyList<Op> ops, HashSet<IrBuffer> masks)
        {
            foreach (var op in ops)
            {
                if (op is DropoutMaskOp d) masks.Add(d.Mask.Buffer);
                else if (op is LoopOp loop) CollectMasks(loop.Body, masks);
            }
        }

        private static bool HasMasks(IReadOnlyList<Op> ops)
        {
            foreach (var op in ops)
                if (op is DropoutMaskOp || (op is LoopOp loop && HasMasks(loop.Body))) return true;
            return false;
        }

        /// <summary>Only the dropout masks of the forward, in op order (loops kept), so the draws follow the interpreter's order.</summary>
        private static void RenderMasks(IndentedTextWriter w, Op op)
        {
            switch (op)
            {
                case LoopOp loop when HasMasks(loop.Body):
                {
                    var header = loop.Reverse
                        ? "for (int t = " + I(loop.Count - 1) + "; t >= 0; t--)"
                        : "for (int t = 0; t < " + I(loop.Count) + "; t++)";
                    using (w.WriteBlock(header))
                        foreach (var inner in loop.Body) RenderMasks(w, inner);
                    break;
                }
                case DropoutMaskOp d:
                    if (d.Comment.Length > 0) w.WriteLine("// " + d.Comment);
                    w.WriteLine("DropoutMask(" + RenderText.Ptr(d.Mask) + ", " + S(d.Mask.Rows) + ", " + S(d.Mask.Cols) + ", " + S(d.Mask.RowStride) + ", "
                        + ExprRenderer.Constant(d.Rate, ExprFlavor.Scalar) + ");");
                    break;
            }
        }

        /// <summary>
        /// One thread per element of the [rows, cols] grid: (r, c) from the index with cols a constant, each input loaded once,
        /// the shared subexpressions computed once, every output written (or accumulated) at its own row stride.
        /// </summary>
        private static void RenderPointwiseKernel(IndentedTextWriter w, PointwiseOp p, string name)
        {
            // Operands are named after their buffers: each is the arena offset in its slot of the argument struct.
            var operands = PointwiseNames.Operands(p);
            w.WriteLine("// " + p.Comment + ": rows " + S(p.Rows) + ", cols " + S(p.Cols));
            using (w.WriteBlock("private static void " + name + "Kernel(" + Index1D + " index, " + FloatView + " f, " + Args + " a)"))
            {
                var cols = K(p.Cols);
                w.WriteLine("int i = index;");
                w.WriteLine("int r = i / " + cols + ";");
                w.WriteLine("int c = i - r * " + cols + ";");
                foreach (var k in PointwiseNames.Distinct(operands))
                    w.WriteLine("int " + operands[k] + " = a." + (k < p.Inputs.Count ? InputSlot(k) : OutputSlot(p, k - p.Inputs.Count)) + ";");
                var roots = new List<Expr>();
                foreach (var o in p.Outputs) roots.Add(o.Value);
                var names = ExprRenderer.Render(w, roots, ExprFlavor.Gpu, k => "f[" + operands[k] + " + r * " + K(p.Inputs[k].RowStride) + " + c]");
                for (int j = 0; j < p.Outputs.Count; j++)
                    w.WriteLine("f[" + operands[p.Inputs.Count + j] + " + r * " + K(p.Outputs[j].Target.RowStride) + " + c] " + (p.Outputs[j].Accumulate ? "+=" : "=") + " " + names[j] + ";");
            }
        }

        private static string PoolKindName(PoolKind kind) => "global::ModelDsl.Ir.PoolKind." + kind;

        /// <summary>A global pool's mask as (int-arena offset, stride between batch rows, stride between steps), or -1 when every step counts.</summary>
        private static string PoolMask(GlobalPoolOp g) => g.Mask is null
            ? "-1, 0, 0"
            : RenderText.Ptr(g.Mask) + ", " + S(g.Mask.Stride) + ", " + S(g.MaskStepStride);

        /// <summary>A size inside a kernel: a literal when constant, else over the argument struct's B and V.</summary>
        private static string K(Size size) => size.Render("a.B", "a.V");

        private static string InputSlot(int k) => "O" + I(k);

        private static string OutputSlot(PointwiseOp p, int j) => "O" + I(p.Inputs.Count + j);

        private static string Field(string kernel) => "_" + char.ToLowerInvariant(kernel[0]) + kernel.Substring(1);

        private static string I(int i) => i.ToString(CultureInfo.InvariantCulture);
    }

}
