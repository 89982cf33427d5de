using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Data;
using TrialManager.Data.Access;

namespace TrialManager.Api.Features.Randomisation;

/// <summary>
/// Who may see which arm, in one place. The trial manager and the unblinded statistician see every arm; anyone
/// else only what an unblinding names for them: a cluster, a participant (and so their cluster's arm), or, after
/// the planned unblinding at database lock, the whole trial.
/// </summary>
public static class BlindingRules
{
    public sealed record Unblinded(bool WholeTrial, IReadOnlySet<Guid> Clusters, IReadOnlySet<Guid> Participants)
    {
        public static readonly Unblinded Nothing = new(false, new HashSet<Guid>(), new HashSet<Guid>());
    }

    public static bool SeesArm(TrialRole? role, Unblinded unblinded, Guid clusterId, Guid? participantId = null) =>
        TrialPolicy.SeesAllocation(role)
        || unblinded.WholeTrial
        || unblinded.Clusters.Contains(clusterId)
        || (participantId is { } p && unblinded.Participants.Contains(p));
}

/// <summary>The caller's view of arms in the current trial request, loaded once.</summary>
public sealed class ArmVisibility(TrialManagerDbContext db, TrialCaller caller, CurrentUser user)
{
    private BlindingRules.Unblinded? _unblinded;

    public async Task<Func<Guid, Guid?, bool>> ForCallerAsync(CancellationToken ct)
    {
        if (!TrialPolicy.SeesAllocation(caller.Role) && _unblinded is null)
        {
            var userId = user.Id;
            var rows = await db.Unblindings.AsNoTracking()
                .Where(u => u.TrialId == caller.TrialId && u.UserId == userId)
                .Select(u => new { u.ClusterId, u.ParticipantId })
                .ToListAsync(ct);
            _unblinded = new BlindingRules.Unblinded(
                rows.Any(r => r.ClusterId is null && r.ParticipantId is null),
                rows.Where(r => r.ClusterId is not null).Select(r => r.ClusterId!.Value).ToHashSet(),
                rows.Where(r => r.ParticipantId is not null).Select(r => r.ParticipantId!.Value).ToHashSet());
        }
        var unblinded = _unblinded ?? BlindingRules.Unblinded.Nothing;
        return (clusterId, participantId) => BlindingRules.SeesArm(caller.Role, unblinded, clusterId, participantId);
    }
}
