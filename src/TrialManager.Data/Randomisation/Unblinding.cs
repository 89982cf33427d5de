namespace TrialManager.Data.Randomisation;

/// <summary>
/// A recorded break of the blind: an emergency for one cluster or participant, or the planned unblinding of the
/// trial (neither named) after database lock. The named user sees what it unblinds from then on.
/// </summary>
public sealed class Unblinding : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public Guid? ClusterId { get; init; }
    public Guid? ParticipantId { get; init; }
    public Guid? UserId { get; init; }
    public required string Kind { get; init; }
    public required string Reason { get; init; }
    public DateTimeOffset UnblindedAt { get; init; }
    public Guid UnblindedBy { get; init; }
}
