using TrialManager.Api.Features.Randomisation.Methods;
using TrialManager.Data.Randomisation;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Randomisation;

/// <summary>Feeds a trial's clusters to <see cref="CovariateConstrained"/>: in code order, with `site` as a categorical covariate.</summary>
internal static class ConstrainedAllocation
{
    public static ConstraintOutcome Run(SchemeDefinition definition, IReadOnlyList<ArmRatio> arms, IReadOnlyList<Cluster> clustersInCodeOrder,
        Func<string, long, long> draw, bool allocate)
    {
        var covariates = definition.Covariates!.Select(c => new CovariateConstrained.Covariate(c.Name!, c.Weight!.Value)).ToList();
        var values = clustersInCodeOrder.Select(c => (IReadOnlyDictionary<string, CovariateValue>)Values(c)).ToList();
        var missing = covariates.Where(cov => values.Any(v => !v.ContainsKey(cov.Name))).Select(cov => cov.Name).ToList();
        if (missing.Count > 0)
            throw Infrastructure.Errors.ProblemException.Invalid("clusterIds", "has-covariates",
                $"Every cluster needs the covariate(s) {string.Join(", ", missing)}.");
        var rows = CovariateConstrained.Columns(values, covariates);
        var size = CovariateConstrained.FirstArmSize(clustersInCodeOrder.Count, arms[0].Ratio, arms[1].Ratio);
        return CovariateConstrained.Run(rows, size, definition.Metric!, definition.Cutoff!.Value, definition.MaxCandidates!.Value,
            definition.SampleSize!.Value, draw, allocate);
    }

    public static List<Allocation> Allocate(SchemeDefinition definition, IReadOnlyList<ArmRatio> arms, SealedRandom random,
        IReadOnlyList<Cluster> clusters, int firstDraw, Func<Cluster, int, string, string?, int?, object?, Allocation> create)
    {
        var ordered = clusters.OrderBy(c => c.Code, StringComparer.Ordinal).ToList();
        var result = Run(definition, arms, ordered, random.Next, allocate: true);
        var chosen = result.Chosen!;
        var evidence = new
        {
            score = chosen.Score, listingPosition = chosen.ListingPosition, result.CandidateCount, result.ConstrainedCount,
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
