using TrialManager.Data;
using TrialManager.Data.Participants;
using TrialManager.Data.Trials;
using TrialManager.Api.Infrastructure.Http;

namespace TrialManager.Api.Features.Access;

/// <summary>
/// Site scoping, in one place: a researcher works at named sites and sees only their clusters, their participants and
/// everything recorded about those; every other role sees the whole trial. Another site's record is simply not there
/// (404), never a 403 that confirms it exists. Tracking is the caller's choice: a no-tracking subquery would make a
/// whole enclosing query no-tracking.
/// </summary>
public static class SiteScope
{
    public static IQueryable<Cluster> Clusters(TrialManagerDbContext db, TrialCaller caller)
    {
        var clusters = db.Clusters.Where(c => c.TrialId == caller.TrialId);
        if (caller.AllSites)
            return clusters;
        var sites = caller.SiteIds.ToList();
        return clusters.Where(c => sites.Contains(c.SiteId));
    }

    public static IQueryable<Participant> Participants(TrialManagerDbContext db, TrialCaller caller)
    {
        var participants = db.Participants.Where(p => p.TrialId == caller.TrialId);
        if (caller.AllSites)
            return participants;
        var sites = caller.SiteIds.ToList();
        return participants.Where(p => sites.Contains(p.Cluster!.SiteId));
    }
}
