using ModelDsl.Data;
using Sentiment;

namespace ModelDsl.Tests.Examples;

public sealed class ThreeWaySplitTests
{
    [Fact]
    public void The_test_split_is_disjoint_from_training_and_validation_and_sized_as_documented()
    {
        var text = string.Concat(Enumerable.Range(0, 999).Select(i => $"sentence number {i}\t{i % 2}\n"));
        var file = LabelledText.Parse(text);

        var (train, validation, test) = ThreeWaySplit.Of(file, seed: 1337);

        Assert.Equal((699, 100, 200), (train.Count, validation.Count, test.Count));
        var seen = train.Concat(validation).Select(s => s.Sentence).ToHashSet();
        Assert.Equal(799, seen.Count);
        Assert.DoesNotContain(test, s => seen.Contains(s.Sentence));
        Assert.Empty(train.Select(s => s.Sentence).Intersect(validation.Select(s => s.Sentence)));
    }
}
