using System.Text.Json.Serialization;
using TrialManager.Data.Participants;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Blinding;

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
    public static ParticipantView Of(Participant p, Guid siteId, CallerBlinding.Shown? allocation, bool withHistory) => new(p.Id,
        p.TrialId, p.ClusterId, siteId, p.ExternalId, p.Kind, p.ConsentDate, p.BaselineDate, p.Status, p.StatusDate, p.StatusReason,
        p.CreatedAt, allocation is not null, allocation?.RandomisedAt, allocation?.Arm,
        withHistory
            ? p.StatusHistory.OrderBy(c => c.RecordedAt)
                .Select(c => new StatusChangeView(c.FromStatus, c.ToStatus, c.EffectiveDate, c.Reason, c.RecordedBy, c.RecordedAt)).ToList()
            : null);
}

/// <summary>
/// Participant views as the caller may see them: the arm only where their sight of arms allows (for a participant,
/// judged by the cluster they are in now), and an access event whenever a view shows one.
/// </summary>
public sealed class ParticipantViews(CallerBlinding blinding, AccessAudit access)
{
    public async Task<IReadOnlyList<ParticipantView>> OfAsync(IReadOnlyList<(Participant Participant, Guid SiteId)> participants, bool withHistory,
        string what, CancellationToken ct)
    {
        var allocations = await blinding.AllocationsAsync(participants.Select(p => p.Participant.ClusterId), ct);
        var views = participants
            .Select(p => ParticipantView.Of(p.Participant, p.SiteId, allocations(p.Participant.ClusterId, p.Participant.Id), withHistory))
            .ToList();
        await access.RecordArmsShownAsync("participant", views.Where(v => v.Arm is not null).Select(v => v.Id).ToList(), what, ct);
        return views;
    }

    public async Task<IReadOnlyList<ParticipantView>> OfAsync(IReadOnlyList<Participant> participants, bool withHistory, string what,
        CancellationToken ct) =>
        await OfAsync(participants.Select(p => (p, p.Cluster!.SiteId)).ToList(), withHistory, what, ct);
}
