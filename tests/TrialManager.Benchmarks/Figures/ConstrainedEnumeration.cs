using System.Diagnostics;
using TrialManager.Api.Features.Randomisation.Methods;
using TrialManager.Data.Trials;

namespace TrialManager.Benchmarks.Figures;

/// <summary>
/// randomisation.constrained.c30_15.seconds: how long the constrained engine takes to preview a design of 30 clusters
/// at 1:1 with 5 numeric covariates: every one of the C(30, 15) = 155,117,520 allocations scored (l2), the exact
/// cutoff at 10%, the score histogram and the pair diagnostics. The issue asks for under 30 s. No database: the
/// engine is pure (the context's database is not used).
/// <para>
/// The reference (reference=, labelled "enumerate-only" on stderr) is a plain single-threaded loop that only lists the
/// same combinations in the same lexicographic order, without scoring anything; the engine is parallel and walks the
/// combinations several times, so the ratio is not an efficiency, only a yardstick that moves with the machine.
/// </para>
/// </summary>
public sealed class ConstrainedEnumeration : IFigure
{
    private const int Clusters = 30, FirstArm = 15;
    private const long Expected = 155_117_520;
    private const double RequiredSeconds = 30;

    /// <summary>Timed runs (after one untimed run); the median counts.</summary>
    private const int Runs = 3;

    public string Name => "randomisation.constrained.c30_15.seconds";

    public Task<FigureResult> RunAsync(BenchContext context, CancellationToken ct)
    {
        var clusters = MakeClusters();
        var options = new ConstrainedOptions(
            new[] { "caseload", "staff", "deprivation", "rurality", "turnover" }.Select(name => new ConstrainedCovariate(name, 1)).ToList(),
            ConstrainedRandomisation.L2, Cutoff: 0.1);
        var unused = UniformSource.From(_ => throw new InvalidOperationException("An exhaustive preview draws nothing."));

        var times = new List<double>();
        for (var run = 0; run <= Runs; run++)
        {
            var clock = Stopwatch.StartNew();
            var result = ConstrainedRandomisation.Preview(clusters, FirstArm, options, unused, ct);
            var seconds = clock.Elapsed.TotalSeconds;
            Console.Error.WriteLine(
                $"[{Name}] {(run == 0 ? "warm-up" : $"run {run}")}: {seconds:F2} s, candidates {result.CandidateCount}, " +
                $"exhaustive {result.Exhaustive}, constrained {result.ConstrainedCount}, cutoff score {result.CutoffScore}, " +
                $"{result.Pairs.Count} pairs, {result.Warnings.Count} warnings");
            if (result.CandidateCount != Expected || !result.Exhaustive || result.ConstrainedCount != 15_511_752
                || result.Histogram.Sum(b => b.Count) != Expected || result.Pairs.Count != Clusters * (Clusters - 1) / 2)
                throw new InvalidOperationException($"The preview should score all {Expected} allocations and keep 15511752 of them.");
            if (run > 0)
                times.Add(seconds);
        }

        var reference = EnumerateOnly(ct);
        Console.Error.WriteLine($"[{Name}] reference: enumerate-only (single-threaded plain loop listing the {Expected} combinations, no scoring): {reference:F2} s");

        var median = times.Order().ElementAt(times.Count / 2);
        var figure = new FigureResult(Name, median, "s", reference, "s");
        if (figure.Value >= RequiredSeconds)
            Console.Error.WriteLine($"WARNING: {Name} takes {figure.Value:F1} s; the issue requires under {RequiredSeconds:F0} s.");
        return Task.FromResult(figure);
    }

    /// <summary>30 teams with 5 numeric covariates, the same every run (a fixed linear congruential sequence).</summary>
    private static List<ConstrainedCluster> MakeClusters()
    {
        ulong state = 0x2545F4914F6CDD1D;
        double Uniform()
        {
            state = state * 6364136223846793005 + 1442695040888963407;
            return (state >> 11) * (1.0 / (1UL << 53));
        }

        return Enumerable.Range(1, Clusters).Select(i => new ConstrainedCluster($"T{i:D2}", new Dictionary<string, CovariateValue>
        {
            ["caseload"] = CovariateValue.Numeric(Math.Round(20 + 100 * Uniform())),
            ["staff"] = CovariateValue.Numeric(Math.Round(5 + 20 * Uniform())),
            ["deprivation"] = CovariateValue.Numeric(Math.Round(10 + 40 * Uniform(), 1)),
            ["rurality"] = CovariateValue.Numeric(Math.Round(Uniform(), 2)),
            ["turnover"] = CovariateValue.Numeric(Math.Round(0.05 + 0.3 * Uniform(), 3)),
        })).ToList();
    }

    /// <summary>The reference: list every 15-of-30 combination in lexicographic order with the textbook successor, nothing else.</summary>
    private static double EnumerateOnly(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var members = Enumerable.Range(0, FirstArm).ToArray();
        long count = 0, check = 0;
        while (true)
        {
            count++;
            check += members[0] ^ members[FirstArm - 1];
            var i = FirstArm - 1;
            while (i >= 0 && members[i] == Clusters - FirstArm + i)
                i--;
            if (i < 0)
                break;
            members[i]++;
            for (var j = i + 1; j < FirstArm; j++)
                members[j] = members[j - 1] + 1;
            if ((count & 0xFFFFFF) == 0)
                ct.ThrowIfCancellationRequested();
        }
        var seconds = clock.Elapsed.TotalSeconds;
        if (count != Expected || check <= 0)
            throw new InvalidOperationException($"The enumeration listed {count} combinations, not {Expected}.");
        return seconds;
    }
}
