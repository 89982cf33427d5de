using System.Security.Cryptography;
using TrialManager.Api.Features.Randomisation.Methods;

namespace TrialManager.Tests.Unit.Randomisation;

public sealed class SequentialMethodsTests
{
    private static readonly ArmRatio[] OneToOne = [new("a", 1), new("b", 1)];
    private static readonly ArmRatio[] TwoToOne = [new("a", 2), new("b", 1)];

    private static SealedRandom Seeded(int seed)
    {
        var bytes = new byte[SealedRandom.SeedBytes];
        BitConverter.TryWriteBytes(bytes, seed);
        return new SealedRandom(bytes);
    }

    [Test]
    public void The_same_seed_and_label_give_the_same_draw_and_other_labels_or_seeds_differ()
    {
        var a = Seeded(1);
        Assert.That(a.Next("simple/1", 1000), Is.EqualTo(Seeded(1).Next("simple/1", 1000)));
        var draws = Enumerable.Range(0, 50).Select(i => a.Next($"simple/{i}", 1_000_000)).ToHashSet();
        Assert.That(draws, Has.Count.GreaterThan(45));
        Assert.That(Enumerable.Range(0, 20).Count(i => Seeded(i).Next("x", 1_000_000) == a.Next("x", 1_000_000)), Is.LessThanOrEqualTo(1));
    }

    [Test]
    public void Draws_are_uniform()
    {
        var random = new SealedRandom(RandomNumberGenerator.GetBytes(32));
        var counts = new int[6];
        for (var i = 0; i < 60_000; i++)
            counts[random.Next($"d/{i}", 6)]++;
        var chiSquare = counts.Sum(c => Math.Pow(c - 10_000, 2) / 10_000);
        Assert.That(chiSquare, Is.LessThan(20.5), "chi-square with 5 degrees of freedom, p = 0.001");
    }

    [Test]
    public void Simple_randomisation_follows_the_ratio_over_10000_seeded_runs()
    {
        var first = 0;
        for (var run = 0; run < 10_000; run++)
            if (SimpleRandomisation.Draw(TwoToOne, Seeded(run), 1) == "a")
                first++;
        var expected = 10_000 * 2 / 3.0;
        var chiSquare = Math.Pow(first - expected, 2) / expected + Math.Pow(10_000 - first - (10_000 - expected), 2) / (10_000 - expected);
        Assert.That(chiSquare, Is.LessThan(10.83), "chi-square with 1 degree of freedom, p = 0.001");
    }

    [Test]
    public void Every_block_holds_the_arms_in_the_ratio()
    {
        var sequence = BlockSequence.Generate(TwoToOne, [3, 6], Seeded(7), "site=A", 600);
        var position = 0;
        var blocks = 0;
        while (position < 600)
        {
            // Each block is 3 or 6 long with exactly two "a" per three, so every block boundary is balanced.
            var balanced = Enumerable.Range(1, 600 - position).FirstOrDefault(n => n % 3 == 0
                && sequence.Skip(position).Take(n).Count(x => x == "a") == 2 * n / 3);
            Assert.That(balanced, Is.GreaterThan(0));
            position += balanced;
            blocks++;
        }
        Assert.That(blocks, Is.GreaterThan(60));
    }

    [Test]
    public void Ten_thousand_seeded_block_sequences_stay_within_half_a_block_of_balance_at_every_point()
    {
        int[] sizes = [2, 4, 6];
        var worst = 0;
        var firstArm = 0L;
        for (var run = 0; run < 10_000; run++)
        {
            var sequence = BlockSequence.Generate(OneToOne, sizes, Seeded(run), "stratum", 40);
            var imbalance = 0;
            foreach (var arm in sequence.Take(40))
            {
                imbalance += arm == "a" ? 1 : -1;
                worst = Math.Max(worst, Math.Abs(imbalance));
            }
            firstArm += sequence.Take(40).Count(x => x == "a");
        }
        Assert.That(worst, Is.LessThanOrEqualTo(sizes.Max() / 2), "never more than half the largest block apart");
        Assert.That(firstArm / (10_000.0 * 40), Is.EqualTo(0.5).Within(0.005));
    }

    [Test]
    public void A_stratums_sequence_depends_only_on_the_seed_and_its_name()
    {
        var one = BlockSequence.Generate(OneToOne, [2, 4], Seeded(3), "site=A", 30);
        Assert.That(BlockSequence.Generate(OneToOne, [2, 4], Seeded(3), "site=A", 60).Take(30), Is.EqualTo(one), "a longer sequence extends it");
        Assert.That(BlockSequence.Generate(OneToOne, [2, 4], Seeded(3), "site=B", 30), Is.Not.EqualTo(one));
        Assert.That(BlockSequence.ArmAt(OneToOne, [2, 4], Seeded(3), "site=A", 17), Is.EqualTo(one[16]));
    }

    /// <summary>
    /// A worked example in the style of Pocock and Simon (1975) and Altman's textbook account: two factors, the
    /// counts of already allocated clusters sharing the new cluster's levels, and the range of the counts.
    /// </summary>
    [Test]
    public void Minimisation_computes_the_pocock_simon_imbalance_of_each_arm()
    {
        var levels = new Dictionary<string, string> { ["site"] = "A", ["type"] = "early" };
        var allocated = new List<Minimisation.Allocated>();
        void Add(string arm, string site, string type, int times)
        {
            for (var i = 0; i < times; i++)
                allocated.Add(new Minimisation.Allocated(arm, new Dictionary<string, string> { ["site"] = site, ["type"] = type }));
        }
        Add("a", "A", "early", 3); // site A: a 3+2=5, b 4; type early: a 3+1=4, b 2+0=2
        Add("a", "A", "late", 2);
        Add("a", "B", "early", 1);
        Add("b", "A", "early", 2);
        Add("b", "A", "late", 2);
        Add("b", "B", "late", 3);
        Minimisation.Factor[] factors = [new("site", 1), new("type", 2)];
        var decision = Minimisation.Decide(OneToOne, factors, "range", 1.0, allocated, levels, Seeded(1), 1);
        Assert.Multiple(() =>
        {
            // To a: site |6-4| = 2, type |5-2| = 3, weighted 2 + 2*3 = 8. To b: site |5-5| = 0, type |4-3| = 1: 0 + 2 = 2.
            Assert.That(decision.Imbalance["a"], Is.EqualTo(8));
            Assert.That(decision.Imbalance["b"], Is.EqualTo(2));
            Assert.That(decision.Arm, Is.EqualTo("b"), "with probability 1 the least imbalance wins");
            Assert.That(decision.Rule, Is.EqualTo("least-imbalance"));
        });
    }

    [Test]
    public void Minimisation_takes_the_least_imbalance_with_the_configured_probability()
    {
        var levels = new Dictionary<string, string> { ["site"] = "A" };
        var allocated = new[] { new Minimisation.Allocated("a", levels) };
        var least = Enumerable.Range(0, 10_000)
            .Count(run => Minimisation.Decide(OneToOne, [new("site", 1)], "range", 0.8, allocated, levels, Seeded(run), 2).Arm == "b");
        Assert.That(least / 10_000.0, Is.EqualTo(0.8).Within(0.015));
    }

    [Test]
    public void Minimisation_breaks_equal_imbalance_at_random_and_records_the_variance_measure()
    {
        var levels = new Dictionary<string, string> { ["site"] = "A" };
        var first = Enumerable.Range(0, 4_000).Count(run =>
            Minimisation.Decide(OneToOne, [new("site", 1)], "variance", 0.8, [], levels, Seeded(run), 1).Arm == "a");
        Assert.That(first / 4_000.0, Is.EqualTo(0.5).Within(0.03));
        var decision = Minimisation.Decide(OneToOne, [new("site", 1)], "variance", 0.8, [], levels, Seeded(0), 1);
        Assert.That(decision.Imbalance["a"], Is.EqualTo(0.5), "counts (1, 0): sample variance 0.5");
        Assert.That(decision.Rule, Is.EqualTo("all-equal-random"));
    }
}
