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
            var fused = new Dictionary<Op, FusedStep>();
            CollectFusedSteps(program.Forward, fused);
            CollectFusedSteps(program.Backward, fused);
            kernels.Fused = fused;
            var fusedKernels = new List<FusedStep>();
            foreach (var pair in fused)
                if (pair.Key is PointwiseOp cell && ReferenceEquals(pair.Value.Cell, cell)) fusedKernels.Add(pair.Value);
            // Each fused backward step reads Uᵀ from its own stretch of the arena's scratch.
            long scratch = 0;
            foreach (var f in fusedKernels)
            {
                if (!f.Backward) continue;
                f.ScratchOffset = scratch;
                f.TransposedName = "transposed" + I(fusedKernels.IndexOf(f));
                scratch += f.Product.N.Constant * f.Product.K.Constant;
            }
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
                    foreach (var op in program.Forward) RenderOp(w, op, kernels);
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

        private static string S(Size size) => CpuRenderer.S(size);

        private static string Bool(bool b) => b ? "true" : "false";

        private static void RenderOp(IndentedTextWriter w, Op op, PointwiseNames kernels)
        {
            if (op.Comment.Length > 0) w.WriteLine("// " + op.Comment);
            switch (op)
            {
                case LoopOp loop when TimeBatchable(loop):
                    // Steps that do not depend on each other: one launch per op covers them all (the per-step launches of a
                    // one-hot input projection, a position embedding or their gradients would each cost a launch per step).
                    w.WriteLine(loop.Count == 1 ? "// the one step, no loop" : "// all " + I(loop.Count) + " steps at once: each op's steps are independent");
                    foreach (var inner in loop.Body) RenderAllSteps(w, inner, loop.Count);
                    break;
                case LoopOp loop:
                {
                    // A fused backward step reads Uᵀ: transposed once, before the loop (U does not change during the pass).
                    foreach (var inner in loop.Body)
                    {
                        if (inner is PointwiseOp cell && kernels.Fused != null && kernels.Fused.TryGetValue(cell, out var f) && f.Backward)
                        {
                            var u = f.Product.B;
                            w.WriteLine("// " + cell.Name + ": Uᵀ for the fused backward step (coalesced reads)");
                            w.WriteLine("int " + f.TransposedName + " = FuseRecurrentBackward(" + S(cell.Cols) + ") ? TransposeToScratch("
                                + f.ScratchOffset.ToString(CultureInfo.InvariantCulture) + ", " + CpuRenderer.Ptr(u) + ", " + S(u.RowStride) + ", "
                                + S(u.Rows) + ", " + S(u.Cols) + ") : -1;");
                        }
                    }
                    // The time loop stays on the host: each step's launches are queued in order on the one stream.
                    var header = loop.Reverse
                        ? "for (int t = " + I(loop.Count - 1) + "; t >= 0; t--)"
                        : "for (int t = 0; t < " + I(loop.Count) + "; t++)";
                    using (w.WriteBlock(header))
                        foreach (var inner in loop.Body) RenderOp(w, inner, kernels);
                    break;
                }
                case TokenMaskOp m:
                    w.WriteLine("TokenMask(" + CpuRenderer.Ptr(m.Tokens) + ", " + S(m.Tokens.Stride) + ", " + S(m.Mask.Rows) + ", " + S(m.Mask.Cols) + ", " + CpuRenderer.Ptr(m.Mask) + ", " + S(m.Mask.RowStride) + ");");
                    break;
                case ZeroOp z:
                    w.WriteLine("Zero(" + CpuRenderer.Ptr(z.Target) + ", " + S(z.Target.Rows) + ", " + S(z.Target.Cols) + ", " + S(z.Target.RowStride) + ");");
                    break;
                case CopyOp c:
                    w.WriteLine("Copy(" + CpuRenderer.Ptr(c.Source) + ", " + S(c.Source.RowStride) + ", " + CpuRenderer.Ptr(c.Target) + ", " + S(c.Target.RowStride) + ", "
                        + S(c.Target.Rows) + ", " + S(c.Target.Cols) + ");");
                    break;
                case PointwiseOp p when kernels.Fused != null && kernels.Fused.TryGetValue(p, out var back) && back.Backward:
                {
                    var groupSize = S(p.Cols);
                    using (w.WriteBlock("if (FuseRecurrentBackward(" + groupSize + "))"))
                    {
                        w.WriteLine("// " + p.Comment + ", with the product below in the same kernel (" + I(FusedRows) + " rows per group)");
                        RenderPointwiseCall(w, p, kernels.NameOf(p) + "Fused", back);
                    }
                    using (w.WriteBlock("else"))
                    {
                        RenderPointwiseCall(w, p, kernels.NameOf(p), null);
                        if (back.Product.Comment.Length > 0) w.WriteLine("// " + back.Product.Comment);
                        RenderMatMul(w, back.Product);
                    }
                    break;
                }
                case MatMulOp m when kernels.Fused != null && kernels.Fused.TryGetValue(m, out var pair) && pair.Backward:
                    w.WriteLine("// (launched with the cell above)");
                    break;
                case MatMulOp m when kernels.Fused != null && kernels.Fused.TryGetValue(m, out var step):
                    using (w.WriteBlock("if (FuseRecurrentSteps)"))
                    {
                        w.WriteLine("// " + step.Cell.Comment + ", with the product above in the same kernel");
                        RenderPointwiseCall(w, step.Cell, kernels.NameOf(step.Cell) + "Fused", step);
                    }
                    using (w.WriteBlock("else"))
                    {
                        RenderMatMul(w, m);
                        if (step.Cell.Comment.Length > 0) w.WriteLine("// " + step.Cell.Comment);
                        RenderPointwiseCall(w, step.Cell, kernels.NameOf(step.Cell), null);
                    }
                    break;
                case PointwiseOp p when kernels.Fused != null && kernels.Fused.ContainsKey(p):
                    w.WriteLine("// (launched with the product above)");
                    break;
                case MatMulOp m:
                    RenderMatMul(w, m);
                    break;
                case GatherRowsOp g:
                    w.WriteLine("GatherRows(" + CpuRenderer.Ptr(g.Table) + ", " + S(g.Table.RowStride) + ", " + CpuRenderer.Ptr(g.Ids) + ", " + S(g.Ids.Stride) + ", "
                        + S(g.Output.Rows) + ", " + S(g.Output.Cols) + ", " + CpuRenderer.Ptr(g.Output) + ", " + S(g.Output.RowStride) + ", "
                        + (g.Bias is null ? "-1" : CpuRenderer.Ptr(g.Bias)) + ", accumulate: " + Bool(g.Accumulate) + ");");
                    break;
                case ScatterAddRowsOp s:
                    w.WriteLine("ScatterAddRows(" + CpuRenderer.Ptr(s.Source) + ", " + S(s.Source.RowStride) + ", " + CpuRenderer.Ptr(s.Ids) + ", " + S(s.Ids.Stride) + ", "
                        + S(s.Source.Rows) + ", " + S(s.Source.Cols) + ", " + CpuRenderer.Ptr(s.Table) + ", " + S(s.Table.RowStride) + ");");
                    break;
                case ColumnSumsOp c:
                    w.WriteLine("ColumnSums(" + CpuRenderer.Ptr(c.Source) + ", " + S(c.Source.Rows) + ", " + S(c.Source.Cols) + ", " + S(c.Source.RowStride) + ", "
                        + CpuRenderer.Ptr(c.Sums) + ", accumulate: " + Bool(c.Accumulate) + ");");
                    break;
                case SoftmaxCrossEntropyOp x:
                    w.WriteLine((x.Binary ? "SigmoidCrossEntropy(" : "SoftmaxCrossEntropy(") + CpuRenderer.Ptr(x.Logits) + ", " + S(x.Logits.Rows) + ", " + S(x.Logits.Cols) + ", " + S(x.Logits.RowStride) + ", "
                        + CpuRenderer.Ptr(x.Targets) + ", " + S(x.Targets.Stride) + ", "
                        + (x.DLogits is null ? "-1, 0" : CpuRenderer.Ptr(x.DLogits) + ", " + S(x.DLogits.RowStride))
                        + (x.Steps == 1 ? "" : ", steps: " + x.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture))
                        + (x.IgnorePadding ? ", ignorePadding: true" : "") + ");");
                    break;
                case SoftmaxOp s:
                    w.WriteLine("Softmax(" + CpuRenderer.Ptr(s.Logits) + ", " + S(s.Logits.Rows) + ", " + S(s.Logits.Cols) + ", " + S(s.Logits.RowStride) + ", "
                        + CpuRenderer.Ptr(s.Output) + ", " + S(s.Output.RowStride) + ");");
                    break;
                case DropoutMaskOp _:
                    w.WriteLine("// (drawn and uploaded in DrawDropoutMasks, before the first launch)");
                    break;
                case PointwiseOp p:
                    RenderPointwiseCall(w, p, kernels.NameOf(p), null);
                    break;
                case AttentionOp a:
                    w.WriteLine("Attention(" + CpuRenderer.Ptr(a.Q) + ", " + S(a.Q.RowStride) + ", " + CpuRenderer.Ptr(a.K) + ", " + S(a.K.RowStride) + ", " + CpuRenderer.Ptr(a.V) + ", " + S(a.V.RowStride) + ", "
                        + CpuRenderer.Ptr(a.Output) + ", " + S(a.Output.RowStride) + ", B, " + I(a.Steps) + ", " + I(a.Heads) + ", " + I(a.KeySize) + ", causal: " + Bool(a.Causal) + ", " + Mask(a.Mask) + ", "
                        + (a.Probabilities is null ? "-1" : CpuRenderer.Ptr(a.Probabilities)) + ");");
                    break;
                case AttentionBackwardOp g:
                {
                    var a = g.Forward;
                    w.WriteLine("AttentionBackward(" + CpuRenderer.Ptr(a.Q) + ", " + S(a.Q.RowStride) + ", " + CpuRenderer.Ptr(a.K) + ", " + S(a.K.RowStride) + ", " + CpuRenderer.Ptr(a.V) + ", " + S(a.V.RowStride) + ", "
                        + CpuRenderer.Ptr(a.Probabilities!) + ", " + CpuRenderer.Ptr(g.DOutput) + ", " + S(g.DOutput.RowStride) + ", " + CpuRenderer.Ptr(g.DQ) + ", " + S(g.DQ.RowStride) + ", "
                        + CpuRenderer.Ptr(g.DK) + ", " + S(g.DK.RowStride) + ", " + CpuRenderer.Ptr(g.DV) + ", " + S(g.DV.RowStride) + ", B, " + I(a.Steps) + ", " + I(a.Heads) + ", " + I(a.KeySize) + ");");
                    break;
                }
                case CachedAttentionOp a:
                    w.WriteLine("CachedAttention(" + CpuRenderer.Ptr(a.Q) + ", " + S(a.Q.RowStride) + ", " + CpuRenderer.Ptr(a.K) + ", " + S(a.K.RowStride) + ", " + CpuRenderer.Ptr(a.V) + ", " + S(a.V.RowStride) + ", "
                        + CpuRenderer.Ptr(a.Output) + ", " + S(a.Output.RowStride) + ", " + CpuRenderer.Ptr(a.KeyCache) + ", " + CpuRenderer.Ptr(a.ValueCache) + ", " + S(a.KeyCache.RowStride) + ", "
                        + CpuRenderer.Ptr(a.Positions) + ", B, " + I(a.Heads) + ", " + I(a.KeySize) + ", " + I(a.Capacity) + ", " + Mask(a.Mask) + ");");
                    break;
                case LayerNormOp n:
                    w.WriteLine("LayerNorm(" + CpuRenderer.Ptr(n.X) + ", " + S(n.X.RowStride) + ", " + CpuRenderer.Ptr(n.Gamma) + ", " + CpuRenderer.Ptr(n.Beta) + ", " + CpuRenderer.Ptr(n.Y) + ", " + S(n.Y.RowStride) + ", "
                        + S(n.X.Rows) + ", " + S(n.X.Cols) + ", " + ExprRenderer.Constant(n.Epsilon, ExprFlavor.Scalar) + ", "
                        + (n.Mean is null ? "-1, -1" : CpuRenderer.Ptr(n.Mean) + ", " + CpuRenderer.Ptr(n.InverseStd!)) + ");");
                    break;
                case LayerNormBackwardOp g:
                {
                    var n = g.Forward;
                    w.WriteLine("LayerNormBackward(" + CpuRenderer.Ptr(n.X) + ", " + S(n.X.RowStride) + ", " + CpuRenderer.Ptr(n.Gamma) + ", " + CpuRenderer.Ptr(n.Mean!) + ", " + CpuRenderer.Ptr(n.InverseStd!) + ", "
                        + CpuRenderer.Ptr(g.DY) + ", " + S(g.DY.RowStride) + ", " + CpuRenderer.Ptr(g.DX) + ", " + S(g.DX.RowStride) + ", " + CpuRenderer.Ptr(g.DGamma) + ", " + CpuRenderer.Ptr(g.DBeta) + ", "
                        + S(n.X.Rows) + ", " + S(n.X.Cols) + ");");
                    break;
                }
                case GatherPositionsOp g:
                    w.WriteLine("GatherPositions(" + CpuRenderer.Ptr(g.Sequence) + ", " + S(g.Sequence.RowStride) + ", " + CpuRenderer.Ptr(g.Positions) + ", B, " + S(g.Sequence.Rows) + " / B, "
                        + S(g.Output.Cols) + ", " + CpuRenderer.Ptr(g.Output) + ", " + S(g.Output.RowStride) + ");");
                    break;
                case RecordTokensOp r:
                    w.WriteLine("RecordTokens(" + CpuRenderer.Ptr(r.Tokens) + ", " + S(r.Tokens.Stride) + ", " + CpuRenderer.Ptr(r.Positions) + ", " + r.History.Name + ", B, " + S(r.History.Length) + " / B);");
                    break;
                case AdvancePositionsOp a:
                    w.WriteLine("AdvancePositions(" + CpuRenderer.Ptr(a.Positions) + ", B);");
                    break;
                default:
                    throw new System.NotSupportedException(op.GetType().Name);
            }
        }

        private static void RenderMatMul(IndentedTextWriter w, MatMulOp m) =>
            w.WriteLine("MatMul(" + Bool(m.TransA) + ", " + Bool(m.TransB) + ", " + S(m.M) + ", " + S(m.N) + ", " + S(m.K) + ", "
                + CpuRenderer.Ptr(m.A) + ", " + S(m.A.RowStride) + ", " + CpuRenderer.Ptr(m.B) + ", " + S(m.B.RowStride) + ", "
                + CpuRenderer.Ptr(m.C) + ", " + S(m.C.RowStride) + ", accumulate: " + Bool(m.Accumulate)
                + (m.Bias is null ? "" : ", bias: " + CpuRenderer.Ptr(m.Bias)) + ");");

        /// <summary>A pointwise launch over rows · cols threads; a fused step also passes its product's A, U, C and bias.</summary>
        private static void RenderPointwiseCall(IndentedTextWriter w, PointwiseOp p, string kernel, FusedStep? step)
        {
            int slots = p.Inputs.Count + p.Outputs.Count + (step == null ? 0 : 4);
            if (slots > MaxOperands)
                throw new System.NotSupportedException(p.Name + " has more than " + I(MaxOperands) + " operands");
            var fields = new List<string> { "B = B", "V = V" };
            for (int k = 0; k < p.Inputs.Count; k++) fields.Add(InputSlot(k) + " = " + CpuRenderer.Ptr(p.Inputs[k]));
            for (int j = 0; j < p.Outputs.Count; j++) fields.Add(OutputSlot(p, j) + " = " + CpuRenderer.Ptr(p.Outputs[j].Target));
            if (step != null)
            {
                var m = step.Product;
                fields.Add(ProductSlot(p, 0) + " = " + CpuRenderer.Ptr(m.A));
                fields.Add(ProductSlot(p, 1) + " = " + (step.Backward ? step.TransposedName : CpuRenderer.Ptr(m.B)));
                fields.Add(ProductSlot(p, 2) + " = " + CpuRenderer.Ptr(m.C));
                fields.Add(ProductSlot(p, 3) + " = " + (m.Bias == null ? "-1" : CpuRenderer.Ptr(m.Bias)));
            }
            var groups = "(" + S(p.Rows) + " + " + I(FusedRows - 1) + ") / " + I(FusedRows);
            if (step != null && step.Backward)
            {
                w.WriteLine("GroupedPointwise(" + Field(kernel) + ", " + groups + ", " + S(p.Cols) + ", new " + Args + " { " + string.Join(", ", fields) + " });");
                return;
            }
            var threads = step == null ? S(p.Rows) + " * " + S(p.Cols) : groups + " * " + S(p.Cols);
            w.WriteLine("Pointwise(" + Field(kernel) + ", " + threads + ", new " + Args + " { " + string.Join(", ", fields) + " });");
        }

        /// <summary>Slots after the cell's own operands: 0 = A (h_{t-1}), 1 = U, 2 = C, 3 = the product's bias row (or -1).</summary>
        private static string ProductSlot(PointwiseOp p, int i) => "O" + I(p.Inputs.Count + p.Outputs.Count + i);

        /// <summary>
        /// Largest recurrent matrix U, as stored ([state width, gates × state width]), whose step is fused: a forward thread
        /// computes its slices' dot products over U's rows, a backward thread one dot product over U's columns, for each of
        /// its rows.
        /// </summary>
        internal const int FusedMaxURows = 256, FusedMaxUCols = 1024;

        private static void CollectFusedSteps(IReadOnlyList<Op> ops, Dictionary<Op, FusedStep> fused)
        {
            for (int i = 0; i < ops.Count; i++)
            {
                if (ops[i] is LoopOp loop) CollectFusedSteps(loop.Body, fused);
                else if (ops[i] is MatMulOp m && i + 1 < ops.Count && ops[i + 1] is PointwiseOp p && TryFuse(m, p) is FusedStep step)
                {
                    fused[m] = step;
                    fused[p] = step;
                    i++; // an op belongs to one fused pair at most
                }
                else if (ops[i] is PointwiseOp q && i + 1 < ops.Count && ops[i + 1] is MatMulOp n && TryFuseBackward(q, n) is FusedStep back)
                {
                    fused[q] = back;
                    fused[n] = back;
                    i++;
                }
            }
        }

        /// <summary>
        /// A per-step recurrent product C (+)= A·U (+ bias) followed by the cell that reads C only as whole column slices
        /// [j·cols, (j+1)·cols), which together cover C: thread (r, c) can then compute its own C[r, j·cols + c] for every j
        /// and run the cell on them, with no other thread reading or writing those elements. Null when any condition fails:
        /// transposes, a non-constant or too large U, cell outputs over A's rows of this step or over U, other uses of C.
        /// </summary>
        internal static FusedStep? TryFuse(MatMulOp m, PointwiseOp p)
        {
            if (m.TransA || m.TransB || !m.N.IsConstant || !m.K.IsConstant || !p.Cols.IsConstant) return null;
            long n = m.N.Constant, k = m.K.Constant, cols = p.Cols.Constant;
            if (k > FusedMaxURows || n > FusedMaxUCols || cols <= 0 || n % cols != 0 || p.Rows != m.M) return null;
            if (m.B.IsTimeIndexed || !m.A.IsTimeIndexed || !m.C.IsTimeIndexed) return null;
            int slices = (int)(n / cols);
            var sliceOf = new int[p.Inputs.Count];
            var covered = new bool[slices];
            for (int i = 0; i < p.Inputs.Count; i++)
            {
                sliceOf[i] = -1;
                var v = p.Inputs[i];
                if (v.Buffer != m.C.Buffer) continue;
                int j = SliceIndex(m.C, v, cols, slices);
                if (j < 0) return null;
                sliceOf[i] = j;
                covered[j] = true;
            }
            foreach (var c in covered)
                if (!c) return null;
            var slab = m.A.Rows * m.A.RowStride;
            foreach (var o in p.Outputs)
            {
                var v = o.Target;
                if (v.Buffer == m.B.Buffer) return null;
                if (v.Buffer == m.C.Buffer && SliceIndex(m.C, v, cols, slices) < 0) return null;
                if (v.Buffer == m.A.Buffer)
                {
                    // The next step's state beside this step's (either time direction): never over the rows being read.
                    var d = v.Offset - m.A.Offset;
                    if (v.TimeStride != m.A.TimeStride || v.RowStride != m.A.RowStride || (d != slab && d != Size.Zero - slab)) return null;
                }
            }
            return new FusedStep(m, p, sliceOf, slices, cols);
        }

        /// <summary>Which column slice of C the view is (same strides, a constant offset of j·cols), or -1.</summary>
        private static int SliceIndex(View c, View v, long cols, int slices)
        {
            if (v.RowStride != c.RowStride || v.TimeStride != c.TimeStride || v.Rows != c.Rows || !v.Cols.IsConstant || v.Cols.Constant != cols) return -1;
            var d = v.Offset - c.Offset;
            if (!d.IsConstant || d.Constant < 0 || d.Constant % cols != 0 || d.Constant / cols >= slices) return -1;
            return (int)(d.Constant / cols);
        }

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

        /// <summary>
        /// The backward of a recurrent step: the cell's backward writes dz_t (every column slice of the product's A), then
        /// dh_{t-1} (+)= dz_t·Uᵀ. Fused into one kernel of one group per <see cref="FusedRows"/> rows and one thread per
        /// cell column: each thread runs the cell backward for its rows, the group waits at a barrier (its rows of dz_t are
        /// then all written), and thread c computes dh_{t-1}[r, c] for the group's rows. Accepted only when the product's
        /// columns are the cell's (thread c owns C[r, c] in both halves), the cell writes every slice of A and writes C only
        /// as exactly C's view, and reads C's buffer only there or in an adjacent time slot (never rows another group writes).
        /// </summary>
        internal static FusedStep? TryFuseBackward(PointwiseOp p, MatMulOp m)
        {
            if (m.TransA || !m.TransB || m.Bias != null || !m.N.IsConstant || !m.K.IsConstant || !p.Cols.IsConstant) return null;
            long n = m.N.Constant, k = m.K.Constant, cols = p.Cols.Constant;
            // op(B) = Uᵀ: U is stored [n, k], so n is its row count and k its column count.
            if (n != cols || n > FusedMaxURows || k > FusedMaxUCols || cols <= 0 || k % cols != 0 || p.Rows != m.M) return null;
            if (m.B.IsTimeIndexed || !m.A.IsTimeIndexed || !m.C.IsTimeIndexed) return null;
            if (m.A.Buffer == m.C.Buffer || m.A.Buffer == m.B.Buffer || m.C.Buffer == m.B.Buffer) return null;
            int slices = (int)(k / cols);
            var covered = new bool[slices];
            var slab = m.C.Rows * m.C.RowStride;
            foreach (var o in p.Outputs)
            {
                var v = o.Target;
                if (v.Buffer == m.B.Buffer) return null;
                if (v.Buffer == m.A.Buffer)
                {
                    int j = SliceIndex(m.A, v, cols, slices);
                    if (j < 0) return null;
                    covered[j] = true;
                }
                if (v.Buffer == m.C.Buffer && !SameView(v, m.C)) return null;
            }
            foreach (var c in covered)
                if (!c) return null;
            foreach (var v in p.Inputs)
            {
                if (v.Buffer == m.A.Buffer && SliceIndex(m.A, v, cols, slices) < 0) return null;
                if (v.Buffer == m.C.Buffer && !SameView(v, m.C))
                {
                    var d = v.Offset - m.C.Offset;
                    if (v.TimeStride != m.C.TimeStride || v.RowStride != m.C.RowStride || (d != slab && d != Size.Zero - slab)) return null;
                }
            }
            return new FusedStep(m, p, System.Array.Empty<int>(), slices, cols, backward: true);
        }

        private static bool SameView(View a, View b) =>
            a.Buffer == b.Buffer && a.Offset == b.Offset && a.RowStride == b.RowStride && a.TimeStride == b.TimeStride && a.Rows == b.Rows && a.Cols == b.Cols;

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

        /// <summary>
        /// Whether a time loop's ops can each run all their steps in one launch: gathers into per-step outputs, scatter-adds
        /// (atomic, so order-free) and per-step column sums, where no op reads a buffer that an op of the loop writes, so no
        /// step sees another step's (or another op's) results.
        /// </summary>
        internal static bool TimeBatchable(LoopOp loop)
        {
            if (loop.Body.Count == 0) return false;
            var read = new HashSet<IrBuffer>();
            // Every write as (view, atomic): plain writes must not meet another step's or another op's.
            var writes = new List<KeyValuePair<View, bool>>();
            foreach (var op in loop.Body)
            {
                switch (op)
                {
                    case GatherRowsOp g when g.Output.IsTimeIndexed && !g.Table.IsTimeIndexed:
                        writes.Add(new KeyValuePair<View, bool>(g.Output, false));
                        read.Add(g.Table.Buffer);
                        read.Add(g.Ids.Buffer);
                        if (g.Bias != null) read.Add(g.Bias.Buffer);
                        break;
                    case ScatterAddRowsOp s when s.Source.IsTimeIndexed && !s.Table.IsTimeIndexed:
                        writes.Add(new KeyValuePair<View, bool>(s.Table, true));
                        read.Add(s.Source.Buffer);
                        read.Add(s.Ids.Buffer);
                        break;
                    case ColumnSumsOp c when c.Source.IsTimeIndexed && c.Sums.IsTimeIndexed:
                        writes.Add(new KeyValuePair<View, bool>(c.Sums, false));
                        read.Add(c.Source.Buffer);
                        break;
                    default:
                        return false;
                }
            }
            try
            {
                for (int i = 0; i < writes.Count; i++)
                {
                    var v = writes[i].Key;
                    if (read.Contains(v.Buffer)) return false;
                    // A plain write's steps must not overlap: |time stride| ≥ the rows and columns one step covers.
                    if (!writes[i].Value && !NonNegative(Abs(v.TimeStride) - Extent(v))) return false;
                    for (int j = 0; j < i; j++)
                    {
                        var u = writes[j].Key;
                        if (u.Buffer != v.Buffer || (writes[i].Value && writes[j].Value)) continue;
                        var (lo1, hi1) = Region(v, loop.Count);
                        var (lo2, hi2) = Region(u, loop.Count);
                        if (!NonNegative(lo2 - hi1) && !NonNegative(lo1 - hi2)) return false;
                    }
                }
            }
            catch (System.InvalidOperationException)
            {
                return false; // a size the checks cannot form (B² or V²): keep the loop
            }
            return true;
        }

        /// <summary>Whether <paramref name="s"/> ≥ 0 for every batch and vocabulary size ≥ 1 (no negative coefficient, ≥ 0 at B = V = 1).</summary>
        private static bool NonNegative(Size s) => s.Batch >= 0 && s.Vocabulary >= 0 && s.BatchVocabulary >= 0 && s.Evaluate(1, 1) >= 0;

        /// <summary>|s| when its sign is known for every B and V, else s itself (which then fails the callers' checks).</summary>
        private static Size Abs(Size s) => NonNegative(s) ? s : NonNegative(Size.Zero - s) ? Size.Zero - s : s;

        /// <summary>Elements from a view's first to past its last in one step.</summary>
        private static Size Extent(View v) => (v.Rows - 1) * v.RowStride + v.Cols;

        /// <summary>[first, past the last) element a (time-indexed) view touches over <paramref name="steps"/> steps.</summary>
        private static (Size Low, Size High) Region(View v, int steps)
        {
            var span = (steps - 1) * v.TimeStride;
            return NonNegative(v.TimeStride) ? (v.Offset, v.Offset + span + Extent(v)) : (v.Offset + span, v.Offset + Extent(v));
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
                    w.WriteLine("DropoutMask(" + CpuRenderer.Ptr(d.Mask) + ", " + S(d.Mask.Rows) + ", " + S(d.Mask.Cols) + ", " + S(d.Mask.RowStride) + ", "
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
            var operands = new List<string>();
            for (int k = 0; k < p.Inputs.Count; k++) operands.Add(InputSlot(k) + " = in" + I(k));
            for (int j = 0; j < p.Outputs.Count; j++) operands.Add(OutputSlot(p, j) + " = out" + I(j));
            w.WriteLine("// " + p.Comment + ": rows " + S(p.Rows) + ", cols " + S(p.Cols) + "; " + string.Join(", ", operands));
            using (w.WriteBlock("private static void " + name + "Kernel(" + Index1D + " index, " + FloatView + " f, " + Args + " a)"))
            {
                var cols = K(p.Cols);
                w.WriteLine("int i = index;");
                w.WriteLine("int r = i / " + cols + ";");
                w.WriteLine("int c = i - r * " + cols + ";");
                var roots = new List<Expr>();
                foreach (var o in p.Outputs) roots.Add(o.Value);
                var names = ExprRenderer.Render(w, roots, ExprFlavor.Gpu, k => "f[a." + InputSlot(k) + " + r * " + K(p.Inputs[k].RowStride) + " + c]");
                for (int j = 0; j < p.Outputs.Count; j++)
                    w.WriteLine("f[a." + OutputSlot(p, j) + " + r * " + K(p.Outputs[j].Target.RowStride) + " + c] " + (p.Outputs[j].Accumulate ? "+=" : "=") + " " + names[j] + ";");
            }
        }

        /// <summary>A size inside a kernel: a literal when constant, else over the argument struct's B and V.</summary>
        private static string K(Size size) => size.Render("a.B", "a.V");

        private static string InputSlot(int k) => "O" + I(k);

        private static string OutputSlot(PointwiseOp p, int j) => "O" + I(p.Inputs.Count + j);

        private static string Field(string kernel) => "_" + char.ToLowerInvariant(kernel[0]) + kernel.Substring(1);

        private static string I(int i) => i.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A recurrent step whose product and cell the GPU renderer launches as one kernel (<see cref="GpuRenderer.TryFuse"/>).</summary>
    internal sealed class FusedStep
    {
        public FusedStep(MatMulOp product, PointwiseOp cell, int[] sliceOf, int slices, long cols, bool backward = false)
        {
            Product = product;
            Cell = cell;
            SliceOf = sliceOf;
            Slices = slices;
            Cols = cols;
            Backward = backward;
        }

        /// <summary>The backward order: cell, barrier, then the product dz·Uᵀ (a grouped kernel).</summary>
        public bool Backward { get; }

        /// <summary>Backward: where in the program's scratch Uᵀ goes, and the generated local holding its arena offset.</summary>
        public long ScratchOffset { get; set; }
        public string TransposedName { get; set; } = "";

        public MatMulOp Product { get; }
        public PointwiseOp Cell { get; }
        /// <summary>Forward: per cell input, which column slice of the product it is, or -1 for any other input (empty for a backward step).</summary>
        public int[] SliceOf { get; }
        public int Slices { get; }
        public long Cols { get; }
    }
}
