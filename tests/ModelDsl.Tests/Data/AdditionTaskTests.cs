using System.Globalization;
using ModelDsl.Data;

namespace ModelDsl.Tests.Data;

public class AdditionTaskTests
{
    [Fact]
    public void Question_AndAnswer_InTheKerasFormat()
    {
        Assert.Equal(" 16+535", AdditionTask.Question(535, 61, digits: 3, reverse: true));
        Assert.Equal("535+61 ", AdditionTask.Question(535, 61, digits: 3, reverse: false));
        Assert.Equal("596 ", AdditionTask.Answer(535, 61, digits: 3));
        Assert.Equal("    0+0", AdditionTask.Question(0, 0, 3, reverse: true));
        Assert.Equal("1998", AdditionTask.Answer(999, 999, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => AdditionTask.Question(1000, 1, 3));
        Assert.Equal(7, AdditionTask.QuestionLength(3));
        Assert.Equal(4, AdditionTask.AnswerLength(3));
    }

    [Theory]
    [InlineData(3, true)]
    [InlineData(2, false)]
    public void Generate_EveryPairIsAQuestionAndItsSum(int digits, bool reverse)
    {
        var data = AdditionTask.Generate(2000, digits, reverse, seed: 7);
        Assert.Equal(2000, data.Pairs.Count);
        var lengths = new HashSet<int>();
        foreach (var (source, target) in data.Pairs)
        {
            Assert.Equal(2 * digits + 1, source.Length);
            Assert.Equal(digits + 1, target.Length);
            Assert.All(source + target, c => Assert.Contains(c, AdditionTask.Characters));
            string question = reverse ? new string(source.Reverse().ToArray()) : source;
            Assert.Equal(question.TrimEnd(), question.TrimEnd().Trim()); // spaces only on the right before reversing
            string[] operands = question.TrimEnd().Split('+');
            Assert.Equal(2, operands.Length);
            long a = long.Parse(operands[0], CultureInfo.InvariantCulture), b = long.Parse(operands[1], CultureInfo.InvariantCulture);
            Assert.Equal(a.ToString(CultureInfo.InvariantCulture), operands[0]); // no leading zeros
            Assert.Equal((a + b).ToString(CultureInfo.InvariantCulture).PadRight(digits + 1), target);
            lengths.Add(operands[0].Length);
        }
        Assert.Equal(Enumerable.Range(1, digits), lengths.Order()); // every number length occurs
    }

    [Fact]
    public void Generate_NoPairTwice_InEitherOrder()
    {
        var data = AdditionTask.Generate(3000, digits: 2, reverse: false, seed: 1);
        var keys = data.Pairs.Select(p =>
        {
            long[] ab = p.Source.TrimEnd().Split('+').Select(x => long.Parse(x, CultureInfo.InvariantCulture)).Order().ToArray();
            return (ab[0], ab[1]);
        }).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
    }

    [Fact]
    public void Generate_EveryDistinctQuestion_WhenAskedForAll()
    {
        Assert.Equal(55, AdditionTask.DistinctQuestions(1));
        Assert.Equal(500_500, AdditionTask.DistinctQuestions(3));
        var all = AdditionTask.Generate(55, digits: 1, reverse: false, seed: 3);
        Assert.Equal(55, all.Pairs.Select(p => p.Source).Distinct().Count());
        Assert.Contains(new SequencePair("0+0", "0 "), all.Pairs);
    }

    [Fact]
    public void Generate_MoreThanPossible_IsRefused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => AdditionTask.Generate(56, digits: 1));
        Assert.Contains("Only 55 distinct questions", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => AdditionTask.Generate(10, digits: 0));
    }

    [Fact]
    public void Generate_DeterministicBySeed()
    {
        var first = AdditionTask.Generate(500, seed: 11);
        var second = AdditionTask.Generate(500, seed: 11);
        var other = AdditionTask.Generate(500, seed: 12);
        Assert.Equal(first.Pairs, second.Pairs);
        Assert.NotEqual(first.Pairs, other.Pairs);
    }
}
