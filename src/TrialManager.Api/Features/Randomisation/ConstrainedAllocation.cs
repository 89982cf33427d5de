using TrialManager.Api.Features.Randomisation.Methods;
using TrialManager.Data.Randomisation;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Randomisation;

/// <summary>Feeds a trial's clusters to <see cref="ConstrainedRandomisation"/>: in code order, with `site` as a categorical covariate.</summary>
internal static class ConstrainedAllocation
{
    public static ConstrainedResult Run(SchemeDefinition definition, IReadOnlyList<ArmRatio> arms, IReadOnlyList<Cluster> clustersInCodeOrder,
        SealedRandom random, bool allocate)
    {
        var options = new ConstrainedOptions(definition.Covariates!.Select(c => new ConstrainedCovariate(c.Name!, c.Weight!.Value)).ToList(),
            definition.Metric!, definition.Cutoff!.Value, definition.MaxCandidates!.Value, definition.SampleSize!.Value);
        var clusters = clustersInCodeOrder.Select(c => new ConstrainedCluster(c.Code, Values(c))).ToList();
        var missing = options.Covariates.Where(cov => clusters.Any(c => !c.Covariates.ContainsKey(cov.Name))).Select(cov => cov.Name).ToList();
        if (missing.Count > 0)
            throw Infrastructure.Errors.ProblemException.Invalid("clusterIds", "has-covariates",
                $"Every cluster needs the covariate(s) {string.Join(", ", missing)}.");
        var size = ConstrainedRandomisation.FirstArmSize(clusters.Count, arms[0].Ratio, arms[1].Ratio);
        // Each draw is labelled by its order, so the sealed seed replays the sample and the choice exactly.
        var draws = 0L;
        var source = UniformSource.From(n => random.Next($"constrained/{draws++}", n));
        return allocate
            ? ConstrainedRandomisation.Allocate(clusters, size, options, source)
            : ConstrainedRandomisation.Preview(clusters, size, options, source);
    }

    public static List<Allocation> Allocate(SchemeDefinition definition, IReadOnlyList<ArmRatio> arms, SealedRandom random,
        IReadOnlyList<Cluster> clusters, int firstDraw, Func<Cluster, int, string, string?, int?, object?, Allocation> create)
    {
        var ordered = clusters.OrderBy(c => c.Code, StringComparer.Ordinal).ToList();
        var result = Run(definition, arms, ordered, random, allocate: true);
        var chosen = result.Chosen!;
        var evidence = new
        {
            score = chosen.Score, listingPosition = chosen.Position, rank = chosen.Rank, result.CandidateCount, result.ConstrainedCount,
            result.CutoffScore, result.Exhaustive,
        };
        return ordered.Select((cluster, i) => create(cluster, firstDraw + i, chosen.InFirstArm[i] ? arms[0].Code : arms[1].Code, null, null, evidence))
            .ToList();
    }

    private static Dictionary<string, CovariateValue> Values(Cluster cluster)
    {
        var values = cluster.Covariates.Values.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        values["site"] = CovariateValue.Categorical(cluster.Site!.Code);
        return values;
    }
}
