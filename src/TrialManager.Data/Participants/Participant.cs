using TrialManager.Data.Trials;

namespace TrialManager.Data.Participants;

/// <summary>A patient or staff member measured inside a cluster. Pseudonymous: no names, no contact details.</summary>
public sealed class Participant : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public Guid ClusterId { get; set; }
    public Cluster? Cluster { get; init; }
    public required string ExternalId { get; set; }
    public ParticipantKind Kind { get; set; }
    public DateOnly ConsentDate { get; set; }
    public DateOnly BaselineDate { get; set; }
    public ParticipantStatus Status { get; set; }
    public DateOnly? StatusDate { get; set; }
    public string? StatusReason { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public List<ParticipantStatusChange> StatusHistory { get; init; } = [];
}
