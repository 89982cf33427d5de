using TrialManager.Api.Features.Outcomes;
using TrialManager.Api.Features.Reminders;
using TrialManager.Data.Outcomes;
using TrialManager.Data.Participants;
using static TrialManager.Api.Features.Reminders.FollowUpState;

namespace TrialManager.Tests.Unit.Reminders;

public sealed class FollowUpStateTests
{
    private static readonly ReminderHorizon Horizon = new(UpcomingDays: 14, ClosingDays: 7);

    /// <summary>Baseline 2011-06-08, 365 days, window 30 before and 60 after: opens 2012-05-08, target 2012-06-07, closes 2012-08-06.</summary>
    private static readonly FollowUpWindows.Window TwelveMonths = FollowUpWindows.For(new DateOnly(2011, 6, 8), 365, 30, 60);

    [TestCase("2012-01-01", NotYet)]
    [TestCase("2012-04-23", NotYet)] // 15 days before opening
    [TestCase("2012-04-24", Upcoming)] // 14 days before opening: the first upcoming day
    [TestCase("2012-05-07", Upcoming)] // the day before opening
    [TestCase("2012-05-08", Open)] // the day the window opens
    [TestCase("2012-06-07", Open)] // the target day
    [TestCase("2012-07-30", Open)] // 7 days before closing: not yet in the last 7 days
    [TestCase("2012-07-31", Closing)] // the first of the last 7 days
    [TestCase("2012-08-06", Closing)] // the day the window closes is still inside it
    [TestCase("2012-08-07", Overdue)] // the day after closing
    [TestCase("2015-01-01", Overdue)]
    public void An_active_participants_state_follows_the_calendar(string today, FollowUpState expected) =>
        Assert.That(FollowUpStates.StateOf(TwelveMonths, DateOnly.Parse(today), done: false, ParticipantStatus.Active, Horizon),
            Is.EqualTo(expected));

    [TestCase("2012-01-01")]
    [TestCase("2012-06-07")]
    [TestCase("2013-01-01")]
    public void A_finished_follow_up_is_done_before_during_and_after_its_window(string today) =>
        Assert.That(FollowUpStates.StateOf(TwelveMonths, DateOnly.Parse(today), done: true, ParticipantStatus.Active, Horizon), Is.EqualTo(Done));

    [TestCase(ParticipantStatus.WithdrawnFollowUp, NotDue)]
    [TestCase(ParticipantStatus.WithdrawnData, NotDue)]
    [TestCase(ParticipantStatus.Died, NotDue)]
    [TestCase(ParticipantStatus.Lost, Open)] // still traced while the window is open
    [TestCase(ParticipantStatus.Active, Open)]
    public void Withdrawal_and_death_end_follow_up(ParticipantStatus status, FollowUpState expected) =>
        Assert.That(FollowUpStates.StateOf(TwelveMonths, new DateOnly(2012, 6, 1), done: false, status, Horizon), Is.EqualTo(expected));

    [Test]
    public void Data_finished_before_a_withdrawal_stays_done() =>
        Assert.That(FollowUpStates.StateOf(TwelveMonths, new DateOnly(2012, 9, 1), done: true, ParticipantStatus.WithdrawnFollowUp, Horizon),
            Is.EqualTo(Done));

    [Test]
    public void A_horizon_of_zero_turns_upcoming_and_closing_off()
    {
        var none = new ReminderHorizon(0, 0);
        Assert.Multiple(() =>
        {
            Assert.That(FollowUpStates.StateOf(TwelveMonths, new DateOnly(2012, 5, 7), false, ParticipantStatus.Active, none), Is.EqualTo(NotYet));
            Assert.That(FollowUpStates.StateOf(TwelveMonths, new DateOnly(2012, 8, 6), false, ParticipantStatus.Active, none), Is.EqualTo(Open));
        });
    }

    [Test]
    public void A_window_shorter_than_the_closing_horizon_is_closing_throughout()
    {
        var window = FollowUpWindows.For(new DateOnly(2011, 1, 31), 30, 1, 1); // target 2011-03-02
        Assert.Multiple(() =>
        {
            Assert.That(window, Is.EqualTo(new FollowUpWindows.Window(new DateOnly(2011, 3, 2), new DateOnly(2011, 3, 1), new DateOnly(2011, 3, 3))));
            Assert.That(FollowUpStates.StateOf(window, new DateOnly(2011, 3, 1), false, ParticipantStatus.Active, Horizon), Is.EqualTo(Closing));
            Assert.That(FollowUpStates.StateOf(window, new DateOnly(2011, 2, 28), false, ParticipantStatus.Active, Horizon), Is.EqualTo(Upcoming));
        });
    }

    // 31 January + 30 days is 2 March (no clamping to the end of February); from a leap day, 365 days is 28 February.
    [TestCase("2011-01-31", 30, "2011-03-02", "2011-03-01", Open)]
    [TestCase("2011-01-31", 30, "2011-03-02", "2011-02-28", Upcoming)]
    [TestCase("2012-01-31", 30, "2012-03-01", "2012-02-29", Open)] // leap year: 29 February exists
    [TestCase("2024-02-29", 365, "2025-02-28", "2025-02-27", Open)]
    [TestCase("2024-02-29", 365, "2025-02-28", "2025-02-26", Upcoming)]
    [TestCase("2023-03-01", 366, "2024-03-01", "2024-02-29", Open)] // across 29 February 2024
    public void Month_ends_and_leap_days_count_calendar_days(string baseline, int offset, string target, string today, FollowUpState expected)
    {
        var window = FollowUpWindows.For(DateOnly.Parse(baseline), offset, 1, 0);
        Assert.Multiple(() =>
        {
            Assert.That(window.Target, Is.EqualTo(DateOnly.Parse(target)));
            Assert.That(FollowUpStates.StateOf(window, DateOnly.Parse(today), false, ParticipantStatus.Active, new ReminderHorizon(1, 0)),
                Is.EqualTo(expected));
        });
    }

    [Test]
    public void Follow_ups_cover_the_timepoints_after_baseline_that_schedule_something_for_the_participants_kind()
    {
        Timepoint[] timepoints =
        [
            Point("baseline", 0, 0, 30), Point("24m", 730, 30, 60), Point("12m", 365, 30, 60), Point("6m-staff", 182, 14, 14),
        ];
        ScheduleEntry[] schedule =
        [
            Entry("baseline", "QPR", "patient"), Entry("12m", "QPR", "patient"), Entry("12m", "HHI", "patient"),
            Entry("24m", "QPR", "patient"), Entry("6m-staff", "RKI", "staff"),
        ];
        var participant = Guid.CreateVersion7();
        var baseline = new DateOnly(2011, 6, 8);
        var today = new DateOnly(2012, 6, 1);

        var partly = FollowUpStates.For(participant, ParticipantKind.Patient, baseline, ParticipantStatus.Active, timepoints, schedule,
            new HashSet<(string, string)> { ("12m", "QPR"), ("baseline", "HHI") }, today, Horizon).ToList();
        var finished = FollowUpStates.For(participant, ParticipantKind.Patient, baseline, ParticipantStatus.Active, timepoints, schedule,
            new HashSet<(string, string)> { ("12m", "QPR"), ("12m", "HHI") }, today, Horizon).ToList();
        var staff = FollowUpStates.For(participant, ParticipantKind.Staff, baseline, ParticipantStatus.Active, timepoints, schedule,
            new HashSet<(string, string)>(), today, Horizon).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(partly.Select(f => (f.TimepointCode, f.State)), Is.EqualTo(new[] { ("12m", Open), ("24m", NotYet) }),
                "an instrument still missing keeps the timepoint open; baseline and the staff timepoint are not a patient's follow-ups");
            Assert.That(partly[0].Window, Is.EqualTo(TwelveMonths));
            Assert.That(finished.Select(f => (f.TimepointCode, f.State)), Is.EqualTo(new[] { ("12m", Done), ("24m", NotYet) }));
            Assert.That(staff.Select(f => (f.TimepointCode, f.State)), Is.EqualTo(new[] { ("6m-staff", Overdue) }));
        });
    }

    private static Timepoint Point(string code, int offset, int before, int after) => new()
    {
        Id = Guid.CreateVersion7(), Code = code, Label = code, OffsetDays = offset, WindowDaysBefore = before, WindowDaysAfter = after,
    };

    private static ScheduleEntry Entry(string timepoint, string instrument, string kind) => new()
    {
        Id = Guid.CreateVersion7(), TimepointCode = timepoint, InstrumentCode = instrument, ParticipantKind = kind,
    };
}
