namespace TrialManager.Data.Reminders;

/// <summary>
/// A follow-up reminder that went out: this participant's timepoint, in this state, to this researcher. The unique
/// key is what makes a reminder go out once, however often the job runs.
/// </summary>
public sealed class SentReminder : IEntity, ITrialOwned
{
    public Guid Id { get; init; }
    public Guid TrialId { get; init; }
    public Guid ParticipantId { get; init; }
    public required string TimepointCode { get; init; }
    public required string State { get; init; }
    public Guid RecipientUserId { get; init; }
    public DateTimeOffset SentAt { get; init; }
}
