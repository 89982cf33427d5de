using TrialManager.Api.Features.Participants;

namespace TrialManager.Tests.Unit.Participants;

public sealed class ParticipantRulesTests
{
    private static readonly DateOnly Today = new(2012, 6, 1);

    [TestCase("2011-06-01", "2011-06-08", new string[0])]
    [TestCase("2011-06-01", "2011-06-01", new string[0])]
    [TestCase("2011-06-08", "2011-06-01", new[] { "baselineDate/on-or-after-consent" })]
    [TestCase("2012-06-02", "2012-06-03", new[] { "consentDate/not-in-future", "baselineDate/not-in-future" })]
    [TestCase("2012-05-01", "9999-12-31", new[] { "baselineDate/not-in-future" })]
    [TestCase("0001-01-01", "0001-01-01", new[] { "consentDate/not-before-1900", "baselineDate/not-before-1900" })]
    [TestCase("1900-01-01", "2012-06-01", new string[0])]
    public void Enrolment_dates(string consent, string baseline, string[] broken) =>
        Assert.That(ParticipantRules.CheckDates(DateOnly.Parse(consent), DateOnly.Parse(baseline), Today).Select(v => $"{v.Field}/{v.Rule}"),
            Is.EquivalentTo(broken));

    [TestCase("2012-06-01", new string[0])]
    [TestCase("2011-06-01", new string[0])]
    [TestCase("2011-05-31", new[] { "statusDate/on-or-after-consent" })]
    [TestCase("2012-06-02", new[] { "statusDate/not-in-future" })]
    public void Status_dates(string statusDate, string[] broken) =>
        Assert.That(ParticipantRules.CheckStatusDate(DateOnly.Parse(statusDate), new DateOnly(2011, 6, 1), Today).Select(v => $"{v.Field}/{v.Rule}"),
            Is.EquivalentTo(broken));
}
