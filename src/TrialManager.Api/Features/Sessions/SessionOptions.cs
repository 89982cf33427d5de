using TrialManager.Api.Infrastructure;

namespace TrialManager.Api.Features.Sessions;

/// <summary>
/// How long a web session lasts (section `Sessions`): it ends after `IdleMinutes` without a request (sliding) and
/// `MaxHours` after sign-in in any case, or earlier when its API token is revoked or expires. `CleanupCron` (UTC) is
/// the schedule of `session-cleanup`, which deletes the ended ones.
/// </summary>
public sealed class SessionOptions : ISettings
{
    public double IdleMinutes { get; set; } = 30;
    public double MaxHours { get; set; } = 12;
    public string CleanupCron { get; set; } = "50 * * * *";

    public TimeSpan Idle => TimeSpan.FromMinutes(IdleMinutes);
    public TimeSpan Max => TimeSpan.FromHours(MaxHours);

    /// <summary>
    /// Last use is recorded at a thirtieth of the idle limit, so that reads do not turn into a write per request; a
    /// session may therefore end that much before its idle limit, never after.
    /// </summary>
    public TimeSpan LastSeenResolution => Idle / 30;

    public void Check(SettingsCheck check)
    {
        check.Between(nameof(IdleMinutes), IdleMinutes, 1, 24 * 60);
        check.Between(nameof(MaxHours), MaxHours, 1, 7 * 24);
        check.Require(Max >= Idle, nameof(MaxHours), $"is {MaxHours}; it must be at least Sessions:IdleMinutes ({IdleMinutes} minutes).");
        check.Cron(nameof(CleanupCron), CleanupCron);
    }
}
