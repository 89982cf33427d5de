using TrialManager.Data.Access;

namespace TrialManager.Api.Features.Access;

/// <summary>
/// The caller's standing in the trial of the current request, set by <see cref="TrialAccessBehaviour{TMessage,TResponse}"/>
/// before the handler runs. Handlers use it to narrow what a researcher sees to their sites.
/// </summary>
public sealed class TrialCaller
{
    public Guid TrialId { get; private set; }
    public TrialRole? Role { get; private set; }
    public IReadOnlySet<Guid> SiteIds { get; private set; } = new HashSet<Guid>();

    public bool AllSites => Role is not { } role || !TrialPolicy.IsSiteScoped(role);

    public bool SeesSite(Guid siteId) => AllSites || SiteIds.Contains(siteId);

    internal void Set(Guid trialId, TrialRole? role, IEnumerable<Guid> siteIds) =>
        (TrialId, Role, SiteIds) = (trialId, role, siteIds.ToHashSet());
}
