using System.Net;
using TrialManager.Tests.Integration.Outcomes;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Reminders;

/// <summary>
/// A trial whose participants sit in every follow-up state today (in Europe/London, as the service counts days), with
/// QPR due at baseline and 12 months (365 days, window 30 before and 60 after) and the default horizons (upcoming
/// 14 days before the window opens, closing in its last 7 days). Site A (SLAM) has one participant per state; site B (GLOS) one open follow-up. The world's own participants,
/// with their 2011 baselines, are overdue at both sites.
/// </summary>
public sealed class ReminderFixture
{
    public required TrialWorld World { get; init; }
    public required DateOnly Today { get; init; }

    /// <summary>External id by state word at site A, e.g. "open" → "OPEN-0012".</summary>
    public Dictionary<string, string> SiteA { get; } = [];

    public Dictionary<string, Guid> Ids { get; } = [];
    public string SiteBOpen { get; private set; } = "";
    public string OverdueA { get; private set; } = "";
    public string OverdueB { get; private set; } = "";

    public static DateOnly LondonToday() =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/London")).DateTime);

    public static async Task<ReminderFixture> CreateAsync(ApiClient api, TrialWorld world)
    {
        var fixture = new ReminderFixture { World = world, Today = LondonToday() };
        await Expect(HttpStatusCode.Created, api.Post($"{world.Path}/instruments", new { fromLibrary = "QPR" }, world.Manager));
        foreach (var (code, offset, before, after) in new[] { ("baseline", 0, 0, 30), ("12m", 365, 30, 60) })
            await Expect(HttpStatusCode.Created, api.Post($"{world.Path}/timepoints",
                new { code, label = code, offsetDays = offset, windowDaysBefore = before, windowDaysAfter = after }, world.Manager));
        await Expect(HttpStatusCode.OK, api.Put($"{world.Path}/schedule", new
        {
            entries = new[] { "baseline", "12m" }.Select(t => new { timepointCode = t, instrumentCode = "QPR", participantKind = "patient" }),
        }, world.Manager));

        // Days since baseline: 12m opens on day 335 and closes on day 425.
        foreach (var (state, daysAgo) in new[]
                 {
                     ("not-yet", 100), ("upcoming", 325), ("open", 365), ("closing", 422), ("overdue", 500), ("done", 370), ("not-due", 360),
                 })
            (fixture.SiteA[state], fixture.Ids[state]) = await fixture.EnrolAsync(api, world.ClusterA, world.ResearcherA, state, daysAgo);
        (fixture.SiteBOpen, fixture.Ids["b-open"]) = await fixture.EnrolAsync(api, world.ClusterB, world.ResearcherB, "open", 365);

        var items = (await api.Get($"{world.Path}/instruments/QPR", world.ResearcherA))["items"].AsArray()
            .Select(i => i!["code"]!.GetValue<string>()).ToList();
        await Expect(HttpStatusCode.Created, api.Put(OutcomeFixture.AssessmentPath(world, fixture.Ids["done"], "12m", "QPR"),
            new { answers = OutcomeFixture.All(items, 2), status = "complete", assessedOn = fixture.Today.AddDays(-1) }, world.ResearcherA));
        await Expect(HttpStatusCode.OK, api.Patch($"{world.Path}/participants/{fixture.Ids["not-due"]}",
            new { status = "withdrawn-follow-up", reason = "moved away" }, world.ResearcherA));

        fixture.OverdueA = (await api.Get($"{world.Path}/participants/{world.ParticipantA}", world.Manager))["externalId"].GetValue<string>();
        fixture.OverdueB = (await api.Get($"{world.Path}/participants/{world.ParticipantB}", world.Manager))["externalId"].GetValue<string>();
        return fixture;
    }

    private async Task<(string ExternalId, Guid Id)> EnrolAsync(ApiClient api, Guid cluster, string token, string state, int daysAgo)
    {
        var externalId = Unique(state.ToUpperInvariant() + "-");
        var baseline = Today.AddDays(-daysAgo);
        var created = await Expect(HttpStatusCode.Created, api.Post($"{World.Path}/participants",
            new { externalId, clusterId = cluster, kind = "patient", consentDate = baseline, baselineDate = baseline }, token));
        return (externalId, created.Id);
    }
}
