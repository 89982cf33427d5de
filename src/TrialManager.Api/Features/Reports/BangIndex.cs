namespace TrialManager.Api.Features.Reports;

/// <summary>
/// Bang's blinding index (Bang, Ni &amp; Davis 2004) for one arm of a two-arm trial, from the guesses of assessors of
/// participants truly in that arm: BI = (correct − incorrect) / n, where "don't know" answers count in n. It runs
/// from −1 (all guessed the other arm) through 0 (random guessing or not knowing) to 1 (all guessed right). Its
/// variance is [p₁(1 − p₁) + p₂(1 − p₂) + 2p₁p₂] / n with p₁, p₂ the shares of correct and incorrect guesses;
/// the 95% interval is BI ± 1.96·SE.
/// </summary>
public static class BangIndex
{
    public sealed record Result(int Guesses, int Correct, int Incorrect, int DontKnow, double? Index, double? Lower, double? Upper);

    public static Result Compute(int correct, int incorrect, int dontKnow)
    {
        var n = correct + incorrect + dontKnow;
        if (n == 0)
            return new Result(0, 0, 0, 0, null, null, null);
        var p1 = (double)correct / n;
        var p2 = (double)incorrect / n;
        var index = p1 - p2;
        var se = Math.Sqrt((p1 * (1 - p1) + p2 * (1 - p2) + 2 * p1 * p2) / n);
        return new Result(n, correct, incorrect, dontKnow, Math.Round(index, 6), Math.Round(index - 1.96 * se, 6), Math.Round(index + 1.96 * se, 6));
    }
}
