using TrialManager.Data.Trials;

namespace TrialManager.Api.Features.Trials;

/// <summary>A trial moves setup → recruiting → follow-up → locked, one step at a time and never back.</summary>
public static class TrialStatusRules
{
    public static bool CanMove(TrialStatus from, TrialStatus to) => to == from + 1 && from != TrialStatus.Locked;

    /// <summary>Arms and their ratio are design decisions: they can change only while the trial is being set up.</summary>
    public static bool ArmsEditable(TrialStatus status) => status == TrialStatus.Setup;
}
