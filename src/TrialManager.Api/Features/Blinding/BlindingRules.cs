using TrialManager.Data.Access;

namespace TrialManager.Api.Features.Blinding;

/// <summary>
/// Who may see which arm, in one place, without I/O. The trial manager and the unblinded statistician see every arm,
/// and so does anyone the planned unblinding of the whole trial names (in every view, report and extract). Anyone
/// else sees only what an unblinding names for them: a cluster's arm, or a participant's arm while the participant
/// is still in the cluster they were in when the unblinding was recorded (a move must not carry the sight to
/// another cluster).
/// </summary>
public static class BlindingRules
{
    /// <summary>What an unblinding names: the whole trial (neither), a cluster, or a participant in the cluster they were in.</summary>
    public sealed record Unblinded(Guid? ClusterId, Guid? ParticipantId)
    {
        public bool WholeTrial => ClusterId is null && ParticipantId is null;
    }

    public static bool RoleSeesEveryArm(TrialRole? role) => role is TrialRole.TrialManager or TrialRole.UnblindedStatistician;

    public static bool SeesEveryArm(TrialRole? role, IEnumerable<Unblinded> unblindings) =>
        RoleSeesEveryArm(role) || unblindings.Any(u => u.WholeTrial);

    /// <summary>Whether a view of this cluster, or of this participant now in this cluster, may show the arm.</summary>
    public static bool SeesArm(TrialRole? role, IReadOnlyCollection<Unblinded> unblindings, Guid clusterId, Guid? participantId = null) =>
        SeesEveryArm(role, unblindings)
        || unblindings.Any(u => u.ClusterId == clusterId && (u.ParticipantId is null || u.ParticipantId == participantId));

    /// <summary>
    /// Whether an unblinding of one cluster or participant may name a user who holds this standing in the trial. Masked
    /// codes are stable across a trial's blinded extracts, so one real arm shown to someone who reads them decodes
    /// every cluster; the audit trail's readers (monitors, system admins) are held to the same rule, as they read
    /// allocation orders. Those users can only be unblinded for the whole trial, after database lock.
    /// </summary>
    public static bool MayHoldPartialUnblinding(TrialRole? role, bool isSystemAdmin) =>
        !isSystemAdmin && role is TrialRole.Researcher or TrialRole.TrialManager or TrialRole.UnblindedStatistician;
}
