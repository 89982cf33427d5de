using System.Text.Json;
using System.Text.Json.Serialization;
using TrialManager.Api.Features.Blinding;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Trials;

public sealed record ArmView(string Code, string Label, int Ratio);

public sealed record TrialView(Guid Id, string Code, string Title, string? Registration, TrialStatus Status,
    DateTimeOffset StatusChangedAt, IReadOnlyList<ArmView> Arms, DateTimeOffset CreatedAt)
{
    public static TrialView Of(Trial trial) => new(trial.Id, trial.Code, trial.Title, trial.Registration, trial.Status,
        trial.StatusChangedAt, trial.Arms.OrderBy(a => a.Position).Select(a => new ArmView(a.Code, a.Label, a.Ratio)).ToList(),
        trial.CreatedAt);
}

public sealed record SiteView(Guid Id, Guid TrialId, string Code, string Name, DateTimeOffset CreatedAt)
{
    public static SiteView Of(Site site) => new(site.Id, site.TrialId, site.Code, site.Name, site.CreatedAt);
}

/// <summary>
/// Covariates come back as they were given: numbers as JSON numbers, categories as strings. Everyone sees whether
/// and when a cluster was randomised; only readers who may see allocations get `arm` (it is absent otherwise).
/// </summary>
public sealed record ClusterView(Guid Id, Guid TrialId, Guid SiteId, string Code, IReadOnlyDictionary<string, JsonElement> Covariates,
    DateTimeOffset CreatedAt, bool Randomised, DateTimeOffset? RandomisedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Arm)
{
    public static ClusterView Of(Cluster cluster, CallerBlinding.Shown? allocation = null) => new(cluster.Id, cluster.TrialId,
        cluster.SiteId, cluster.Code,
        cluster.Covariates.Values.ToDictionary(p => p.Key, p => p.Value.Number is { } n
            ? JsonSerializer.SerializeToElement(n)
            : JsonSerializer.SerializeToElement(p.Value.Category)),
        cluster.CreatedAt, allocation is not null, allocation?.RandomisedAt, allocation?.Arm);
}
