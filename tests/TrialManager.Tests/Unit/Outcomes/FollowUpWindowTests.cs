using TrialManager.Api.Features.Outcomes;

namespace TrialManager.Tests.Unit.Outcomes;

public sealed class FollowUpWindowTests
{
    [TestCase("2011-06-08", 365, 30, 60, "2012-06-07", "2012-05-08", "2012-08-06")]
    [TestCase("2011-01-31", 30, 0, 0, "2011-03-02", "2011-03-02", "2011-03-02")] // month end: calendar days, no clamping
    [TestCase("2012-02-29", 365, 7, 7, "2013-02-28", "2013-02-21", "2013-03-07")] // from a leap day
    [TestCase("2011-03-01", 366, 0, 0, "2012-03-01", "2012-03-01", "2012-03-01")] // across 29 February 2012
    public void The_window_is_the_target_date_plus_and_minus_its_days(string baseline, int offset, int before, int after, string target,
        string opens, string closes)
    {
        var window = FollowUpWindows.For(DateOnly.Parse(baseline), offset, before, after);
        Assert.That(window, Is.EqualTo(new FollowUpWindows.Window(DateOnly.Parse(target), DateOnly.Parse(opens), DateOnly.Parse(closes))));
    }

    [TestCase("2012-05-07", -1)]
    [TestCase("2012-05-08", 0)]
    [TestCase("2012-08-06", 0)]
    [TestCase("2012-08-07", 1)]
    [TestCase("2013-01-15", 162)]
    public void Days_outside_the_window_count_early_as_negative_and_late_as_positive(string on, int days)
    {
        var window = FollowUpWindows.For(new DateOnly(2011, 6, 8), 365, 30, 60);
        Assert.That(FollowUpWindows.DaysOutside(window, DateOnly.Parse(on)), Is.EqualTo(days));
    }

    /// <summary>A baseline at the edge of the calendar (entered before dates were bounded) gives a window, never an exception.</summary>
    [Test]
    public void A_window_beyond_the_calendar_stops_at_its_edge()
    {
        var late = FollowUpWindows.For(DateOnly.MaxValue, 365, 30, 60);
        var early = FollowUpWindows.For(DateOnly.MinValue, 0, 30, 60);
        Assert.Multiple(() =>
        {
            Assert.That(late.Target, Is.EqualTo(DateOnly.MaxValue));
            Assert.That(late.Closes, Is.EqualTo(DateOnly.MaxValue));
            Assert.That(late.Opens, Is.EqualTo(DateOnly.MaxValue.AddDays(-30)));
            Assert.That(early.Opens, Is.EqualTo(DateOnly.MinValue));
        });
    }
}
