using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Participants;
using TrialManager.Api.Features.Trials;
using TrialManager.Data;
using TrialManager.Data.Participants;
using TrialManager.Data.Randomisation;
using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Randomisation;

/// <summary>
/// Cluster and participant views with their randomisation: `randomised` and its date for everyone, `arm` only
/// where <see cref="ArmVisibility"/> allows, and an access event in the audit trail whenever a view shows an arm.
/// </summary>
public sealed class AllocatedViews(TrialManagerDbContext db, TrialCaller caller, ArmVisibility visibility, AccessAudit access)
{
    public async Task<IReadOnlyList<ClusterView>> ClustersAsync(IReadOnlyList<Cluster> clusters, string what, CancellationToken ct)
    {
        var allocations = await AllocationsAsync(clusters.Select(c => c.Id), ct);
        var seesArm = await visibility.ForCallerAsync(ct);
        var views = clusters.Select(c => ClusterView.Of(c, allocations.GetValueOrDefault(c.Id), seesArm(c.Id, null))).ToList();
        await RecordIfArmShownAsync(views.Where(v => v.Arm is not null).Select(v => v.Id).ToList(), "cluster", what, ct);
        return views;
    }

    public async Task<IReadOnlyList<ParticipantView>> ParticipantsAsync(IReadOnlyList<(Participant Participant, Guid SiteId)> participants,
        bool withHistory, string what, CancellationToken ct)
    {
        var allocations = await AllocationsAsync(participants.Select(p => p.Participant.ClusterId), ct);
        var seesArm = await visibility.ForCallerAsync(ct);
        var views = participants.Select(p =>
        {
            var allocation = allocations.GetValueOrDefault(p.Participant.ClusterId);
            return ParticipantView.Of(p.Participant, p.SiteId, allocation, seesArm(p.Participant.ClusterId, p.Participant.Id), withHistory);
        }).ToList();
        await RecordIfArmShownAsync(views.Where(v => v.Arm is not null).Select(v => v.Id).ToList(), "participant", what, ct);
        return views;
    }

    private async Task<Dictionary<Guid, Allocation>> AllocationsAsync(IEnumerable<Guid> clusterIds, CancellationToken ct)
    {
        var ids = clusterIds.Distinct().ToList();
        return await db.Allocations.AsNoTracking().Where(a => a.TrialId == caller.TrialId && ids.Contains(a.ClusterId))
            .ToDictionaryAsync(a => a.ClusterId, ct);
    }

    private async Task RecordIfArmShownAsync(IReadOnlyList<Guid> shown, string entityType, string what, CancellationToken ct)
    {
        if (shown.Count > 0)
            await access.RecordAsync(caller.TrialId, entityType, shown.Count == 1 ? shown[0] : null, $"{what} with arms ({shown.Count})", ct);
    }
}
