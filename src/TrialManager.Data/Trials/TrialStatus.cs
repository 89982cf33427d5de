namespace TrialManager.Data.Trials;

/// <summary>A trial moves forward one step at a time; a locked trial is read-only.</summary>
public enum TrialStatus
{
    Setup,
    Recruiting,
    FollowUp,
    Locked,
}
