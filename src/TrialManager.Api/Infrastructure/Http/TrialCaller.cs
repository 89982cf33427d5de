using TrialManager.Data.Access;

namespace TrialManager.Api.Infrastructure.Http;

/// <summary>
/// The caller's standing in the trial of the current request, set by the trial access check (Features/Access) before
/// the handler runs: their role, and whether they work at named sites only (see Access/SiteScope).
/// </summary>
public sealed class TrialCaller
{
    public Guid TrialId { get; private set; }
    public TrialRole? Role { get; private set; }
    public IReadOnlySet<Guid> SiteIds { get; private set; } = new HashSet<Guid>();

    /// <summary>False for a researcher, who works at the sites of their grant.</summary>
    public bool AllSites { get; private set; } = true;

    internal void Set(Guid trialId, TrialRole? role, IEnumerable<Guid> siteIds, bool allSites) =>
        (TrialId, Role, SiteIds, AllSites) = (trialId, role, siteIds.ToHashSet(), allSites);
}
