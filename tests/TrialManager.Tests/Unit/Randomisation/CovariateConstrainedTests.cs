using TrialManager.Api.Features.Randomisation.Methods;
using TrialManager.Data.Trials;

namespace TrialManager.Tests.Unit.Randomisation;

public sealed class CovariateConstrainedTests
{
    private static IReadOnlyDictionary<string, CovariateValue> Cluster(double caseload, string site, string type) => new Dictionary<string, CovariateValue>
    {
        ["caseload"] = CovariateValue.Numeric(caseload), ["site"] = CovariateValue.Categorical(site), ["type"] = CovariateValue.Categorical(type),
    };

    private static readonly IReadOnlyDictionary<string, CovariateValue>[] Eight =
    [
        Cluster(120, "SLAM", "support"), Cluster(180, "SLAM", "early"), Cluster(210, "SLAM", "support"), Cluster(250, "SLAM", "rehab"),
        Cluster(300, "GLOS", "early"), Cluster(140, "GLOS", "support"), Cluster(260, "GLOS", "rehab"), Cluster(190, "GLOS", "early"),
    ];

    private static long Uniform(string label, long n) => Math.Abs((long)(uint)label.GetHashCode(StringComparison.Ordinal)) % n;

    /// <summary>Every combination of k of n, lexicographically, scored from scratch: the definition, written plainly.</summary>
    private static List<(int[] Set, double Score)> BruteForce(double[][] rows, int k, bool l1)
    {
        var result = new List<(int[], double)>();
        void Recurse(List<int> chosen, int next)
        {
            if (chosen.Count == k)
            {
                var sums = new double[rows[0].Length];
                foreach (var i in chosen)
                    for (var c = 0; c < sums.Length; c++)
                        sums[c] += rows[i][c];
                result.Add((chosen.ToArray(), CovariateConstrained.Score(sums, l1)));
                return;
            }
            for (var v = next; v < rows.Length; v++)
            {
                chosen.Add(v);
                Recurse(chosen, v + 1);
                chosen.RemoveAt(chosen.Count - 1);
            }
        }
        Recurse([], 0);
        return result;
    }

    [TestCase("l2", 0.1, 4)]
    [TestCase("l1", 0.25, 4)]
    [TestCase("l2", 1.0, 4)]
    [TestCase("l2", 0.1, 3)]
    [TestCase("l1", 0.05, 5)]
    public void Enumeration_matches_brute_force_exactly(string metric, double cutoff, int firstArm)
    {
        CovariateConstrained.Covariate[] covariates = [new("caseload", 1), new("site", 2), new("type", 0.5)];
        var rows = CovariateConstrained.Columns(Eight, covariates);
        var result = CovariateConstrained.Run(rows, firstArm, metric, cutoff, long.MaxValue, 0, Uniform, allocate: true);

        var all = BruteForce(rows, firstArm, metric == "l1");
        var wanted = Math.Max(1, (long)Math.Round(all.Count * cutoff, MidpointRounding.ToEven));
        var kept = all.Select((c, i) => (c.Set, c.Score, Position: i)).OrderBy(c => c.Score).ThenBy(c => c.Position).Take((int)wanted).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(result.CandidateCount, Is.EqualTo(all.Count));
            Assert.That(result.Exhaustive, Is.True);
            Assert.That(result.ConstrainedCount, Is.EqualTo(wanted));
            Assert.That(result.CutoffScore, Is.EqualTo(kept.Max(c => c.Score)));
            Assert.That(result.Histogram.Sum(b => b.Count), Is.EqualTo(all.Count));
            foreach (var pair in result.Pairs)
            {
                var same = kept.Count(c => c.Set.Contains(pair.A) == c.Set.Contains(pair.B));
                Assert.That(pair.SameArmShare, Is.EqualTo(same / (double)wanted).Within(1e-12), $"pair {pair.A},{pair.B}");
            }
            Assert.That(result.Pairs, Has.Count.EqualTo(8 * 7 / 2));
            var chosen = Enumerable.Range(0, 8).Where(i => result.Chosen!.InFirstArm[i]).ToArray();
            Assert.That(kept.Any(c => c.Set.SequenceEqual(chosen)), "the drawn allocation is one of the constrained ones");
        });
    }

    [Test]
    public void Ties_are_kept_in_listing_order()
    {
        // Only a categorical covariate: many allocations share a score; the constrained space takes the first listed.
        CovariateConstrained.Covariate[] covariates = [new("site", 1)];
        var rows = CovariateConstrained.Columns(Eight, covariates);
        var result = CovariateConstrained.Run(rows, 4, "l2", 0.1, long.MaxValue, 0, Uniform, allocate: false);
        var all = BruteForce(rows, 4, l1: false);
        var kept = all.Select((c, i) => (c.Set, c.Score, Position: i)).OrderBy(c => c.Score).ThenBy(c => c.Position).Take(7).ToList();
        Assert.That(result.ConstrainedCount, Is.EqualTo(7));
        foreach (var pair in result.Pairs)
            Assert.That(pair.SameArmShare, Is.EqualTo(kept.Count(c => c.Set.Contains(pair.A) == c.Set.Contains(pair.B)) / 7.0).Within(1e-12));
    }

    [Test]
    public void Standardisation_uses_the_n_minus_1_sd_and_a_first_level_baseline()
    {
        var four = new[] { 1.0, 2, 3, 4 }.Select(x => (IReadOnlyDictionary<string, CovariateValue>)new Dictionary<string, CovariateValue>
            { ["x"] = CovariateValue.Numeric(x), ["g"] = CovariateValue.Categorical(x < 3 ? "b" : "a") }).ToList();
        var rows = CovariateConstrained.Columns(four, [new("x", 1), new("g", 1)]);
        var sd = Math.Sqrt(5.0 / 3);
        Assert.Multiple(() =>
        {
            Assert.That(rows.Select(r => r[0]), Is.EqualTo(new[] { -1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd }).Within(1e-12));
            // Levels "a" < "b": "a" is the baseline, the column marks "b" (x = 1, 2).
            Assert.That(rows.Select(r => r[1] > 0), Is.EqualTo(new[] { true, true, false, false }));
        });
        // {1,4} and {2,3} balance x perfectly; of those, only... both split g evenly too: the best score is 0.
        var result = CovariateConstrained.Run(rows, 2, "l2", 1 / 6.0, long.MaxValue, 0, Uniform, allocate: false);
        Assert.That(result.CutoffScore, Is.EqualTo(0).Within(1e-9));
        Assert.That(result.ConstrainedCount, Is.EqualTo(1));
    }

    [Test]
    public void Too_many_candidates_are_sampled_distinct_and_listed_in_order()
    {
        var rows = CovariateConstrained.Columns(Eight, [new("caseload", 1)]);
        var seed = new SealedRandom(new byte[32]);
        var result = CovariateConstrained.Run(rows, 4, "l2", 0.2, maxCandidates: 50, sampleSize: 30, seed.Next, allocate: true);
        var again = CovariateConstrained.Run(rows, 4, "l2", 0.2, maxCandidates: 50, sampleSize: 30, new SealedRandom(new byte[32]).Next, allocate: true);
        Assert.Multiple(() =>
        {
            Assert.That(result.Exhaustive, Is.False);
            Assert.That(result.CandidateCount, Is.EqualTo(30));
            Assert.That(result.ConstrainedCount, Is.EqualTo(6));
            Assert.That(again.Chosen!.ListingPosition, Is.EqualTo(result.Chosen!.ListingPosition), "the same seed draws the same");
        });
    }

    [Test]
    public void Every_constrained_allocation_is_drawn_about_equally_often()
    {
        var rows = CovariateConstrained.Columns(Eight, [new("caseload", 1), new("site", 1)]);
        var counts = new Dictionary<long, int>();
        for (var run = 0; run < 7_000; run++)
        {
            var seed = new byte[32];
            BitConverter.TryWriteBytes(seed, run);
            var chosen = CovariateConstrained.Run(rows, 4, "l2", 0.1, long.MaxValue, 0, new SealedRandom(seed).Next, allocate: true).Chosen!;
            counts[chosen.ListingPosition] = counts.GetValueOrDefault(chosen.ListingPosition) + 1;
        }
        Assert.That(counts, Has.Count.EqualTo(7));
        var chiSquare = counts.Values.Sum(c => Math.Pow(c - 1000, 2) / 1000);
        Assert.That(chiSquare, Is.LessThan(22.46), "chi-square with 6 degrees of freedom, p = 0.001");
    }

    [Test]
    public void A_pair_always_together_shows_as_degenerate()
    {
        // Two identical clusters far from the rest, with a cutoff so tight that the best allocations must split them
        // the same way every time.
        var clusters = new[] { 0.0, 0, 10, 10, 20, 20 }.Select(x => (IReadOnlyDictionary<string, CovariateValue>)
            new Dictionary<string, CovariateValue> { ["x"] = CovariateValue.Numeric(x) }).ToList();
        var rows = CovariateConstrained.Columns(clusters, [new("x", 1)]);
        var result = CovariateConstrained.Run(rows, 3, "l2", 0.3, long.MaxValue, 0, Uniform, allocate: false);
        Assert.That(result.Degenerate, Is.Not.Empty);
        Assert.That(result.Degenerate.All(p => p.SameArmShare is 0 or 1));
        var loose = CovariateConstrained.Run(rows, 3, "l2", 1.0, long.MaxValue, 0, Uniform, allocate: false);
        Assert.That(loose.Degenerate, Is.Empty);
    }

    [TestCase(8, 1, 1, 4)]
    [TestCase(9, 2, 1, 6)]
    [TestCase(7, 1, 1, 4)]
    public void The_first_arms_size_follows_the_ratio(int clusters, int first, int second, int expected) =>
        Assert.That(CovariateConstrained.FirstArmSize(clusters, first, second), Is.EqualTo(expected));

    [Test]
    public void Ranks_and_combinations_correspond()
    {
        var listed = new List<int[]>();
        for (var a = 0; a < 6; a++)
            for (var b = a + 1; b < 6; b++)
                for (var c = b + 1; c < 6; c++)
                    listed.Add([a, b, c]);
        Assert.That(CovariateConstrained.Binomial(6, 3), Is.EqualTo(listed.Count));
        for (var rank = 0; rank < listed.Count; rank++)
            Assert.That(CovariateConstrained.Unrank(rank, 6, 3), Is.EqualTo(listed[rank]));
        Assert.That(CovariateConstrained.Binomial(30, 15), Is.EqualTo(155_117_520));
    }
}
