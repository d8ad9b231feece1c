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

        public static string ClassName(ProgramKind kind) => kind + "Gpu";

        public static void RenderFactory(IndentedTextWriter w, ProgramKind[] kinds)
        {
            w.WriteLine();
            w.WriteLine("protected override global::ModelDsl.Runtime.ProgramExecutor CreateGpuProgram(global::ModelDsl.Ir.ProgramKind kind, int batchCapacity, bool emulator) => kind switch");
            using (w.WriteBlock(null, "};"))
            {
                foreach (var kind in kinds)
                    w.WriteLine("global::ModelDsl.Ir.ProgramKind." + kind + " => new " + ClassName(kind) + "(this, batchCapacity, emulator),");
                w.WriteLine("_ => throw new global::System.NotSupportedException(GetType().Name + \" has no \" + kind + \" program (a model that flattens a sequence, reads it backwards or attends to later positions cannot step one token at a time; sample in window mode).\"),");
            }
        }

        public static void Render(IndentedTextWriter w, IrProgram program)
        {
            var kernels = new PointwiseNames();
            kernels.Collect(program.Forward);
            kernels.Collect(program.Backward);
            var name = ClassName(program.Kind);
            w.WriteLine("/// <summary>The " + program.Kind.ToString().ToLowerInvariant() + " program as ILGPU kernels, one launch per op.</summary>");
            using (w.WriteBlock("private sealed class " + name + " : global::ModelDsl.Gpu.GpuProgram"))
            {
                foreach (var pair in kernels.All)
                    w.WriteLine("private readonly global::System.Action<" + Index1D + ", " + FloatView + ", " + Args + "> " + Field(pair.Key) + ";");
                if (kernels.All.Count > 0) w.WriteLine();

                w.WriteLine("public " + name + "(global::ModelDsl.Model model, int batchCapacity, bool emulator)");
                w.WriteLine("    : base(model, global::ModelDsl.Ir.ProgramKind." + program.Kind + ", batchCapacity, emulator, \"" + ProgramFingerprint.Of(program) + "\")");
                using (w.WriteBlock())
                {
                    foreach (var pair in kernels.All)
                        w.WriteLine(Field(pair.Key) + " = LoadPointwise(" + pair.Key + "Kernel);");
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
                case MatMulOp m:
                    w.WriteLine("MatMul(" + Bool(m.TransA) + ", " + Bool(m.TransB) + ", " + S(m.M) + ", " + S(m.N) + ", " + S(m.K) + ", "
                        + CpuRenderer.Ptr(m.A) + ", " + S(m.A.RowStride) + ", " + CpuRenderer.Ptr(m.B) + ", " + S(m.B.RowStride) + ", "
                        + CpuRenderer.Ptr(m.C) + ", " + S(m.C.RowStride) + ", accumulate: " + Bool(m.Accumulate)
                        + (m.Bias is null ? "" : ", bias: " + CpuRenderer.Ptr(m.Bias)) + ");");
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
                        + (x.Steps == 1 ? "" : ", steps: " + x.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture)) + ");");
                    break;
                case SoftmaxOp s:
                    w.WriteLine("Softmax(" + CpuRenderer.Ptr(s.Logits) + ", " + S(s.Logits.Rows) + ", " + S(s.Logits.Cols) + ", " + S(s.Logits.RowStride) + ", "
                        + CpuRenderer.Ptr(s.Output) + ", " + S(s.Output.RowStride) + ");");
                    break;
                case DropoutMaskOp _:
                    w.WriteLine("// (drawn and uploaded in DrawDropoutMasks, before the first launch)");
                    break;
                case PointwiseOp p:
                {
                    var name = kernels.NameOf(p);
                    if (p.Inputs.Count + p.Outputs.Count > MaxOperands)
                        throw new System.NotSupportedException(p.Name + " has more than " + I(MaxOperands) + " operands");
                    var fields = new List<string> { "B = B", "V = V" };
                    for (int k = 0; k < p.Inputs.Count; k++) fields.Add(InputSlot(k) + " = " + CpuRenderer.Ptr(p.Inputs[k]));
                    for (int j = 0; j < p.Outputs.Count; j++) fields.Add(OutputSlot(p, j) + " = " + CpuRenderer.Ptr(p.Outputs[j].Target));
                    w.WriteLine("Pointwise(" + Field(name) + ", " + S(p.Rows) + " * " + S(p.Cols) + ", new " + Args + " { " + string.Join(", ", fields) + " });");
                    break;
                }
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

        /// <summary>
        /// Whether a time loop's ops can each run all their steps in one launch: gathers into per-step outputs, scatter-adds
        /// (atomic, so order-free) and per-step column sums, where no op reads a buffer that an op of the loop writes, so no
        /// step sees another step's (or another op's) results.
        /// </summary>
        internal static bool TimeBatchable(LoopOp loop)
        {
            if (loop.Body.Count == 0) return false;
            var written = new HashSet<IrBuffer>();
            var read = new HashSet<IrBuffer>();
            foreach (var op in loop.Body)
            {
                switch (op)
                {
                    case GatherRowsOp g when g.Output.IsTimeIndexed && !g.Table.IsTimeIndexed:
                        written.Add(g.Output.Buffer);
                        read.Add(g.Table.Buffer);
                        read.Add(g.Ids.Buffer);
                        if (g.Bias != null) read.Add(g.Bias.Buffer);
                        break;
                    case ScatterAddRowsOp s when s.Source.IsTimeIndexed && !s.Table.IsTimeIndexed:
                        written.Add(s.Table.Buffer);
                        read.Add(s.Source.Buffer);
                        read.Add(s.Ids.Buffer);
                        break;
                    case ColumnSumsOp c when c.Source.IsTimeIndexed && c.Sums.IsTimeIndexed:
                        written.Add(c.Sums.Buffer);
                        read.Add(c.Source.Buffer);
                        break;
                    default:
                        return false;
                }
            }
            foreach (var b in written)
                if (read.Contains(b)) return false;
            return true;
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
}
