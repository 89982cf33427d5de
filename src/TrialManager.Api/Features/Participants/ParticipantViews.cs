using System.Text.Json.Serialization;
using TrialManager.Data.Participants;
using TrialManager.Data.Randomisation;

namespace TrialManager.Api.Features.Participants;

public sealed record StatusChangeView(ParticipantStatus From, ParticipantStatus To, DateOnly EffectiveDate, string Reason,
    Guid RecordedBy, DateTimeOffset RecordedAt);

/// <summary>
/// A participant. `randomised` and `randomisedAt` are their cluster's; `arm` is there only for readers who may see
/// allocations. The status history is included when it was loaded.
/// </summary>
public sealed record ParticipantView(Guid Id, Guid TrialId, Guid ClusterId, Guid SiteId, string ExternalId, ParticipantKind Kind,
    DateOnly ConsentDate, DateOnly BaselineDate, ParticipantStatus Status, DateOnly? StatusDate, string? StatusReason,
    DateTimeOffset CreatedAt, bool Randomised, DateTimeOffset? RandomisedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Arm,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<StatusChangeView>? StatusHistory)
{
    public static ParticipantView Of(Participant p, Guid siteId, Allocation? allocation, bool showArm, bool withHistory) => new(p.Id,
        p.TrialId, p.ClusterId, siteId, p.ExternalId, p.Kind, p.ConsentDate, p.BaselineDate, p.Status, p.StatusDate, p.StatusReason,
        p.CreatedAt, allocation is not null, allocation?.AllocatedAt, showArm ? allocation?.Arm : null,
        withHistory
            ? p.StatusHistory.OrderBy(c => c.RecordedAt)
                .Select(c => new StatusChangeView(c.FromStatus, c.ToStatus, c.EffectiveDate, c.Reason, c.RecordedBy, c.RecordedAt)).ToList()
            : null);
}
