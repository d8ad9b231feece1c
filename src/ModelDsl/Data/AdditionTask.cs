using System.Globalization;
using ModelDsl.Numerics;

namespace ModelDsl.Data;

/// <summary>
/// The data of Keras's <c>addition_rnn</c> example ("Sequence to sequence learning for performing number addition"):
/// questions "a+b" and their sums as text, generated offline from a seed.
/// </summary>
/// <remarks>
/// Generated as the example does, with <see cref="Rng"/> in place of NumPy's generator (so the same rules, not the same
/// numbers): each number gets a length drawn uniformly from 1 to <c>digits</c> and that many digits drawn uniformly
/// (leading zeros allowed, then dropped: <c>int("007")</c> is 7); a question whose pair {a, b} was already drawn, in
/// either order, is skipped; the question is padded with spaces on the right to <c>digits + 1 + digits</c> characters
/// and, when reversed, read backwards (the example's <c>REVERSE</c>, which shortens the path from the last digits to the
/// answer); the answer <c>str(a + b)</c> is padded with spaces on the right to <c>digits + 1</c>.
/// </remarks>
public static class AdditionTask
{
    /// <summary>The characters of every question and answer (the example's <c>chars</c>).</summary>
    public const string Characters = "0123456789+ ";

    /// <summary>The largest number of digits per number (sums stay below 2·10⁹).</summary>
    public const int MaxDigits = 9;

    /// <summary>The question length, <c>digits + 1 + digits</c> (the example's <c>MAXLEN</c>).</summary>
    public static int QuestionLength(int digits) => CheckDigits(digits) * 2 + 1;

    /// <summary>The answer length, <c>digits + 1</c>.</summary>
    public static int AnswerLength(int digits) => CheckDigits(digits) + 1;

    /// <summary>The number of distinct questions: unordered pairs of numbers below 10^digits, n(n + 1)/2.</summary>
    public static long DistinctQuestions(int digits)
    {
        long n = Pow10(CheckDigits(digits));
        return n * (n + 1) / 2;
    }

    /// <summary>
    /// <paramref name="count"/> distinct questions (source, as the model reads it) and answers (target), the Keras
    /// example's defaults being 50,000 questions of 3 digits, reversed.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">More questions than <see cref="DistinctQuestions"/> asked for, or digits outside 1..<see cref="MaxDigits"/>.</exception>
    public static SequencePairs Generate(int count, int digits = 3, bool reverse = true, ulong seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        CheckDigits(digits);
        long distinct = DistinctQuestions(digits);
        if (count > distinct)
            throw new ArgumentOutOfRangeException(nameof(count), count,
                $"Only {distinct} distinct questions have {digits}-digit numbers (a+b and b+a count once); ask for at most {distinct}, or use more digits.");

        var rng = new Rng(seed);
        var seen = new HashSet<(long, long)>();
        var pairs = new List<SequencePair>(count);
        while (pairs.Count < count)
        {
            long a = RandomNumber(rng, digits), b = RandomNumber(rng, digits);
            if (!seen.Add((Math.Min(a, b), Math.Max(a, b)))) continue;
            pairs.Add(new SequencePair(Question(a, b, digits, reverse), Answer(a, b, digits)));
        }
        return SequencePairs.FromPairs(pairs);
    }

    /// <summary>
    /// The question "a+b" as the model reads it: padded with spaces on the right to <see cref="QuestionLength"/>, then
    /// reversed when <paramref name="reverse"/> (535 + 61 with 3 digits: "535+61 ", reversed " 16+535").
    /// </summary>
    public static string Question(long a, long b, int digits = 3, bool reverse = true)
    {
        CheckOperand(a, digits, nameof(a));
        CheckOperand(b, digits, nameof(b));
        string query = (a.ToString(CultureInfo.InvariantCulture) + "+" + b.ToString(CultureInfo.InvariantCulture)).PadRight(QuestionLength(digits));
        return reverse ? Reversed(query) : query;
    }

    /// <summary>The answer <c>str(a + b)</c> padded with spaces on the right to <see cref="AnswerLength"/> (535 + 61: "596 ").</summary>
    public static string Answer(long a, long b, int digits = 3)
    {
        CheckOperand(a, digits, nameof(a));
        CheckOperand(b, digits, nameof(b));
        return (a + b).ToString(CultureInfo.InvariantCulture).PadRight(AnswerLength(digits));
    }

    private static void CheckOperand(long value, int digits, string name)
    {
        if (value < 0 || value >= Pow10(CheckDigits(digits)))
            throw new ArgumentOutOfRangeException(name, value, $"A {digits}-digit question takes numbers in [0, {Pow10(digits) - 1}].");
    }

    // The example's int(''.join(np.random.choice(list('0123456789')) for i in range(np.random.randint(1, DIGITS + 1)))).
    private static long RandomNumber(Rng rng, int digits)
    {
        int length = 1 + rng.NextInt(digits);
        long value = 0;
        for (int i = 0; i < length; i++) value = value * 10 + rng.NextInt(10);
        return value;
    }

    private static string Reversed(string text)
    {
        var chars = text.ToCharArray();
        Array.Reverse(chars);
        return new string(chars);
    }

    private static long Pow10(int exponent)
    {
        long value = 1;
        for (int i = 0; i < exponent; i++) value *= 10;
        return value;
    }

    private static int CheckDigits(int digits)
    {
        if (digits is < 1 or > MaxDigits)
            throw new ArgumentOutOfRangeException(nameof(digits), digits, $"The number of digits must be in [1, {MaxDigits}].");
        return digits;
    }
}
