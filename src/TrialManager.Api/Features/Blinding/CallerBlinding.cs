using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Data;
using TrialManager.Api.Infrastructure.Http;

namespace TrialManager.Api.Features.Blinding;

/// <summary>
/// The caller's sight of arms in the trial of the current request, read once per request: the slices that show an
/// arm, extract or report ask this, never the roles or the unblindings themselves.
/// </summary>
public sealed class CallerBlinding(TrialManagerDbContext db, TrialCaller caller, CurrentUser user)
{
    private IReadOnlyList<BlindingRules.Unblinded>? _unblindings;

    /// <summary>Whether the caller sees every arm of the trial: an unblinded role, or named by the whole-trial unblinding.</summary>
    public async Task<bool> SeesEveryArmAsync(CancellationToken ct) => BlindingRules.SeesEveryArm(caller.Role, await UnblindingsAsync(ct));

    /// <summary>Whether a view of each cluster, or of a participant now in that cluster, may show its arm.</summary>
    public async Task<Func<Guid, Guid?, bool>> SightAsync(CancellationToken ct)
    {
        var unblindings = await UnblindingsAsync(ct);
        return (clusterId, participantId) => BlindingRules.SeesArm(caller.Role, unblindings, clusterId, participantId);
    }

    /// <summary>What a view of a cluster or participant shows of its randomisation: when, for everyone; the arm, where the caller sees it.</summary>
    public sealed record Shown(DateTimeOffset RandomisedAt, string? Arm);

    /// <summary>
    /// The randomisation of these clusters as the caller may see it: look up a cluster (with the participant, for a
    /// participant's view); null when the cluster is not randomised. A slice that shows an arm records the access.
    /// </summary>
    public async Task<Func<Guid, Guid?, Shown?>> AllocationsAsync(IEnumerable<Guid> clusterIds, CancellationToken ct)
    {
        var ids = clusterIds.Distinct().ToList();
        var allocations = await db.Allocations.AsNoTracking().Where(a => a.TrialId == caller.TrialId && ids.Contains(a.ClusterId))
            .ToDictionaryAsync(a => a.ClusterId, a => (a.AllocatedAt, a.Arm), ct);
        var sees = await SightAsync(ct);
        return (clusterId, participantId) => allocations.TryGetValue(clusterId, out var a)
            ? new Shown(a.AllocatedAt, sees(clusterId, participantId) ? a.Arm : null)
            : null;
    }

    /// <summary>403 unless the caller sees every arm (allocation lists, the revealed scheme).</summary>
    public async Task RequireEveryArmAsync(CancellationToken ct)
    {
        if (!await SeesEveryArmAsync(ct))
            throw ProblemException.Forbidden("This shows the allocation: only the trial manager, the unblinded statistician and users unblinded for the whole trial see it.");
    }

    private async Task<IReadOnlyList<BlindingRules.Unblinded>> UnblindingsAsync(CancellationToken ct)
    {
        if (BlindingRules.RoleSeesEveryArm(caller.Role))
            return [];
        if (_unblindings is null)
        {
            var userId = user.Id;
            _unblindings = await db.Unblindings.AsNoTracking()
                .Where(u => u.TrialId == caller.TrialId && u.UserId == userId)
                .Select(u => new BlindingRules.Unblinded(u.ClusterId, u.ParticipantId))
                .ToListAsync(ct);
        }
        return _unblindings;
    }
}
