using ModelDsl.Data;

namespace ModelDsl.Tests.Data;

public class PairedDatasetTests
{
    private static readonly SequencePairs Small = SequencePairs.Parse("ab\txyz\nabba\tz\n");

    [Fact]
    public void Create_LongestLengths_ShiftsDecoderInputAgainstTarget()
    {
        var source = PairVocabulary.Build(Small.Pairs.Select(p => p.Source), TokenLevel.Char); // a=4 b=5
        var target = PairVocabulary.Build(Small.Pairs.Select(p => p.Target), TokenLevel.Char); // x=4 y=5 z=6

        var data = PairedDataset.Create(Small, source, target);

        Assert.Equal(2, data.Count);
        Assert.Equal(4, data.SourceLength);  // "abba"
        Assert.Equal(4, data.TargetLength);  // "xyz" plus start or end
        Assert.Equal([4, 5, 0, 0, 4, 5, 5, 4], data.SourceIds.ToArray());
        Assert.Equal([1, 4, 5, 6, 1, 6, 0, 0], data.DecoderInputIds.ToArray());
        Assert.Equal([4, 5, 6, 2, 6, 2, 0, 0], data.DecoderTargetIds.ToArray());
        for (int i = 0; i < data.Count; i++)
        {
            // The target at step t is the input at step t + 1 (teacher forcing), and the end where the input's tokens stop.
            int[] input = data.DecoderInput(i).ToArray();
            int[] expected = [.. input[1..], PairVocabulary.PaddingId];
            expected[input.Count(id => id != PairVocabulary.PaddingId) - 1] = PairVocabulary.EndId;
            Assert.Equal(expected, data.DecoderTarget(i).ToArray());
            Assert.Equal(data.Pairs[i].Target, target.Decode(data.DecoderTarget(i)));
        }
    }

    [Fact]
    public void Create_GivenLengths_PadsOrRefuses()
    {
        var source = PairVocabulary.Build(Small.Pairs.Select(p => p.Source), TokenLevel.Char);
        var target = PairVocabulary.Build(Small.Pairs.Select(p => p.Target), TokenLevel.Char);

        var data = PairedDataset.Create(Small, source, target, sourceLength: 6, targetLength: 5);
        Assert.Equal(6, data.SourceLength);
        Assert.Equal(5, data.TargetLength);
        Assert.Equal([4, 5, 0, 0, 0, 0], data.Source(0).ToArray());
        Assert.Equal([6, 2, 0, 0, 0], data.DecoderTarget(1).ToArray());

        var error = Assert.Throws<ArgumentException>(() => PairedDataset.Create(Small, source, target, targetLength: 3));
        Assert.Contains("Pair 0 does not fit", error.Message);
        Assert.Contains("longer than the length 3", error.Message);
    }

    [Fact]
    public void FillBatch_CopiesRows()
    {
        var source = PairVocabulary.Build(Small.Pairs.Select(p => p.Source), TokenLevel.Char);
        var target = PairVocabulary.Build(Small.Pairs.Select(p => p.Target), TokenLevel.Char);
        var data = PairedDataset.Create(Small, source, target);
        var sources = new int[8];
        var inputs = new int[8];
        var targets = new int[8];
        data.FillBatch([1, 0], sources, inputs, targets);
        Assert.Equal([4, 5, 5, 4, 4, 5, 0, 0], sources);
        Assert.Equal([1, 6, 0, 0, 1, 4, 5, 6], inputs);
        Assert.Equal([6, 2, 0, 0, 4, 5, 6, 2], targets);
    }

    [Fact]
    public void Split_SizesDeterministicDisjoint()
    {
        var pairs = DateTask.Generate(103, seed: 5);
        var distinct = SequencePairs.FromPairs(pairs.Pairs.DistinctBy(p => p.Source));
        var source = PairVocabulary.Build(distinct.Pairs.Select(p => p.Source), TokenLevel.Char);
        var target = PairVocabulary.Build(distinct.Pairs.Select(p => p.Target), TokenLevel.Char);
        var data = PairedDataset.Create(distinct, source, target);
        int n = data.Count;

        var (training, heldOut) = data.Split(0.2, seed: 42);
        Assert.Equal((int)Math.Ceiling(0.2 * n), heldOut.Count);
        Assert.Equal(n - heldOut.Count, training.Count);
        Assert.Empty(training.Pairs.Intersect(heldOut.Pairs));
        Assert.Equal(data.Pairs.ToHashSet(), training.Pairs.Concat(heldOut.Pairs).ToHashSet());
        Assert.Equal(data.SourceLength, heldOut.SourceLength);
        Assert.Equal(data.TargetLength, heldOut.TargetLength);

        // Rows travel with their pairs.
        for (int i = 0; i < heldOut.Count; i++)
        {
            Assert.Equal(heldOut.Pairs[i].Source, source.Decode(heldOut.Source(i)));
            Assert.Equal(heldOut.Pairs[i].Target, target.Decode(heldOut.DecoderTarget(i)));
        }

        var again = data.Split(0.2, seed: 42);
        Assert.Equal(heldOut.Pairs, again.HeldOut.Pairs);
        Assert.Equal(training.DecoderInputIds.ToArray(), again.Training.DecoderInputIds.ToArray());
        Assert.NotEqual(heldOut.Pairs, data.Split(0.2, seed: 43).HeldOut.Pairs);
    }

    [Fact]
    public void Split_RefusesAFractionOutsideZeroOne()
    {
        var source = PairVocabulary.Build(Small.Pairs.Select(p => p.Source), TokenLevel.Char);
        var target = PairVocabulary.Build(Small.Pairs.Select(p => p.Target), TokenLevel.Char);
        var data = PairedDataset.Create(Small, source, target);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(1.5, 0));
        Assert.Equal(0, data.Split(0, 0).HeldOut.Count);
    }
}
