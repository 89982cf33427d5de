namespace TrialManager.Api.Features.Outcomes;

/// <summary>
/// A participant's window for a timepoint: the target date is the baseline date plus the offset (calendar days, so
/// month ends and leap years need no special rule), opening and closing the given days before and after it.
/// </summary>
public static class FollowUpWindows
{
    public sealed record Window(DateOnly Target, DateOnly Opens, DateOnly Closes);

    public static Window For(DateOnly baseline, int offsetDays, int daysBefore, int daysAfter)
    {
        var target = Add(baseline, offsetDays);
        return new Window(target, Add(target, -daysBefore), Add(target, daysAfter));
    }

    /// <summary>Kept within the calendar: dates are checked on entry, but a window must never fail a reader.</summary>
    private static DateOnly Add(DateOnly day, long days) =>
        DateOnly.FromDayNumber((int)Math.Clamp(day.DayNumber + days, DateOnly.MinValue.DayNumber, DateOnly.MaxValue.DayNumber));

    /// <summary>0 inside the window; otherwise how many days early (negative) or late (positive).</summary>
    public static int DaysOutside(Window window, DateOnly on) =>
        on < window.Opens ? on.DayNumber - window.Opens.DayNumber
        : on > window.Closes ? on.DayNumber - window.Closes.DayNumber
        : 0;
}
