using ModelDsl.Data;

namespace Sentiment;

/// <summary>
/// Training, validation and test splits that share no sentence: the test split is held out until the end, so its accuracy
/// is not that of the split the epochs were watched on.
/// </summary>
public static class ThreeWaySplit
{
    /// <summary>Shares of all sentences held out for the final test and for the per-epoch validation.</summary>
    public const double TestFraction = 0.2, ValidationFraction = 0.1;

    /// <summary>
    /// The sentences shuffled with <paramref name="seed"/> (<see cref="LabelledText.Split"/>): the first 20% the test
    /// split, the next 10% of the whole the validation split, the rest the training split (999 sentences: 699 / 100 / 200).
    /// </summary>
    public static (IReadOnlyList<LabelledSentence> Train, IReadOnlyList<LabelledSentence> Validation, IReadOnlyList<LabelledSentence> Test) Of(LabelledText file, ulong seed)
    {
        var (rest, test) = file.Split(TestFraction, seed);
        int validationCount = Math.Min(rest.Count, (int)Math.Ceiling(ValidationFraction * file.Sentences.Count));
        return (rest.Skip(validationCount).ToList(), rest.Take(validationCount).ToList(), test);
    }
}
