using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Randomisation;

/// <summary>A cluster's levels of categorical covariates, `site` (its site's code) included.</summary>
public static class Strata
{
    public static IReadOnlyDictionary<string, string> Levels(Cluster cluster, string siteCode)
    {
        var levels = cluster.Covariates.Values.Where(p => !p.Value.IsNumeric)
            .ToDictionary(p => p.Key, p => p.Value.Category!, StringComparer.Ordinal);
        levels["site"] = siteCode;
        return levels;
    }

    /// <summary>The stratum a cluster belongs to, named by its levels: "site=SLAM|teamType=support".</summary>
    public static string? KeyOf(IReadOnlyList<string> strata, IReadOnlyDictionary<string, string> levels) =>
        strata.All(levels.ContainsKey) ? string.Join('|', strata.Select(s => $"{s}={levels[s]}")) : null;
}
