namespace TrialManager.Data.Access;

/// <summary>A user's role in one trial. Only the trial manager and the unblinded statistician may see arms.</summary>
public enum TrialRole
{
    TrialManager,
    Researcher,
    Statistician,
    UnblindedStatistician,
    Monitor,
}
