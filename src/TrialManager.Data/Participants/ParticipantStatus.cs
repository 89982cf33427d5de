namespace TrialManager.Data.Participants;

/// <summary>
/// Where a participant stands in follow-up. Withdrawal from follow-up keeps the data collected so far;
/// withdrawal of data means it must not be used.
/// </summary>
public enum ParticipantStatus
{
    Active,
    WithdrawnFollowUp,
    WithdrawnData,
    Died,
    Lost,
}
