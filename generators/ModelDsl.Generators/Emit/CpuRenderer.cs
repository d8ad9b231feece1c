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

        internal static string S(Size size) => size.Render("B", "V");

        internal static string Ptr(View v) => Address(v.Buffer.Name, v.Offset, v.TimeStride);

        internal static string Ptr(IdView v) => Address(v.Buffer.Name, v.Offset, v.TimeStride);

        private static string Address(string buffer, Size offset, Size timeStride)
        {
            var text = buffer;
            if (offset != Size.Zero) text += " + " + S(offset);
            if (timeStride != Size.Zero) text += " + t * " + S(timeStride);
            return text;
        }

        private static string Bool(bool b) => b ? "true" : "false";

        private static void RenderOp(IndentedTextWriter w, Op op, PointwiseNames kernels, bool inLoop = false)
        {
            if (op.Comment.Length > 0) w.WriteLine("// " + op.Comment);
            switch (op)
            {
                case LoopOp loop:
                {
                    var header = loop.Reverse
                        ? "for (int t = " + (loop.Count - 1).ToString(CultureInfo.InvariantCulture) + "; t >= 0; t--)"
                        : "for (int t = 0; t < " + loop.Count.ToString(CultureInfo.InvariantCulture) + "; t++)";
                    using (w.WriteBlock(header))
                        foreach (var inner in loop.Body) RenderOp(w, inner, kernels, inLoop: true);
                    break;
                }
                case TokenMaskOp m:
                    w.WriteLine("global::ModelDsl.Cpu.CpuOps.TokenMask(" + Ptr(m.Tokens) + ", " + S(m.Tokens.Stride) + ", " + S(m.Mask.Rows) + ", " + S(m.Mask.Cols) + ", " + Ptr(m.Mask) + ", " + S(m.Mask.RowStride) + ");");
                    break;
                case ZeroOp z:
                    w.WriteLine("global::ModelDsl.Cpu.CpuOps.Zero(" + Ptr(z.Target) + ", " + S(z.Target.Rows) + ", " + S(z.Target.Cols) + ", " + S(z.Target.RowStride) + ");");
                    break;
                case CopyOp c:
                    w.WriteLine("global::ModelDsl.Cpu.CpuOps.Copy(" + Ptr(c.Source) + ", " + S(c.Source.RowStride) + ", " + Ptr(c.Target) + ", " + S(c.Target.RowStride) + ", " + S(c.Target.Rows) + ", " + S(c.Target.Cols) + ");");
                    break;
                case MatMulOp m:
                {
                    bool accumulate = m.Accumulate;
                    if (m.Bias != null)
                    {
                        w.WriteLine("global::ModelDsl.Cpu.CpuOps.BroadcastRows(" + Ptr(m.Bias) + ", " + Ptr(m.C) + ", " + S(m.M) + ", " + S(m.N) + ", " + S(m.C.RowStride) + ");");
                        accumulate = true;
                    }
                    // The same weights at every step of a loop (h·U, dz·Uᵀ): packed once per pass. Never a gradient operand.
                    bool packOnce = inLoop && m.B.Buffer.Kind == BufferKind.Parameters && m.B.TimeStride == Size.Zero;
                    w.WriteLine("global::ModelDsl.Cpu.Gemm.Multiply(" + Bool(m.TransA) + ", " + Bool(m.TransB) + ", " + S(m.M) + ", " + S(m.N) + ", " + S(m.K) + ", "
                        + Ptr(m.A) + ", " + S(m.A.RowStride) + ", " + Ptr(m.B) + ", " + S(m.B.RowStride) + ", " + Ptr(m.C) + ", " + S(m.C.RowStride) + ", accumulate: " + Bool(accumulate)
                        + (packOnce ? ", packCache: PackCache" : "") + ");");
                    break;
                }
                case GatherRowsOp g:
                    w.WriteLine("global::ModelDsl.Cpu.CpuOps.GatherRows(" + Ptr(g.Table) + ", " + S(g.Table.RowStride) + ", " + Ptr(g.Ids) + ", " + S(g.Ids.Stride) + ", "
                        + S(g.Output.Rows) + ", " + S(g.Output.Cols) + ", " + Ptr(g.Output) + ", " + S(g.Output.RowStride) + ", " + (g.Bias is null ? "null" : Ptr(g.Bias)) + ", accumulate: " + Bool(g.Accumulate) + ");");
                    break;
                case ScatterAddRowsOp s:
                    w.WriteLine("global::ModelDsl.Cpu.RowKernels.ScatterAddRows(" + Ptr(s.Source) + ", " + S(s.Source.RowStride) + ", " + Ptr(s.Ids) + ", " + S(s.Ids.Stride) + ", "
                        + S(s.Source.Rows) + ", " + S(s.Source.Cols) + ", " + Ptr(s.Table) + ", " + S(s.Table.RowStride) + ");");
                    break;
                case ColumnSumsOp c:
                    w.WriteLine("global::ModelDsl.Cpu.RowKernels.ColumnSums(" + Ptr(c.Source) + ", " + S(c.Source.Rows) + ", " + S(c.Source.Cols) + ", " + S(c.Source.RowStride) + ", "
                        + Ptr(c.Sums) + ", accumulate: " + Bool(c.Accumulate) + ");");
                    break;
                case SoftmaxCrossEntropyOp x when x.Binary:
                    w.WriteLine("loss += global::ModelDsl.Cpu.CpuOps.SigmoidCrossEntropy(" + Ptr(x.Logits) + ", " + S(x.Logits.Rows) + ", " + S(x.Logits.RowStride) + ", "
                        + Ptr(x.Targets) + ", " + S(x.Targets.Stride) + ", " + (x.DLogits is null ? "null, 0" : Ptr(x.DLogits) + ", " + S(x.DLogits.RowStride)) + ", 1f / " + S(x.Logits.Rows) + ") / " + S(x.Logits.Rows) + ";");
                    break;
                case SoftmaxCrossEntropyOp x:
                {
                    // Mean over rows × steps: a per-step loss op runs once per time step. Ignoring padding, over the targets
                    // ≠ 0 of the whole batch, which the runtime counts before the forward.
                    var count = x.IgnorePadding ? "ScoredTargets"
                        : x.Steps == 1 ? S(x.Logits.Rows) : "(" + S(x.Logits.Rows) + " * " + x.Steps.ToString(CultureInfo.InvariantCulture) + ")";
                    w.WriteLine("loss += global::ModelDsl.Cpu.RowKernels.SoftmaxCrossEntropy(" + Ptr(x.Logits) + ", " + S(x.Logits.Rows) + ", " + S(x.Logits.Cols) + ", " + S(x.Logits.RowStride) + ", "
                        + Ptr(x.Targets) + ", " + S(x.Targets.Stride) + ", " + (x.DLogits is null ? "null, 0" : Ptr(x.DLogits) + ", " + S(x.DLogits.RowStride)) + ", 1f / " + count
                        + (x.IgnorePadding ? ", ignorePadding: true" : "") + ") / " + count + ";");
                }
                    break;
                case SoftmaxOp s:
                    w.WriteLine("global::ModelDsl.Cpu.RowKernels.Softmax(" + Ptr(s.Logits) + ", " + S(s.Logits.Rows) + ", " + S(s.Logits.Cols) + ", " + S(s.Logits.RowStride) + ", "
                        + Ptr(s.Output) + ", " + S(s.Output.RowStride) + ");");
                    break;
                case DropoutMaskOp d:
                    w.WriteLine("global::ModelDsl.Cpu.CpuOps.DropoutMask(" + Ptr(d.Mask) + ", " + S(d.Mask.Rows) + ", " + S(d.Mask.Cols) + ", " + S(d.Mask.RowStride) + ", "
                        + ExprRenderer.Constant(d.Rate, ExprFlavor.Scalar) + ", Random);");
                    break;
                case PointwiseOp p:
                {
                    var args = new List<string> { "B", "V" };
                    foreach (var input in p.Inputs) args.Add(Ptr(input));
                    foreach (var output in p.Outputs) args.Add(Ptr(output.Target));
                    w.WriteLine(kernels.NameOf(p) + "(" + string.Join(", ", args) + ");");
                    break;
                }
                case AttentionOp a:
                    w.WriteLine("global::ModelDsl.Cpu.Attention.Forward(" + Ptr(a.Q) + ", " + S(a.Q.RowStride) + ", " + Ptr(a.K) + ", " + S(a.K.RowStride) + ", " + Ptr(a.V) + ", " + S(a.V.RowStride) + ", "
                        + Ptr(a.Output) + ", " + S(a.Output.RowStride) + ", B, " + I(a.Steps) + ", " + I(a.Heads) + ", " + I(a.KeySize) + ", causal: " + Bool(a.Causal) + ", " + Mask(a.Mask) + ", "
                        + (a.Probabilities is null ? "null" : Ptr(a.Probabilities)) + ");");
                    break;
                case AttentionBackwardOp g:
                {
                    var a = g.Forward;
                    w.WriteLine("global::ModelDsl.Cpu.Attention.Backward(" + Ptr(a.Q) + ", " + S(a.Q.RowStride) + ", " + Ptr(a.K) + ", " + S(a.K.RowStride) + ", " + Ptr(a.V) + ", " + S(a.V.RowStride) + ", "
                        + Ptr(a.Probabilities!) + ", " + Ptr(g.DOutput) + ", " + S(g.DOutput.RowStride) + ", " + Ptr(g.DQ) + ", " + S(g.DQ.RowStride) + ", " + Ptr(g.DK) + ", " + S(g.DK.RowStride) + ", "
                        + Ptr(g.DV) + ", " + S(g.DV.RowStride) + ", B, " + I(a.Steps) + ", " + I(a.Heads) + ", " + I(a.KeySize) + ");");
                    break;
                }
                case CachedAttentionOp a:
                    w.WriteLine("global::ModelDsl.Cpu.Attention.Cached(" + Ptr(a.Q) + ", " + S(a.Q.RowStride) + ", " + Ptr(a.K) + ", " + S(a.K.RowStride) + ", " + Ptr(a.V) + ", " + S(a.V.RowStride) + ", "
                        + Ptr(a.Output) + ", " + S(a.Output.RowStride) + ", " + Ptr(a.KeyCache) + ", " + Ptr(a.ValueCache) + ", " + S(a.KeyCache.RowStride) + ", " + Ptr(a.Positions) + ", B, "
                        + I(a.Heads) + ", " + I(a.KeySize) + ", " + I(a.Capacity) + ", " + Mask(a.Mask) + ");");
                    break;
                case LayerNormOp n:
                    w.WriteLine("global::ModelDsl.Cpu.LayerNorm.Forward(" + Ptr(n.X) + ", " + S(n.X.RowStride) + ", " + Ptr(n.Gamma) + ", " + Ptr(n.Beta) + ", " + Ptr(n.Y) + ", " + S(n.Y.RowStride) + ", "
                        + S(n.X.Rows) + ", " + S(n.X.Cols) + ", " + ExprRenderer.Constant(n.Epsilon, ExprFlavor.Scalar) + ", " + (n.Mean is null ? "null, null" : Ptr(n.Mean) + ", " + Ptr(n.InverseStd!)) + ");");
                    break;
                case LayerNormBackwardOp g:
                {
                    var n = g.Forward;
                    w.WriteLine("global::ModelDsl.Cpu.LayerNorm.Backward(" + Ptr(n.X) + ", " + S(n.X.RowStride) + ", " + Ptr(n.Gamma) + ", " + Ptr(n.Mean!) + ", " + Ptr(n.InverseStd!) + ", "
                        + Ptr(g.DY) + ", " + S(g.DY.RowStride) + ", " + Ptr(g.DX) + ", " + S(g.DX.RowStride) + ", " + Ptr(g.DGamma) + ", " + Ptr(g.DBeta) + ", " + S(n.X.Rows) + ", " + S(n.X.Cols) + ");");
                    break;
                }
                case GatherPositionsOp g:
                    w.WriteLine("global::ModelDsl.Cpu.PositionOps.GatherPositions(" + Ptr(g.Sequence) + ", " + S(g.Sequence.RowStride) + ", " + Ptr(g.Positions) + ", B, " + S(g.Sequence.Rows) + " / B, "
                        + S(g.Output.Cols) + ", " + Ptr(g.Output) + ", " + S(g.Output.RowStride) + ");");
                    break;
                case RecordTokensOp r:
                    w.WriteLine("global::ModelDsl.Cpu.PositionOps.RecordTokens(" + Ptr(r.Tokens) + ", " + S(r.Tokens.Stride) + ", " + Ptr(r.Positions) + ", " + r.History.Name + ", B, " + S(r.History.Length) + " / B);");
                    break;
                case AdvancePositionsOp a:
                    w.WriteLine("global::ModelDsl.Cpu.PositionOps.AdvancePositions(" + Ptr(a.Positions) + ", B);");
                    break;
                default:
                    throw new System.NotSupportedException(op.GetType().Name);
            }
        }

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
            var parameters = new List<string> { "int B", "int V" };
            var fields = new List<string> { "B", "V" };
            for (int i = 0; i < p.Inputs.Count; i++) { parameters.Add("float* in" + I(i)); fields.Add("in" + I(i)); }
            for (int j = 0; j < p.Outputs.Count; j++) { parameters.Add("float* out" + I(j)); fields.Add("out" + I(j)); }
            w.WriteLine("// " + p.Comment + ": rows " + S(p.Rows) + ", cols " + S(p.Cols));
            using (w.WriteBlock("private static void " + name + "(" + string.Join(", ", parameters) + ")"))
            {
                var assignments = new List<string>();
                foreach (var f in fields) assignments.Add(f + " = " + f);
                w.WriteLine("var body = new " + name + "Rows { " + string.Join(", ", assignments) + " };");
                w.WriteLine("global::ModelDsl.Cpu.RowRanges.For(" + S(p.Rows) + ", " + S(p.Cols) + ", ref body);");
            }
            w.WriteLine();
            using (w.WriteBlock("private struct " + name + "Rows : global::ModelDsl.Cpu.IRowRangeBody"))
            {
                w.WriteLine("public int B, V;");
                var pointers = new List<string>();
                for (int f = 2; f < fields.Count; f++) pointers.Add(fields[f]);
                w.WriteLine("public float* " + string.Join(", ", pointers) + ";");
                w.WriteLine();
                // Fully optimised from the first call: these loops run thousands of times per step and gain nothing from tiering.
                w.WriteLine("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");
                using (w.WriteBlock("public void Run(int r0, int r1)"))
                {
                    var roots = new List<Expr>();
                    foreach (var o in p.Outputs) roots.Add(o.Value);
                    using (w.WriteBlock("for (int r = r0; r < r1; r++)"))
                    {
                        for (int i = 0; i < p.Inputs.Count; i++)
                            w.WriteLine("float* a" + I(i) + " = in" + I(i) + " + r * " + S(p.Inputs[i].RowStride) + ";");
                        for (int j = 0; j < p.Outputs.Count; j++)
                            w.WriteLine("float* y" + I(j) + " = out" + I(j) + " + r * " + S(p.Outputs[j].Target.RowStride) + ";");
                        w.WriteLine("int c = 0;");
                        // The JIT folds IsHardwareAccelerated to a constant: one of the three loops survives (Vector128 on
                        // ARM64 and on x64 without AVX), and the scalar loop finishes the row, or does it all without SIMD.
                        VectorLoop(w, p, roots, 16, "Vector512", ExprFlavor.Vector512, "if (global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)");
                        VectorLoop(w, p, roots, 8, "Vector256", ExprFlavor.Vector256, "else if (global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)");
                        VectorLoop(w, p, roots, 4, "Vector128", ExprFlavor.Vector128, "else if (global::System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated)");
                        using (w.WriteBlock("for (; c < " + S(p.Cols) + "; c++)"))
                        {
                            var names = ExprRenderer.Render(w, roots, ExprFlavor.Scalar, k => "a" + I(k) + "[c]");
                            for (int j = 0; j < p.Outputs.Count; j++)
                                w.WriteLine("y" + I(j) + "[c] " + (p.Outputs[j].Accumulate ? "+=" : "=") + " " + names[j] + ";");
                        }
                    }
                }
            }
        }

        private static void VectorLoop(IndentedTextWriter w, PointwiseOp p, List<Expr> roots, int lanes, string type, ExprFlavor flavor, string condition)
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
                var names = ExprRenderer.Render(w, roots, flavor, k => v + ".Load(a" + I(k) + " + c)");
                for (int j = 0; j < p.Outputs.Count; j++)
                {
                    var value = p.Outputs[j].Accumulate ? "(" + v + ".Load(y" + I(j) + " + c) + " + names[j] + ")" : names[j];
                    w.WriteLine(v + ".Store(" + value + ", y" + I(j) + " + c);");
                }
            }
        }

        private static string I(int i) => i.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Unique, stable method names for the pointwise ops of one program.</summary>
    internal sealed class PointwiseNames
    {
        private readonly Dictionary<PointwiseOp, string> _names = new Dictionary<PointwiseOp, string>();
        private readonly HashSet<string> _used = new HashSet<string>();
        public List<KeyValuePair<string, PointwiseOp>> All { get; } = new List<KeyValuePair<string, PointwiseOp>>();

        /// <summary>GPU only: the recurrent steps rendered as one kernel, by product and by cell.</summary>
        public Dictionary<Op, FusedStep>? Fused { get; set; }

        public void Collect(IReadOnlyList<Op> ops)
        {
            foreach (var op in ops)
            {
                if (op is LoopOp loop) Collect(loop.Body);
                else if (op is PointwiseOp p && !_names.ContainsKey(p))
                {
                    var baseName = Pascal(p.Name);
                    var name = baseName;
                    for (int n = 2; !_used.Add(name); n++) name = baseName + n.ToString(CultureInfo.InvariantCulture);
                    _names[p] = name;
                    All.Add(new KeyValuePair<string, PointwiseOp>(name, p));
                }
            }
        }

        public string NameOf(PointwiseOp p) => _names[p];

        private static string Pascal(string snake)
        {
            var parts = snake.Split('_');
            var result = "";
            foreach (var part in parts)
                if (part.Length > 0) result += char.ToUpperInvariant(part[0]) + part.Substring(1);
            return result;
        }
    }
}
