namespace TrialManager.Data.Participants;

public enum ParticipantKind
{
    Patient,
    Staff,
}
