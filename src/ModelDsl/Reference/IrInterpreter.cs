using ModelDsl.Ir;
using ModelDsl.Numerics;

namespace ModelDsl.Reference;

/// <summary>
/// Executes an <see cref="IrProgram"/> in float64, op by op, with no fusion and no cleverness: the oracle that the
/// generated CPU and GPU code are tested against, and (through finite differences) the check on the lowering's backward.
/// </summary>
public sealed class IrInterpreter : OpVisitor
{
    private readonly Dictionary<IrBuffer, double[]> _floats = new();
    private readonly Dictionary<IrBuffer, int[]> _ints = new();
    private readonly long _batch;
    private readonly long _vocabulary;

    public IrInterpreter(IrProgram program, int batch, int vocabulary)
    {
        Program = program;
        _batch = batch;
        _vocabulary = vocabulary;
        foreach (var b in program.Buffers)
        {
            long n = b.Length.Evaluate(batch, vocabulary);
            if (b.ElementType == ElementType.Int32) _ints[b] = new int[n];
            else _floats[b] = new double[n];
        }
        // Attention models read the last position unless told otherwise.
        if (program.QueryPositions is { } positions) Array.Fill(_ints[positions], program.SequenceLength - 1);
    }

    public IrProgram Program { get; }

    /// <summary>Mean cross-entropy of the last forward (training programs).</summary>
    public double Loss { get; private set; }

    public double[] Floats(IrBuffer buffer) => _floats[buffer];
    public int[] Ints(IrBuffer buffer) => _ints[buffer];
    public double[] Parameters => _floats[Program.ParametersBuffer];
    public double[] Gradients => _floats[Program.GradientsBuffer];
    public int[] Tokens => _ints[Program.Tokens];
    public int[] Targets => _ints[Program.Targets];

    /// <summary>The output rows [B, width] of the last forward.</summary>
    public double[] Output() => Rows(Program.Output, 0);

    /// <summary>The rows of <paramref name="v"/> at time step <paramref name="t"/>, [rows, cols] (e.g. the loss's logits at step t).</summary>
    public double[] Rows(View v, long t)
    {
        long rows = Eval(v.Rows), cols = Eval(v.Cols);
        var result = new double[rows * cols];
        var data = _floats[v.Buffer];
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
                result[r * cols + c] = data[Index(v, t, r, c)];
        return result;
    }

    public void Forward(Rng? rng = null)
    {
        Loss = 0;
        Run(Program.Forward, 0, rng);
    }

    /// <summary>Zeroes the gradients and runs backward (after <see cref="Forward"/>).</summary>
    public void Backward()
    {
        Array.Clear(Gradients);
        Run(Program.Backward, 0, null);
    }

    private long Eval(Size s) => s.Evaluate(_batch, _vocabulary);

    private long Index(View v, long t, long r, long c) => Eval(v.Offset) + t * Eval(v.TimeStride) + r * Eval(v.RowStride) + c;

    private int Id(IdView v, long t, long r)
    {
        int id = _ints[v.Buffer][Eval(v.Offset) + t * Eval(v.TimeStride) + r * Eval(v.Stride)];
        return id;
    }

    private void Run(IReadOnlyList<Op> ops, long t, Rng? rng)
    {
        foreach (var op in ops) Run(op, t, rng);
    }

    private long _t;
    private Rng? _rng;

    private void Run(Op op, long t, Rng? rng)
    {
        _t = t;
        _rng = rng;
        Visit(op);
    }

    protected override void VisitLoop(LoopOp loop)
    {
        for (int i = 0; i < loop.Count; i++) Run(loop.Body, loop.Reverse ? loop.Count - 1 - i : i, _rng);
    }

    protected override void VisitTokenMask(TokenMaskOp m)
    {
        ForEach(m.Mask, _t, (r, c) => _floats[m.Mask.Buffer][Index(m.Mask, _t, r, c)] = Id(m.Tokens, _t, r) != 0 ? 1.0 : 0.0);
    }

    protected override void VisitZero(ZeroOp z)
    {
        ForEach(z.Target, _t, (r, c) => _floats[z.Target.Buffer][Index(z.Target, _t, r, c)] = 0);
    }

    protected override void VisitCopy(CopyOp copy)
    {
        ForEach(copy.Target, _t, (r, c) => _floats[copy.Target.Buffer][Index(copy.Target, _t, r, c)] = _floats[copy.Source.Buffer][Index(copy.Source, _t, r, c)]);
    }

    protected override void VisitMatMul(MatMulOp m) => MatMul(m, _t);

    protected override void VisitGatherRows(GatherRowsOp g)
        {
        var table = _floats[g.Table.Buffer];
        var output = _floats[g.Output.Buffer];
        ForEach(g.Output, _t, (r, c) =>
        {
            double v = table[Index(g.Table, 0, Id(g.Ids, _t, r), c)];
            if (g.Bias != null) v += _floats[g.Bias.Buffer][Index(g.Bias, _t, 0, c)];
            long o = Index(g.Output, _t, r, c);
            output[o] = g.Accumulate ? output[o] + v : v;
        });
        }

    protected override void VisitScatterAddRows(ScatterAddRowsOp s)
        {
        var table = _floats[s.Table.Buffer];
        var source = _floats[s.Source.Buffer];
        ForEach(s.Source, _t, (r, c) => table[Index(s.Table, 0, Id(s.Ids, _t, r), c)] += source[Index(s.Source, _t, r, c)]);
        }

    protected override void VisitColumnSums(ColumnSumsOp cs)
        {
        long rows = Eval(cs.Source.Rows), cols = Eval(cs.Source.Cols);
        var source = _floats[cs.Source.Buffer];
        var sums = _floats[cs.Sums.Buffer];
        for (long c = 0; c < cols; c++)
        {
            double acc = 0;
            for (long r = 0; r < rows; r++) acc += source[Index(cs.Source, _t, r, c)];
            long o = Index(cs.Sums, _t, 0, c);
            sums[o] = cs.Accumulate ? sums[o] + acc : acc;
        }
        }

    protected override void VisitPointwise(PointwiseOp p) => Pointwise(p, _t);

    protected override void VisitSoftmaxCrossEntropy(SoftmaxCrossEntropyOp x) => SoftmaxCrossEntropy(x, _t);

    protected override void VisitSoftmax(SoftmaxOp s)
        {
        long rows = Eval(s.Logits.Rows), cols = Eval(s.Logits.Cols);
        var logits = _floats[s.Logits.Buffer];
        var output = _floats[s.Output.Buffer];
        for (long r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity;
            for (long c = 0; c < cols; c++) max = Math.Max(max, logits[Index(s.Logits, _t, r, c)]);
            double sum = 0;
            for (long c = 0; c < cols; c++) sum += Math.Exp(logits[Index(s.Logits, _t, r, c)] - max);
            for (long c = 0; c < cols; c++) output[Index(s.Output, _t, r, c)] = Math.Exp(logits[Index(s.Logits, _t, r, c)] - max) / sum;
        }
        }

    protected override void VisitDropoutMask(DropoutMaskOp d)
        {
        // No random stream: dropout off (an evaluation run of a training program), a mask of ones.
        var mask = _floats[d.Mask.Buffer];
        ForEach(d.Mask, _t, (r, c) => mask[Index(d.Mask, _t, r, c)] = _rng is null ? 1.0 : _rng.NextFloat() >= (float)d.Rate ? 1f / (1f - (float)d.Rate) : 0.0);
        }

    protected override void VisitAttention(AttentionOp a) => Attention(a);

    protected override void VisitAttentionBackward(AttentionBackwardOp a) => AttentionBackward(a);

    protected override void VisitCachedAttention(CachedAttentionOp a) => CachedAttention(a);

    protected override void VisitLayerNorm(LayerNormOp n) => LayerNorm(n);

    protected override void VisitLayerNormBackward(LayerNormBackwardOp n) => LayerNormBackward(n);

    protected override void VisitGatherPositions(GatherPositionsOp g)
        {
        long rows = Eval(g.Output.Rows), cols = Eval(g.Output.Cols);
        for (long b = 0; b < rows; b++)
        {
            long p = Id(g.Positions, 0, b);
            for (long c = 0; c < cols; c++)
                _floats[g.Output.Buffer][Index(g.Output, 0, b, c)] = _floats[g.Sequence.Buffer][Index(g.Sequence, 0, p * _batch + b, c)];
        }
        }

    protected override void VisitRecordTokens(RecordTokensOp r)
    {
        for (long b = 0; b < Eval(r.Tokens.Rows); b++)
            _ints[r.History][Id(r.Positions, 0, b) * _batch + b] = Id(r.Tokens, 0, b);
    }

    protected override void VisitAdvancePositions(AdvancePositionsOp a)
    {
        for (long b = 0; b < Eval(a.Positions.Rows); b++)
            _ints[a.Positions.Buffer][Eval(a.Positions.Offset) + b * Eval(a.Positions.Stride)]++;
    }

    /// <summary>The definition of <see cref="GlobalPoolOp"/>: max or mean over the counted steps, in double.</summary>
    protected override void VisitGlobalPool(GlobalPoolOp p)
    {
        long rows = Eval(p.Output.Rows), cols = Eval(p.Output.Cols);
        var x = _floats[p.Input.Buffer];
        var output = _floats[p.Output.Buffer];
        for (long b = 0; b < rows; b++)
        {
            for (long c = 0; c < cols; c++)
            {
                double best = 0, sum = 0;
                long chosen = -1, counted = 0;
                for (long t = 0; t < p.Steps; t++)
                {
                    if (!PoolCounts(p, t, b)) continue;
                    double v = x[Eval(p.Input.Offset) + t * Eval(p.StepStride) + b * Eval(p.Input.RowStride) + c];
                    counted++;
                    sum += v;
                    if (chosen < 0 || v > best || (double.IsNaN(v) && !double.IsNaN(best)))
                    {
                        best = v;
                        chosen = t;
                    }
                }
                output[Index(p.Output, 0, b, c)] = counted == 0 ? 0 : p.Kind == PoolKind.Max ? best : sum / counted;
                if (p.ArgMax != null) _floats[p.ArgMax.Buffer][Index(p.ArgMax, 0, b, c)] = chosen;
            }
        }
    }

    protected override void VisitGlobalPoolBackward(GlobalPoolBackwardOp g)
    {
        var p = g.Forward;
        long rows = Eval(p.Output.Rows), cols = Eval(p.Output.Cols);
        var dOut = _floats[g.DOutput.Buffer];
        var dx = _floats[g.DInput.Buffer];
        for (long b = 0; b < rows; b++)
        {
            long counted = 0;
            for (long t = 0; t < p.Steps; t++)
                if (PoolCounts(p, t, b)) counted++;
            for (long c = 0; c < cols; c++)
            {
                double d = dOut[Index(g.DOutput, 0, b, c)];
                long chosen = p.Kind == PoolKind.Max ? (long)_floats[p.ArgMax!.Buffer][Index(p.ArgMax, 0, b, c)] : -1;
                for (long t = 0; t < p.Steps; t++)
                {
                    double share = p.Kind == PoolKind.Max ? (t == chosen ? d : 0) : PoolCounts(p, t, b) ? d / counted : 0;
                    long o = Eval(g.DInput.Offset) + t * Eval(g.DStepStride) + b * Eval(g.DInput.RowStride) + c;
                    dx[o] = g.Accumulate ? dx[o] + share : share;
                }
            }
        }
    }

    private bool PoolCounts(GlobalPoolOp p, long t, long b) =>
        p.Mask is null || _ints[p.Mask.Buffer][Eval(p.Mask.Offset) + t * Eval(p.MaskStepStride) + b * Eval(p.Mask.Stride)] != 0;

    private void ForEach(View v, long t, Action<long, long> body)
    {
        long rows = Eval(v.Rows), cols = Eval(v.Cols);
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
                body(r, c);
    }

    private void MatMul(MatMulOp m, long t)
    {
        long M = Eval(m.M), N = Eval(m.N), K = Eval(m.K);
        var a = _floats[m.A.Buffer];
        var b = _floats[m.B.Buffer];
        var c = _floats[m.C.Buffer];
        for (long i = 0; i < M; i++)
            for (long j = 0; j < N; j++)
            {
                double acc = 0;
                for (long k = 0; k < K; k++)
                {
                    double av = m.TransA ? a[Index(m.A, t, k, i)] : a[Index(m.A, t, i, k)];
                    double bv = m.TransB ? b[Index(m.B, t, j, k)] : b[Index(m.B, t, k, j)];
                    acc += av * bv;
                }
                if (m.Bias != null) acc += _floats[m.Bias.Buffer][Index(m.Bias, 0, 0, j)];
                long o = Index(m.C, t, i, j);
                c[o] = m.Accumulate ? c[o] + acc : acc;
            }
    }

    private void Pointwise(PointwiseOp p, long t)
    {
        long rows = Eval(p.Rows), cols = Eval(p.Cols);
        var inputs = new double[p.Inputs.Count];
        var results = new double[p.Outputs.Count];
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
            {
                for (int k = 0; k < inputs.Length; k++) inputs[k] = _floats[p.Inputs[k].Buffer][Index(p.Inputs[k], t, r, c)];
                // Every output reads the inputs as they were before this element was written (outputs may alias inputs).
                for (int j = 0; j < results.Length; j++) results[j] = p.Outputs[j].Value.Evaluate(k => inputs[k]);
                for (int j = 0; j < results.Length; j++)
                {
                    var o = p.Outputs[j];
                    var data = _floats[o.Target.Buffer];
                    long index = Index(o.Target, t, r, c);
                    data[index] = o.Accumulate ? data[index] + results[j] : results[j];
                }
            }
    }

    private void SoftmaxCrossEntropy(SoftmaxCrossEntropyOp x, long t)
    {
        long rows = Eval(x.Logits.Rows), cols = Eval(x.Logits.Cols);
        var logits = _floats[x.Logits.Buffer];
        double total = 0;
        if (x.Binary)
        {
            for (long r = 0; r < rows; r++)
            {
                double z = logits[Index(x.Logits, t, r, 0)];
                int y = Id(x.Targets, t, r);
                total += Math.Max(z, 0) - y * z + Math.Log(1 + Math.Exp(-Math.Abs(z)));
                if (x.DLogits != null) _floats[x.DLogits.Buffer][Index(x.DLogits, t, r, 0)] = (1 / (1 + Math.Exp(-z)) - y) / rows;
            }
            Loss += total / rows;
            return;
        }
        // The mean's denominator: every row at every step, or (ignoring padding) the targets ≠ 0 among them, at least 1.
        double count = rows * x.Steps;
        if (x.IgnorePadding)
        {
            count = 0;
            for (long s = 0; s < x.Steps; s++)
                for (long r = 0; r < rows; r++)
                    if (Id(x.Targets, s, r) != 0) count++;
            count = Math.Max(1, count);
        }
        for (long r = 0; r < rows; r++)
        {
            int target = Id(x.Targets, t, r);
            if (x.IgnorePadding && target == 0)
            {
                if (x.DLogits != null)
                    for (long c = 0; c < cols; c++) _floats[x.DLogits.Buffer][Index(x.DLogits, t, r, c)] = 0;
                continue;
            }
            double max = double.NegativeInfinity;
            for (long c = 0; c < cols; c++) max = Math.Max(max, logits[Index(x.Logits, t, r, c)]);
            double sum = 0;
            for (long c = 0; c < cols; c++) sum += Math.Exp(logits[Index(x.Logits, t, r, c)] - max);
            double logSum = Math.Log(sum) + max;
            total += logSum - logits[Index(x.Logits, t, r, target)];
            if (x.DLogits != null)
            {
                var d = _floats[x.DLogits.Buffer];
                for (long c = 0; c < cols; c++)
                {
                    double p = Math.Exp(logits[Index(x.Logits, t, r, c)] - logSum);
                    d[Index(x.DLogits, t, r, c)] = (p - (c == target ? 1 : 0)) / count;
                }
            }
        }
        Loss += total / count;
    }

    // ---- attention and layer normalisation: the definitions, written out loop by loop ----

    private bool KeyAllowed(KeyTokens? mask, long b, long s) =>
        mask is null || _ints[mask.Buffer][Eval(mask.Offset) + b * Eval(mask.BatchStride) + s * Eval(mask.PositionStride)] != 0;

    private double Get(View v, long r, long c) => _floats[v.Buffer][Index(v, 0, r, c)];
    private void Set(View v, long r, long c, double value) => _floats[v.Buffer][Index(v, 0, r, c)] = value;

    /// <summary>Softmax weights of query position t over keys 0..T−1 for (b, h): zero where not allowed, all zero when none is.</summary>
    private double[] AttentionWeights(AttentionOp a, long b, int h, long t)
    {
        int T = a.Steps, d = a.KeySize;
        var scores = new double[T];
        double max = double.NegativeInfinity;
        for (long s = 0; s < T; s++)
        {
            if ((a.Causal && s > t) || !KeyAllowed(a.Mask, b, s)) { scores[s] = double.NegativeInfinity; continue; }
            double dot = 0;
            for (int c = 0; c < d; c++) dot += Get(a.Q, t * _batch + b, h * d + c) * Get(a.K, s * _batch + b, h * d + c);
            scores[s] = dot * a.Scale;
            max = Math.Max(max, scores[s]);
        }
        var p = new double[T];
        if (double.IsNegativeInfinity(max)) return p;
        double sum = 0;
        for (long s = 0; s < T; s++) sum += p[s] = double.IsNegativeInfinity(scores[s]) ? 0 : Math.Exp(scores[s] - max);
        for (long s = 0; s < T; s++) p[s] /= sum;
        return p;
    }

    private void Attention(AttentionOp a)
    {
        int T = a.Steps, d = a.KeySize;
        for (long b = 0; b < _batch; b++)
            for (int h = 0; h < a.Heads; h++)
                for (long t = 0; t < T; t++)
                {
                    var p = AttentionWeights(a, b, h, t);
                    for (int c = 0; c < d; c++)
                    {
                        double acc = 0;
                        for (long s = 0; s < T; s++) acc += p[s] * Get(a.V, s * _batch + b, h * d + c);
                        Set(a.Output, t * _batch + b, h * d + c, acc);
                    }
                    if (a.Probabilities != null)
                        for (long s = 0; s < T; s++) Set(a.Probabilities, (b * a.Heads + h) * T + t, s, p[s]);
                }
    }

    private void AttentionBackward(AttentionBackwardOp g)
    {
        var a = g.Forward;
        int T = a.Steps, d = a.KeySize;
        for (long b = 0; b < _batch; b++)
            for (int h = 0; h < a.Heads; h++)
            {
                var dq = new double[T, d];
                var dk = new double[T, d];
                var dv = new double[T, d];
                for (long t = 0; t < T; t++)
                {
                    var p = new double[T];
                    for (long s = 0; s < T; s++) p[s] = Get(a.Probabilities!, (b * a.Heads + h) * T + t, s);
                    var dp = new double[T];
                    double dot = 0;
                    for (long s = 0; s < T; s++)
                    {
                        for (int c = 0; c < d; c++) dp[s] += Get(g.DOutput, t * _batch + b, h * d + c) * Get(a.V, s * _batch + b, h * d + c);
                        dot += p[s] * dp[s];
                    }
                    for (long s = 0; s < T; s++)
                    {
                        double ds = p[s] * (dp[s] - dot) * a.Scale;
                        for (int c = 0; c < d; c++)
                        {
                            dq[t, c] += ds * Get(a.K, s * _batch + b, h * d + c);
                            dk[s, c] += ds * Get(a.Q, t * _batch + b, h * d + c);
                            dv[s, c] += p[s] * Get(g.DOutput, t * _batch + b, h * d + c);
                        }
                    }
                }
                for (long t = 0; t < T; t++)
                    for (int c = 0; c < d; c++)
                    {
                        Set(g.DQ, t * _batch + b, h * d + c, dq[t, c]);
                        Set(g.DK, t * _batch + b, h * d + c, dk[t, c]);
                        Set(g.DV, t * _batch + b, h * d + c, dv[t, c]);
                    }
            }
    }

    private void CachedAttention(CachedAttentionOp a)
    {
        int d = a.KeySize, width = a.Heads * d;
        for (long b = 0; b < _batch; b++)
        {
            long position = Id(a.Positions, 0, b);
            if (position < 0 || position >= a.Capacity) throw new InvalidOperationException($"Position {position} is outside the cache of {a.Capacity}.");
            for (int c = 0; c < width; c++)
            {
                Set(a.KeyCache, position * _batch + b, c, Get(a.K, b, c));
                Set(a.ValueCache, position * _batch + b, c, Get(a.V, b, c));
            }
            for (int h = 0; h < a.Heads; h++)
            {
                var scores = new double[position + 1];
                double max = double.NegativeInfinity;
                for (long s = 0; s <= position; s++)
                {
                    if (!KeyAllowed(a.Mask, b, s)) { scores[s] = double.NegativeInfinity; continue; }
                    double dot = 0;
                    for (int c = 0; c < d; c++) dot += Get(a.Q, b, h * d + c) * Get(a.KeyCache, s * _batch + b, h * d + c);
                    scores[s] = dot * a.Scale;
                    max = Math.Max(max, scores[s]);
                }
                double sum = 0;
                var p = new double[position + 1];
                if (!double.IsNegativeInfinity(max))
                {
                    for (long s = 0; s <= position; s++) sum += p[s] = double.IsNegativeInfinity(scores[s]) ? 0 : Math.Exp(scores[s] - max);
                    for (long s = 0; s <= position; s++) p[s] /= sum;
                }
                for (int c = 0; c < d; c++)
                {
                    double acc = 0;
                    for (long s = 0; s <= position; s++) acc += p[s] * Get(a.ValueCache, s * _batch + b, h * d + c);
                    Set(a.Output, b, h * d + c, acc);
                }
            }
        }
    }

    private void LayerNorm(LayerNormOp n)
    {
        long rows = Eval(n.X.Rows), cols = Eval(n.X.Cols);
        for (long r = 0; r < rows; r++)
        {
            double mean = 0;
            for (long c = 0; c < cols; c++) mean += Get(n.X, r, c);
            mean /= cols;
            double variance = 0;
            for (long c = 0; c < cols; c++) variance += (Get(n.X, r, c) - mean) * (Get(n.X, r, c) - mean);
            variance /= cols;
            double inverse = 1 / Math.Sqrt(variance + n.Epsilon);
            for (long c = 0; c < cols; c++)
                Set(n.Y, r, c, Get(n.Gamma, 0, c) * (Get(n.X, r, c) - mean) * inverse + Get(n.Beta, 0, c));
            if (n.Mean != null) Set(n.Mean, r, 0, mean);
            if (n.InverseStd != null) Set(n.InverseStd, r, 0, inverse);
        }
    }

    private void LayerNormBackward(LayerNormBackwardOp g)
    {
        var n = g.Forward;
        long rows = Eval(n.X.Rows), cols = Eval(n.X.Cols);
        for (long r = 0; r < rows; r++)
        {
            double mean = Get(n.Mean!, r, 0), inverse = Get(n.InverseStd!, r, 0);
            double meanG = 0, meanGx = 0;
            for (long c = 0; c < cols; c++)
            {
                double xhat = (Get(n.X, r, c) - mean) * inverse;
                double gc = Get(g.DY, r, c) * Get(n.Gamma, 0, c);
                meanG += gc;
                meanGx += gc * xhat;
                _floats[g.DGamma.Buffer][Index(g.DGamma, 0, 0, c)] += Get(g.DY, r, c) * xhat;
                _floats[g.DBeta.Buffer][Index(g.DBeta, 0, 0, c)] += Get(g.DY, r, c);
            }
            meanG /= cols;
            meanGx /= cols;
            for (long c = 0; c < cols; c++)
            {
                double xhat = (Get(n.X, r, c) - mean) * inverse;
                Set(g.DX, r, c, inverse * (Get(g.DY, r, c) * Get(n.Gamma, 0, c) - meanG - xhat * meanGx));
            }
        }
    }
}
