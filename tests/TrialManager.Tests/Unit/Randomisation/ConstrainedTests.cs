using TrialManager.Api.Features.Randomisation.Methods;
using TrialManager.Data.Trials;

namespace TrialManager.Tests.Unit.Randomisation;

/// <summary>
/// The constrained engine against the definition (DESIGN.md `constrained`, cvcrand's cvrall): every test case is also
/// computed here from scratch with plain loops over plain doubles (standardise with the n − 1 sd, weight, sum over T,
/// l2 or l1, sort stably by score then listing position, take round(N × cutoff)), and the engine must agree.
/// Scores computed in a different order differ in their last bits, so the brute force ranks scores rounded to 1e-9 of
/// the largest score (mathematically equal scores tie); the counts, the constrained set and the pair counts must
/// then be equal exactly, and the cutoff score to 12 significant digits (the engine's reported precision).
/// </summary>
public sealed class ConstrainedTests
{
    /// <summary>A seeded uniform source for tests (the API plugs in its HMAC-SHA256 DRBG instead).</summary>
    private sealed class Seeded(int seed) : IUniformSource
    {
        private readonly Random _random = new(seed);
        public long Next(long exclusiveMax) => _random.NextInt64(exclusiveMax);
    }

    /// <summary>A source that always answers the same index (clamped to the range).</summary>
    private static IUniformSource Fixed(long value) => UniformSource.From(max => Math.Min(value, max - 1));

    private static IUniformSource NoDraws => UniformSource.From(_ => throw new AssertionException("nothing should be drawn"));

    private static CovariateValue N(double value) => CovariateValue.Numeric(value);
    private static CovariateValue C(string value) => CovariateValue.Categorical(value);

    private static List<ConstrainedCluster> Clusters(params (string Name, CovariateValue[] Values)[] covariates)
    {
        var n = covariates[0].Values.Length;
        return Enumerable.Range(0, n).Select(i => new ConstrainedCluster($"C{i:D2}",
            covariates.ToDictionary(c => c.Name, c => c.Values[i]))).ToList();
    }

    private static ConstrainedOptions Options(string metric, double cutoff, params (string Name, double Weight)[] covariates) =>
        new(covariates.Select(c => new ConstrainedCovariate(c.Name, c.Weight)).ToList(), metric, cutoff);

    // ---- Brute force ------------------------------------------------------------------------------------------

    private sealed record Brute(long Candidates, long Constrained, double CutoffScore, double Min, double Max, double[] Scores,
        List<int[]> Combinations, HashSet<int> Selected, long[,] SameArm);

    /// <summary>The weighted standardised columns, straight from the definition.</summary>
    private static double[][] Standardise(IReadOnlyList<ConstrainedCluster> clusters, IReadOnlyList<ConstrainedCovariate> covariates)
    {
        var n = clusters.Count;
        var columns = new List<double[]>();
        foreach (var covariate in covariates)
        {
            var values = clusters.Select(c => c.Covariates[covariate.Name]).ToList();
            var raw = new List<double[]>();
            if (values[0].IsNumeric)
                raw.Add(values.Select(v => v.Number!.Value).ToArray());
            else
                foreach (var level in values.Select(v => v.Category!).Distinct().Order(StringComparer.Ordinal).Skip(1))
                    raw.Add(values.Select(v => v.Category == level ? 1.0 : 0.0).ToArray());
            foreach (var x in raw)
            {
                var mean = x.Sum() / n;
                var sd = Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / (n - 1));
                if (sd == 0)
                    continue;
                columns.Add(x.Select(v => (v - mean) / sd * covariate.Weight).ToArray());
            }
        }
        return columns.ToArray();
    }

    /// <summary>Every k-of-n combination in lexicographic order, by recursion (independent of the engine's walk).</summary>
    private static List<int[]> AllCombinations(int n, int k)
    {
        var result = new List<int[]>();
        var current = new int[k];
        void Fill(int index, int from)
        {
            if (index == k)
            {
                result.Add((int[])current.Clone());
                return;
            }
            for (var v = from; v <= n - (k - index); v++)
            {
                current[index] = v;
                Fill(index + 1, v + 1);
            }
        }
        Fill(0, 0);
        return result;
    }

    private static Brute BruteForce(IReadOnlyList<ConstrainedCluster> clusters, int k, ConstrainedOptions options, long[]? sample = null)
    {
        var n = clusters.Count;
        var z = Standardise(clusters, options.Covariates);
        var combinations = sample is null
            ? AllCombinations(n, k)
            : sample.Select(r => Combinations.Members(Combinations.Unrank(n, k, r))).ToList();
        var scores = combinations.Select(t =>
        {
            double score = 0;
            foreach (var column in z)
            {
                var s = t.Sum(i => column[i]);
                score += options.Metric == "l2" ? s * s : Math.Abs(s);
            }
            return score;
        }).ToArray();
        var scale = Math.Max(scores.Max(), 1e-300);
        var target = Math.Clamp((long)Math.Round(scores.Length * options.Cutoff, MidpointRounding.ToEven), 1, scores.Length);
        // OrderBy is stable: equal (rounded) scores stay in listing order.
        var selected = Enumerable.Range(0, scores.Length).OrderBy(i => Math.Round(scores[i] / scale * 1e9)).Take((int)target).ToHashSet();
        var same = new long[n, n];
        foreach (var i in selected)
        {
            var inT = new bool[n];
            foreach (var member in combinations[i])
                inT[member] = true;
            for (var a = 0; a < n; a++)
                for (var b = a + 1; b < n; b++)
                    if (inT[a] == inT[b])
                        same[a, b]++;
        }
        return new Brute(scores.Length, target, selected.Max(i => scores[i]), scores.Min(), scores.Max(), scores, combinations, selected, same);
    }

    private static void AssertAgrees(ConstrainedResult result, Brute brute, int n, bool exhaustive = true)
    {
        Assert.Multiple(() =>
        {
            Assert.That(result.CandidateCount, Is.EqualTo(brute.Candidates), "candidates");
            Assert.That(result.Exhaustive, Is.EqualTo(exhaustive), "exhaustive");
            Assert.That(result.ConstrainedCount, Is.EqualTo(brute.Constrained), "constrained");
            if (brute.CutoffScore > 1e-9 * brute.Max)
                Assert.That(result.CutoffScore, Is.EqualTo(ConstrainedRandomisation.Reported(brute.CutoffScore)), "cutoff score");
            else
                Assert.That(result.CutoffScore, Is.EqualTo(0).Within(1e-9 * brute.Max), "cutoff score (zero)");
            Assert.That(result.Histogram.Sum(b => b.Count), Is.EqualTo(brute.Candidates), "histogram total");
            Assert.That(result.Histogram[0].From, Is.EqualTo(brute.Min).Within(1e-9 * (1 + brute.Max)), "histogram from");
            Assert.That(result.Histogram[^1].To, Is.EqualTo(brute.Max).Within(1e-9 * (1 + brute.Max)), "histogram to");
            Assert.That(result.Pairs, Has.Count.EqualTo(n * (n - 1) / 2));
            var expectedWarnings = 0;
            foreach (var pair in result.Pairs)
            {
                var same = brute.SameArm[pair.A, pair.B];
                Assert.That(pair.SameArmCount, Is.EqualTo(same), $"pair {pair.A},{pair.B}");
                Assert.That(pair.SameArmShare, Is.EqualTo((double)same / brute.Constrained), $"pair share {pair.A},{pair.B}");
                if (same == 0 || same == brute.Constrained)
                    expectedWarnings++;
            }
            Assert.That(result.Warnings, Has.Count.EqualTo(expectedWarnings), "warnings");
            if (result.Chosen is { } chosen)
            {
                Assert.That(brute.Selected, Does.Contain((int)chosen.Position), "the chosen allocation is constrained");
                var members = brute.Combinations[(int)chosen.Position];
                Assert.That(Enumerable.Range(0, n).Where(i => chosen.InFirstArm[i]), Is.EqualTo(members), "membership");
                Assert.That(chosen.Score, Is.EqualTo(brute.Scores[chosen.Position]).Within(1e-9 * (1 + brute.Max)), "chosen score");
                Assert.That(chosen.Rank, Is.EqualTo(Combinations.Rank(n, members.Aggregate(0UL, (m, i) => m | 1UL << i))), "rank");
            }
        });
    }

    // ---- Cases ------------------------------------------------------------------------------------------------

    private static List<ConstrainedCluster> EightClusters() => Clusters(
        ("caseload", [N(12), N(30), N(7), N(22), N(15), N(40), N(9), N(18)]),
        ("staff", [N(3.5), N(2.0), N(4.25), N(1.75), N(3.0), N(2.5), N(5.0), N(2.0)]),
        ("teamType", [C("support"), C("crisis"), C("early"), C("support"), C("crisis"), C("support"), C("early"), C("crisis")]));

    private static List<ConstrainedCluster> NineClusters() => Clusters(
        ("caseload", [N(120), N(85), N(240), N(60), N(150), N(95), N(180), N(75), N(130)]),
        ("ratio", [N(1.0 / 3), N(Math.PI), N(2.5), N(Math.E), N(0.1), N(1.0 / 7), N(2.0), N(Math.Sqrt(2)), N(0.7)]),
        ("site", [C("SLAM"), C("SLAM"), C("Oxleas"), C("CNWL"), C("Oxleas"), C("CNWL"), C("SLAM"), C("CNWL"), C("Oxleas")]));

    /// <summary>Categorical covariates only: few distinct scores, many exact ties.</summary>
    private static List<ConstrainedCluster> CategoricalClusters() => Clusters(
        ("site", [C("A"), C("A"), C("A"), C("B"), C("B"), C("B"), C("C"), C("C"), C("D"), C("D")]),
        ("type", [C("x"), C("y"), C("x"), C("y"), C("x"), C("y"), C("x"), C("y"), C("x"), C("y")]));

    private static List<ConstrainedCluster> TwentyClusters()
    {
        var random = new Random(7);
        var kinds = new[] { "community", "crisis", "rehab" };
        return Enumerable.Range(0, 20).Select(i => new ConstrainedCluster($"T{i:D2}", new Dictionary<string, CovariateValue>
        {
            ["caseload"] = N(random.Next(20, 120)),
            ["staff"] = N(Math.Round(5 + 20 * random.NextDouble(), 1)),
            ["rurality"] = N(Math.Round(random.NextDouble(), 2)),
            ["kind"] = C(kinds[random.Next(kinds.Length)]),
        })).ToList();
    }

    private static readonly double[] Cutoffs = [0.1, 0.25, 1.0];

    [TestCaseSource(nameof(Cutoffs))]
    public void Eight_clusters_four_four_agree_with_brute_force(double cutoff)
    {
        var clusters = EightClusters();
        foreach (var metric in new[] { "l2", "l1" })
        {
            var options = Options(metric, cutoff, ("caseload", 1.5), ("staff", 0.7), ("teamType", 2));
            var result = ConstrainedRandomisation.Allocate(clusters, 4, options, new Seeded(1));
            AssertAgrees(result, BruteForce(clusters, 4, options), 8);
        }
    }

    [TestCaseSource(nameof(Cutoffs))]
    public void Nine_clusters_four_five_agree_with_brute_force(double cutoff)
    {
        var clusters = NineClusters();
        foreach (var metric in new[] { "l2", "l1" })
        {
            // `ratio` has values like 1/3 and π, which have no short decimal form.
            var options = Options(metric, cutoff, ("caseload", 1), ("ratio", 0.5), ("site", 3));
            var result = ConstrainedRandomisation.Allocate(clusters, 4, options, new Seeded(2));
            AssertAgrees(result, BruteForce(clusters, 4, options), 9);
        }
    }

    [TestCaseSource(nameof(Cutoffs))]
    public void Categorical_ties_agree_with_brute_force(double cutoff)
    {
        var clusters = CategoricalClusters();
        foreach (var metric in new[] { "l2", "l1" })
        {
            var options = Options(metric, cutoff, ("site", 1), ("type", 2));
            var brute = BruteForce(clusters, 5, options);
            Assert.That(brute.Scores.Distinct().Count(), Is.LessThan(brute.Scores.Length / 5), "the case should be full of ties");
            AssertAgrees(ConstrainedRandomisation.Allocate(clusters, 5, options, new Seeded(3)), brute, 10);
            // The paths that large tied groups take: narrowing the key range, and finding the last tied one that is in.
            var narrow = ConstrainedRandomisation.Run(clusters, 5, options, NoDraws, new Seeded(3), new ConstrainedTuning(CollectLimit: 3, MinChunk: 7),
                CancellationToken.None);
            AssertAgrees(narrow, brute, 10);
        }
    }

    [Test]
    public void Twenty_clusters_in_parallel_chunks_agree_with_brute_force()
    {
        var clusters = TwentyClusters();
        var options = Options("l2", 0.1, ("caseload", 1), ("staff", 1), ("rurality", 0.5), ("kind", 1));
        var brute = BruteForce(clusters, 10, options);
        var result = ConstrainedRandomisation.Allocate(clusters, 10, options, new Seeded(4));
        AssertAgrees(result, brute, 20);

        // The same answer on one worker in other chunks, and when the cutoff's key range is narrowed down.
        var single = ConstrainedRandomisation.Run(clusters, 10, options, NoDraws, new Seeded(4), new ConstrainedTuning(MinChunk: 1000, Workers: 1),
            CancellationToken.None);
        var narrow = ConstrainedRandomisation.Run(clusters, 10, options, NoDraws, new Seeded(4), new ConstrainedTuning(CollectLimit: 2, MinChunk: 333),
            CancellationToken.None);
        foreach (var other in new[] { single, narrow })
        {
            Assert.That(other.CutoffScore, Is.EqualTo(result.CutoffScore));
            Assert.That(other.Pairs, Is.EqualTo(result.Pairs));
            Assert.That(other.Histogram, Is.EqualTo(result.Histogram));
            Assert.That(other.Chosen!.Position, Is.EqualTo(result.Chosen!.Position));
        }
    }

    [Test]
    public void More_than_eight_columns_agree_with_brute_force()
    {
        // Nine numeric covariates: past the engine's 8-column vectors.
        var random = new Random(9);
        var names = Enumerable.Range(0, 9).Select(i => $"x{i}").ToArray();
        var clusters = Enumerable.Range(0, 11).Select(i => new ConstrainedCluster($"K{i}",
            names.ToDictionary(name => name, _ => N(random.Next(0, 50))))).ToList();
        foreach (var metric in new[] { "l2", "l1" })
        {
            var options = Options(metric, 0.2, names.Select((name, i) => (name, 1.0 + i / 4.0)).ToArray());
            AssertAgrees(ConstrainedRandomisation.Allocate(clusters, 5, options, new Seeded(8)), BruteForce(clusters, 5, options), 11);
        }
    }

    [Test]
    public void Four_clusters_worked_by_hand()
    {
        // Caseloads 1, 2, 3, 4: mean 2.5, sd (n − 1) = √(5/3), so S = (sum of T − 5) / √(5/3) and l2 = (sum − 5)² · 3/5.
        // {0,1} 2.4, {0,2} 0.6, {0,3} 0, {1,2} 0, {1,3} 0.6, {2,3} 2.4 (with the n sd, √1.25, it would be 3.2 and 0.8).
        var clusters = Clusters(("caseload", [N(1), N(2), N(3), N(4)]));
        var half = ConstrainedRandomisation.Allocate(clusters, 2, Options("l2", 0.5, ("caseload", 1)), Fixed(2));
        Assert.Multiple(() =>
        {
            Assert.That(half.CandidateCount, Is.EqualTo(6));
            Assert.That(half.ConstrainedCount, Is.EqualTo(3), "round(6 × 0.5)");
            // The two 0s and the first 0.6 in listing order ({0,2} before {1,3}).
            Assert.That(half.CutoffScore, Is.EqualTo(0.6));
            Assert.That(half.Histogram[0].From, Is.EqualTo(0));
            Assert.That(half.Histogram[^1].To, Is.EqualTo(2.4));
            Assert.That(half.Histogram.Sum(b => b.Count), Is.EqualTo(6));
            Assert.That(half.Histogram[0].Count, Is.EqualTo(2));
            Assert.That(half.Histogram[^1].Count, Is.EqualTo(2));
            // Constrained: {0,2}, {0,3}, {1,2}.
            var shares = half.Pairs.ToDictionary(p => (p.A, p.B), p => p.SameArmShare);
            Assert.That(shares[(0, 3)], Is.EqualTo(2.0 / 3));
            Assert.That(shares[(1, 2)], Is.EqualTo(2.0 / 3));
            Assert.That(shares[(0, 2)], Is.EqualTo(1.0 / 3));
            Assert.That(shares[(0, 1)], Is.EqualTo(0));
            Assert.That(shares[(2, 3)], Is.EqualTo(0));
            Assert.That(half.Warnings, Has.Count.EqualTo(2), "0 and 1, 2 and 3 are never together");
            Assert.That(half.Warnings[0], Does.Contain("C00 and C01").And.Contain("different arms"));
            Assert.That(half.Warnings[1], Does.Contain("C02 and C03").And.Contain("different arms"));
            // The third constrained allocation (index 2) in listing order is {1,2}, at position 3.
            Assert.That(half.Chosen!.Index, Is.EqualTo(2));
            Assert.That(half.Chosen.Position, Is.EqualTo(3));
            Assert.That(half.Chosen.InFirstArm, Is.EqualTo(new[] { false, true, true, false }));
            Assert.That(half.Chosen.Score, Is.EqualTo(0));
        });

        // cutoff 0.1: round(0.6) = 1, the best allocation first in listing order: {0,3}.
        var best = ConstrainedRandomisation.Allocate(clusters, 2, Options("l2", 0.1, ("caseload", 1)), Fixed(0));
        Assert.That(best.ConstrainedCount, Is.EqualTo(1));
        Assert.That(best.Chosen!.InFirstArm, Is.EqualTo(new[] { true, false, false, true }));
        Assert.That(best.Chosen.Position, Is.EqualTo(2));
        Assert.That(best.CutoffScore, Is.EqualTo(0));

        // l1: |S| of {0,2} is 1/√(5/3) = √0.6; weights scale it.
        var l1 = ConstrainedRandomisation.Preview(clusters, 2, Options("l1", 0.5, ("caseload", 2)), NoDraws);
        Assert.That(l1.CutoffScore, Is.EqualTo(ConstrainedRandomisation.Reported(2 * Math.Sqrt(0.6))));
        Assert.That(l1.Chosen, Is.Null);
    }

    [Test]
    public void Complements_tie_exactly_when_the_arms_are_equal()
    {
        // With |T| = n/2, T and its complement have the same score: every score comes twice, so a cutoff that keeps an
        // odd number keeps exactly one of the last pair, the first in listing order.
        var clusters = TwentyClusters().Take(12).ToList();
        var options = Options("l2", 0.101, ("caseload", 1), ("staff", 1), ("rurality", 1));
        var result = ConstrainedRandomisation.Preview(clusters, 6, options, NoDraws);
        var brute = BruteForce(clusters, 6, options);
        Assert.That(result.ConstrainedCount % 2, Is.EqualTo(1));
        AssertAgrees(result, brute, 12);
    }

    [Test]
    public void Too_many_candidates_are_sampled_distinct_and_replayable()
    {
        var clusters = TwentyClusters().Take(12).ToList();
        var options = Options("l2", 0.1, ("caseload", 1), ("kind", 1)) with { MaxCandidates = 100, SampleSize = 50 };
        var first = ConstrainedRandomisation.Allocate(clusters, 6, options, new Seeded(11));
        var again = ConstrainedRandomisation.Allocate(clusters, 6, options, new Seeded(11));
        var other = ConstrainedRandomisation.Allocate(clusters, 6, options, new Seeded(12));
        Assert.Multiple(() =>
        {
            Assert.That(first.Exhaustive, Is.False);
            Assert.That(first.CandidateCount, Is.EqualTo(50));
            Assert.That(first.ConstrainedCount, Is.EqualTo(5));
            Assert.That(again.CutoffScore, Is.EqualTo(first.CutoffScore));
            Assert.That(again.Pairs, Is.EqualTo(first.Pairs));
            Assert.That(again.Chosen!.Rank, Is.EqualTo(first.Chosen!.Rank));
            Assert.That(again.Chosen.InFirstArm, Is.EqualTo(first.Chosen.InFirstArm));
            Assert.That(other.Pairs, Is.Not.EqualTo(first.Pairs), "another seed, another sample");
        });

        // The sample: the first 50 distinct ranks the source draws, sorted; the engine draws them the same way.
        var ranks = ConstrainedRandomisation.SampleRanks(12, 6, 50, new Seeded(11));
        Assert.That(ranks, Has.Length.EqualTo(50));
        Assert.That(ranks, Is.Unique.And.Ordered);
        Assert.That(ranks, Has.All.InRange(0L, 923L));
        AssertAgrees(first, BruteForce(clusters, 6, options, ranks), 12, exhaustive: false);
        Assert.That(first.Chosen!.Rank, Is.EqualTo(ranks[first.Chosen.Position]));
    }

    [Test]
    public void Sample_ranks_are_the_first_distinct_draws()
    {
        var draws = new Queue<long>([5, 3, 5, 9, 3, 0, 7]);
        var ranks = ConstrainedRandomisation.SampleRanks(6, 3, 5, UniformSource.From(_ => draws.Dequeue()));
        Assert.That(ranks, Is.EqualTo(new long[] { 0, 3, 5, 7, 9 }));
        Assert.That(draws, Is.Empty);
    }

    [Test]
    public void A_sample_as_large_as_the_candidates_is_every_candidate()
    {
        var clusters = EightClusters();
        var options = Options("l2", 0.25, ("caseload", 1)) with { MaxCandidates = 10, SampleSize = 70 };
        var result = ConstrainedRandomisation.Preview(clusters, 4, options, NoDraws);
        AssertAgrees(result, BruteForce(clusters, 4, options), 8);
    }

    [Test]
    public void Every_constrained_allocation_is_drawn_about_equally_often()
    {
        var clusters = EightClusters();
        var options = Options("l2", 0.1, ("caseload", 1), ("staff", 1), ("teamType", 1));
        var brute = BruteForce(clusters, 4, options);
        Assert.That(brute.Constrained, Is.EqualTo(7));
        const int draws = 7000;
        var counts = new Dictionary<long, int>();
        for (var seed = 0; seed < draws; seed++)
        {
            var chosen = ConstrainedRandomisation.Allocate(clusters, 4, options, new Seeded(seed)).Chosen!;
            Assert.That(brute.Selected, Does.Contain((int)chosen.Position));
            counts[chosen.Position] = counts.GetValueOrDefault(chosen.Position) + 1;
        }
        // Expected 1000 each (sd ≈ 29): each within ±150, and chi-square (6 df) below 25 (p ≈ 0.0003).
        Assert.That(counts.Keys, Is.EquivalentTo(brute.Selected.Select(i => (long)i)));
        Assert.That(counts.Values, Has.All.InRange(850, 1150));
        var chiSquare = counts.Values.Sum(c => (c - 1000.0) * (c - 1000.0) / 1000.0);
        Assert.That(chiSquare, Is.LessThan(25));
    }

    [Test]
    public void A_pair_always_together_is_warned_about()
    {
        // Clusters 0 and 1 cancel out: the 8 allocations with both or neither in T score 0, all others more. Keeping
        // 8 of 20 keeps exactly those: 0 and 1 are always together, and no other pair always or never.
        var clusters = Clusters(("caseload", [N(-1), N(1), N(0), N(0), N(0), N(0)]));
        var result = ConstrainedRandomisation.Preview(clusters, 3, Options("l2", 0.4, ("caseload", 1)), NoDraws);
        Assert.That(result.ConstrainedCount, Is.EqualTo(8));
        Assert.That(result.CutoffScore, Is.EqualTo(0));
        Assert.That(result.Pairs.Single(p => p.A == 0 && p.B == 1).SameArmShare, Is.EqualTo(1));
        Assert.That(result.Warnings, Has.Count.EqualTo(1));
        Assert.That(result.Warnings[0], Does.Contain("C00 and C01").And.Contain("same arm"));

        var all = ConstrainedRandomisation.Preview(EightClusters(), 4, Options("l2", 1.0, ("caseload", 1), ("teamType", 1)), NoDraws);
        Assert.That(all.Warnings, Is.Empty);
        Assert.That(all.Pairs, Has.All.Matches<ConstrainedPair>(p => p.SameArmShare > 0 && p.SameArmShare < 1));
    }

    [Test]
    public void Columns_without_spread_or_weight_contribute_nothing()
    {
        var clusters = Clusters(("caseload", [N(1), N(2), N(3), N(4)]), ("same", [N(5), N(5), N(5), N(5)]), ("kind", [C("a"), C("a"), C("a"), C("a")]));
        var result = ConstrainedRandomisation.Preview(clusters, 2, Options("l2", 0.5, ("caseload", 1), ("same", 3), ("kind", 1)), NoDraws);
        Assert.That(result.CutoffScore, Is.EqualTo(0.6));
        var none = ConstrainedRandomisation.Allocate(clusters, 2, Options("l2", 0.5, ("caseload", 0)), Fixed(1));
        Assert.That(none.CutoffScore, Is.EqualTo(0));
        Assert.That(none.Histogram, Has.Count.EqualTo(1));
        Assert.That(none.Chosen!.Position, Is.EqualTo(1), "all tie: the first three in listing order");
    }

    [Test]
    public void The_first_arm_size_follows_the_ratio_half_to_even()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ConstrainedRandomisation.FirstArmSize(30, 1, 1), Is.EqualTo(15));
            Assert.That(ConstrainedRandomisation.FirstArmSize(9, 1, 1), Is.EqualTo(4), "4.5 → 4");
            Assert.That(ConstrainedRandomisation.FirstArmSize(11, 1, 1), Is.EqualTo(6), "5.5 → 6");
            Assert.That(ConstrainedRandomisation.FirstArmSize(10, 2, 1), Is.EqualTo(7));
            Assert.That(ConstrainedRandomisation.FirstArmSize(10, 1, 2), Is.EqualTo(3));
            Assert.Throws<ArgumentOutOfRangeException>(() => ConstrainedRandomisation.FirstArmSize(3, 1, 10));
            Assert.Throws<ArgumentOutOfRangeException>(() => ConstrainedRandomisation.FirstArmSize(3, 10, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => ConstrainedRandomisation.FirstArmSize(1, 1, 1));
        });
    }

    [Test]
    public void Combinations_rank_and_unrank_in_lexicographic_order()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Combinations.Binomial(30, 15), Is.EqualTo(155_117_520));
            Assert.That(Combinations.Binomial(64, 32), Is.EqualTo(1_832_624_140_942_590_534));
            Assert.That(Combinations.Binomial(100, 50), Is.EqualTo(long.MaxValue), "saturates");
            Assert.That(Combinations.Binomial(100, 3), Is.EqualTo(161_700));
            Assert.That(Combinations.Binomial(5, 7), Is.EqualTo(0));
        });
        var all = AllCombinations(7, 3);
        for (var rank = 0; rank < all.Count; rank++)
        {
            var mask = Combinations.Unrank(7, 3, rank);
            Assert.That(Combinations.Members(mask), Is.EqualTo(all[rank]));
            Assert.That(Combinations.Rank(7, mask), Is.EqualTo(rank));
        }
        Assert.That(Combinations.Rank(64, Combinations.Unrank(64, 32, 1_832_624_140_942_590_533)), Is.EqualTo(1_832_624_140_942_590_533));
    }

    [Test]
    public void The_pair_counter_transposes_bit_matrices()
    {
        var random = new Random(10);
        var rows = Enumerable.Range(0, 64).Select(_ => (ulong)random.NextInt64() ^ (ulong)random.NextInt64() << 1).ToArray();
        var original = (ulong[])rows.Clone();
        ConstrainedPairCounts.Transpose(rows);
        for (var i = 0; i < 64; i++)
            for (var j = 0; j < 64; j++)
                Assert.That(rows[i] >> j & 1, Is.EqualTo(original[j] >> i & 1), $"({i}, {j})");
    }

    [Test]
    public void Large_designs_are_sampled_and_too_large_ones_refused()
    {
        var random = new Random(5);
        var clusters = Enumerable.Range(0, 64).Select(i => new ConstrainedCluster($"T{i}",
            new Dictionary<string, CovariateValue> { ["caseload"] = N(random.Next(10, 100)) })).ToList();
        var options = Options("l2", 0.1, ("caseload", 1)) with { SampleSize = 2000 };
        var result = ConstrainedRandomisation.Allocate(clusters, 32, options, new Seeded(6));
        Assert.That(result.Exhaustive, Is.False);
        Assert.That(result.CandidateCount, Is.EqualTo(2000));
        Assert.That(result.ConstrainedCount, Is.EqualTo(200));
        Assert.That(result.Chosen!.InFirstArm.Count(x => x), Is.EqualTo(32));

        var tooMany = clusters.Append(new ConstrainedCluster("T64", clusters[0].Covariates)).ToList();
        Assert.Throws<ArgumentException>(() => ConstrainedRandomisation.Preview(tooMany, 32, options, new Seeded(6)));
        Assert.Throws<ArgumentException>(() => ConstrainedRandomisation.Preview(clusters.Take(4).ToList(), 2, Options("l2", 0.1, ("missing", 1)), NoDraws));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConstrainedRandomisation.Preview(clusters.Take(4).ToList(), 4, options, NoDraws));
    }
}
