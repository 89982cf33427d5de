namespace TrialManager.Data.Participants;

/// <summary>One change of a participant's status, with the date it took effect and why (CONSORT flow needs both).</summary>
public sealed class ParticipantStatusChange : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public Guid ParticipantId { get; init; }
    public ParticipantStatus FromStatus { get; init; }
    public ParticipantStatus ToStatus { get; init; }
    public DateOnly EffectiveDate { get; init; }
    public required string Reason { get; init; }
    public Guid RecordedBy { get; init; }
    public DateTimeOffset RecordedAt { get; init; }
}
