using TrialManager.Api.Features.Outcomes;
using TrialManager.Data.Outcomes;
using TrialManager.Data.Participants;

namespace TrialManager.Api.Features.Reminders;

/// <summary>Where a participant's follow-up at one timepoint stands on a given day (kebab-case words in the API).</summary>
public enum FollowUpState
{
    NotYet,
    Upcoming,
    Open,
    Closing,
    Overdue,
    Done,
    NotDue,
}

/// <summary>How far ahead a reminder looks: `Reminders:UpcomingDays` before a window opens, `Reminders:ClosingDays` before it closes.</summary>
public sealed record ReminderHorizon(int UpcomingDays, int ClosingDays);

/// <summary>One participant's follow-up at one timepoint: its window and its state.</summary>
public sealed record FollowUp(Guid ParticipantId, string TimepointCode, int OffsetDays, FollowUpWindows.Window Window, FollowUpState State);

/// <summary>
/// The follow-up state of each participant × follow-up timepoint, without I/O. Only timepoints with a positive offset
/// count (baseline is collected at enrolment), and only those at which the schedule names an instrument for the
/// participant's kind (a staff-only timepoint is nothing a patient is due for).
/// </summary>
public static class FollowUpStates
{
    /// <summary>The states a digest e-mail reminds researchers of.</summary>
    public static readonly IReadOnlySet<FollowUpState> Reminded =
        new HashSet<FollowUpState> { FollowUpState.Upcoming, FollowUpState.Open, FollowUpState.Closing, FollowUpState.Overdue };

    /// <summary>Statuses after which an assessment counts toward the outcome; a draft is still to do.</summary>
    public static readonly IReadOnlySet<string> Finished = new HashSet<string> { "complete", "verified", "locked" };

    /// <summary>
    /// Withdrawal from follow-up, withdrawal of data (which ends follow-up too) and death end follow-up. A participant
    /// lost to follow-up stays due: researchers keep trying to trace them until the window closes.
    /// </summary>
    public static bool IsFollowedUp(ParticipantStatus status) =>
        status is not (ParticipantStatus.WithdrawnFollowUp or ParticipantStatus.WithdrawnData or ParticipantStatus.Died);

    /// <summary>
    /// The state on `today`. Finished data stays `done` even after a withdrawal. `upcoming` covers the UpcomingDays
    /// days before the window opens, `closing` the last ClosingDays days of the window (the closing day included), so
    /// a horizon of 0 turns that state off. The window's first and last days are inside it.
    /// </summary>
    public static FollowUpState StateOf(FollowUpWindows.Window window, DateOnly today, bool done, ParticipantStatus status,
        ReminderHorizon horizon)
    {
        if (done)
            return FollowUpState.Done;
        if (!IsFollowedUp(status))
            return FollowUpState.NotDue;
        if (today > window.Closes)
            return FollowUpState.Overdue;
        if (today >= window.Opens)
            return window.Closes.DayNumber - today.DayNumber < horizon.ClosingDays ? FollowUpState.Closing : FollowUpState.Open;
        return window.Opens.DayNumber - today.DayNumber <= horizon.UpcomingDays ? FollowUpState.Upcoming : FollowUpState.NotYet;
    }

    /// <summary>
    /// Every follow-up of one participant, in timepoint order. `schedule` holds (timepoint, instrument, participant
    /// kind) entries; `finished` the (timepoint, instrument) pairs with a complete, verified or locked assessment.
    /// </summary>
    public static IEnumerable<FollowUp> For(Guid participantId, ParticipantKind kind, DateOnly baseline, ParticipantStatus status,
        IEnumerable<Timepoint> timepoints, IReadOnlyCollection<ScheduleEntry> schedule, IReadOnlySet<(string Timepoint, string Instrument)> finished,
        DateOnly today, ReminderHorizon horizon)
    {
        var kindWord = Data.Conventions.KebabCaseEnumConverter<ParticipantKind>.ToWord(kind);
        foreach (var timepoint in timepoints.Where(t => t.OffsetDays > 0).OrderBy(t => t.OffsetDays).ThenBy(t => t.Code, StringComparer.Ordinal))
        {
            var due = schedule.Where(e => e.TimepointCode == timepoint.Code && e.ParticipantKind == kindWord).Select(e => e.InstrumentCode).ToList();
            if (due.Count == 0)
                continue;
            var window = FollowUpWindows.For(baseline, timepoint.OffsetDays, timepoint.WindowDaysBefore, timepoint.WindowDaysAfter);
            var done = due.All(instrument => finished.Contains((timepoint.Code, instrument)));
            yield return new FollowUp(participantId, timepoint.Code, timepoint.OffsetDays, window, StateOf(window, today, done, status, horizon));
        }
    }
}
