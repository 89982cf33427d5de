using TrialManager.Api.Infrastructure;

namespace TrialManager.Api.Features.Reminders;

/// <summary>
/// `Reminders:*`: when the `follow-up-reminders` job runs (`Cron`, in `TimeZone`, where the trial team works; that
/// zone also says what day it is), and how far ahead a reminder looks (`UpcomingDays`, `ClosingDays`).
/// </summary>
public sealed class ReminderOptions : ISettings
{
    public string Cron { get; set; } = "0 7 * * *";
    public string TimeZone { get; set; } = "Europe/London";
    public int UpcomingDays { get; set; } = 14;
    public int ClosingDays { get; set; } = 7;

    /// <summary>The zone of <see cref="TimeZone"/>, which the start-up check has found.</summary>
    public TimeZoneInfo Zone => Settings.TryFindTimeZone(TimeZone, out var zone)
        ? zone
        : throw new InvalidOperationException($"Reminders:TimeZone '{TimeZone}' is not a known time zone.");

    public ReminderHorizon Horizon => new(UpcomingDays, ClosingDays);

    /// <summary>Today's date in the trial team's zone.</summary>
    public DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(System.TimeZoneInfo.ConvertTime(clock.GetUtcNow(), Zone).DateTime);

    public void Check(SettingsCheck check)
    {
        check.Cron(nameof(Cron), Cron);
        check.TimeZone(nameof(TimeZone), TimeZone);
        check.AtLeast(nameof(UpcomingDays), UpcomingDays, 0);
        check.AtLeast(nameof(ClosingDays), ClosingDays, 0);
    }
}
