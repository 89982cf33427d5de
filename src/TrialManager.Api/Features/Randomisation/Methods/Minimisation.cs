namespace TrialManager.Api.Features.Randomisation.Methods;

/// <summary>
/// Pocock–Simon minimisation (Pocock &amp; Simon 1975). For each arm, the imbalance that would follow if the new
/// cluster went there: per factor, the counts of already allocated clusters sharing the new cluster's level, per
/// arm and divided by the arm's part of the ratio (so 2:1 balances at twice as many in the first arm), measured by
/// their range or variance, and summed with the factors' weights. The arm with the least imbalance is chosen with the configured probability, another arm otherwise;
/// equal least imbalances are broken at random.
/// </summary>
public static class Minimisation
{
    public sealed record Factor(string Name, double Weight);

    /// <summary>An allocated cluster: its arm and its level of each factor.</summary>
    public sealed record Allocated(string Arm, IReadOnlyDictionary<string, string> Levels);

    public sealed record Decision(string Arm, IReadOnlyDictionary<string, double> Imbalance, string Rule);

    public static Decision Decide(IReadOnlyList<ArmRatio> arms, IReadOnlyList<Factor> factors, string imbalance, double probability,
        IReadOnlyCollection<Allocated> allocated, IReadOnlyDictionary<string, string> levels, SealedRandom random, int draw)
    {
        var scores = arms.ToDictionary(a => a.Code, a => Imbalance(arms, factors, imbalance, allocated, levels, a.Code));
        var least = scores.Values.Min();
        var best = arms.Where(a => scores[a.Code] == least).Select(a => a.Code).ToList();
        if (best.Count == arms.Count)
            return new Decision(best[(int)random.Next($"minimisation/{draw}/tie", best.Count)], scores, "all-equal-random");
        if (best.Count > 1)
            return new Decision(best[(int)random.Next($"minimisation/{draw}/tie", best.Count)], scores, "least-tied-random");
        // The random element keeps the next allocation unpredictable even to someone who knows every earlier one.
        if (random.Next($"minimisation/{draw}/p", 1_000_000) < probability * 1_000_000)
            return new Decision(best[0], scores, "least-imbalance");
        var others = arms.Where(a => a.Code != best[0]).Select(a => a.Code).ToList();
        return new Decision(others[(int)random.Next($"minimisation/{draw}/other", others.Count)], scores, "random-other");
    }

    private static double Imbalance(IReadOnlyList<ArmRatio> arms, IReadOnlyList<Factor> factors, string measure,
        IReadOnlyCollection<Allocated> allocated, IReadOnlyDictionary<string, string> levels, string candidate)
    {
        var sum = 0.0;
        foreach (var factor in factors)
        {
            var level = levels[factor.Name];
            var counts = arms.Select(a =>
                (allocated.Count(c => c.Arm == a.Code && c.Levels[factor.Name] == level) + (a.Code == candidate ? 1 : 0))
                / (double)a.Ratio).ToList();
            sum += factor.Weight * (measure == "variance" ? Variance(counts) : counts.Max() - counts.Min());
        }
        return sum;
    }

    private static double Variance(IReadOnlyList<double> values)
    {
        var mean = values.Average();
        return values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
    }
}
