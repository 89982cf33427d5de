using TrialManager.Data.Participants;

namespace TrialManager.Api.Features.Participants;

public sealed record StatusChangeView(ParticipantStatus From, ParticipantStatus To, DateOnly EffectiveDate, string Reason,
    Guid RecordedBy, DateTimeOffset RecordedAt);

public sealed record ParticipantView(Guid Id, Guid TrialId, Guid ClusterId, Guid SiteId, string ExternalId, ParticipantKind Kind,
    DateOnly ConsentDate, DateOnly BaselineDate, ParticipantStatus Status, DateOnly? StatusDate, string? StatusReason,
    DateTimeOffset CreatedAt, IReadOnlyList<StatusChangeView>? StatusHistory)
{
    /// <summary>The participant as it stands; the status history is included when it was loaded.</summary>
    public static ParticipantView Of(Participant p, Guid siteId, bool withHistory = false) => new(p.Id, p.TrialId, p.ClusterId, siteId,
        p.ExternalId, p.Kind, p.ConsentDate, p.BaselineDate, p.Status, p.StatusDate, p.StatusReason, p.CreatedAt,
        withHistory
            ? p.StatusHistory.OrderBy(c => c.RecordedAt)
                .Select(c => new StatusChangeView(c.FromStatus, c.ToStatus, c.EffectiveDate, c.Reason, c.RecordedBy, c.RecordedAt)).ToList()
            : null);

    public static ParticipantView Of(Participant p) => Of(p, p.Cluster!.SiteId);
}
