namespace TrialManager.Tests.Integration.Reminders;

/// <summary>`GET /trials/{trialId}/reminders`: states, filters, site restriction, paging.</summary>
public sealed class ReminderApiTests : IntegrationTest
{
    private static List<(string ExternalId, string State)> Rows(ApiResponse response) =>
        response["items"].AsArray().Select(i => (i!["externalId"]!.GetValue<string>(), i["state"]!.GetValue<string>())).ToList();

    [Test]
    public async Task Each_follow_up_has_its_state_and_window_and_no_arm()
    {
        var fixture = await ReminderFixture.CreateAsync(Api, await NewTrialAsync());
        var response = await Api.Get($"{fixture.World.Path}/reminders", fixture.World.Manager);
        Assert.That(response.Code, Is.EqualTo(200), response.ToString());
        var expected = fixture.SiteA.Select(p => (p.Value, p.Key))
            .Append((fixture.SiteBOpen, "open")).Append((fixture.OverdueA, "overdue")).Append((fixture.OverdueB, "overdue"));
        var open = response["items"].AsArray().Single(i => i!["externalId"]!.GetValue<string>() == fixture.SiteA["open"])!;
        Assert.Multiple(() =>
        {
            Assert.That(Rows(response), Is.EquivalentTo(expected));
            Assert.That(response.Json!["nextCursor"], Is.Null);
            Assert.That(open["timepointCode"]!.GetValue<string>(), Is.EqualTo("12m"));
            Assert.That(open["target"]!.GetValue<string>(), Is.EqualTo(fixture.Today.ToString("yyyy-MM-dd")));
            Assert.That(open["windowOpens"]!.GetValue<string>(), Is.EqualTo(fixture.Today.AddDays(-30).ToString("yyyy-MM-dd")));
            Assert.That(open["windowCloses"]!.GetValue<string>(), Is.EqualTo(fixture.Today.AddDays(60).ToString("yyyy-MM-dd")));
            Assert.That(open["siteId"]!.GetValue<Guid>(), Is.EqualTo(fixture.World.SiteA));
            Assert.That(open["siteCode"]!.GetValue<string>(), Is.EqualTo("SLAM"));
            Assert.That(open["clusterCode"]!.GetValue<string>(), Does.StartWith("T"));
            Assert.That(open["participantId"]!.GetValue<Guid>(), Is.EqualTo(fixture.Ids["open"]));
            Assert.That(response.Body, Does.Not.Contain(TrialWorld.ArmZulu).And.Not.Contain(TrialWorld.ArmYankee).And.Not.Contain("\"arm"));
        });
    }

    [Test]
    public async Task Researchers_see_their_own_sites_only_and_filters_narrow_the_list()
    {
        var fixture = await ReminderFixture.CreateAsync(Api, await NewTrialAsync());
        var path = $"{fixture.World.Path}/reminders";
        var researcherA = Rows(await Api.Get(path, fixture.World.ResearcherA)).Select(r => r.ExternalId).ToList();
        var researcherB = Rows(await Api.Get(path, fixture.World.ResearcherB)).Select(r => r.ExternalId).ToList();
        var overdue = Rows(await Api.Get($"{path}?state=overdue", fixture.World.Monitor));
        var siteB = Rows(await Api.Get($"{path}?siteId={fixture.World.SiteB}", fixture.World.Manager)).Select(r => r.ExternalId).ToList();
        var otherSite = Rows(await Api.Get($"{path}?siteId={fixture.World.SiteB}", fixture.World.ResearcherA));
        var openAtA = Rows(await Api.Get($"{path}?state=open&siteId={fixture.World.SiteA}", fixture.World.ResearcherA));
        Assert.Multiple(() =>
        {
            Assert.That(researcherA, Is.EquivalentTo(fixture.SiteA.Values.Append(fixture.OverdueA)));
            Assert.That(researcherB, Is.EquivalentTo(new[] { fixture.SiteBOpen, fixture.OverdueB }));
            Assert.That(overdue, Is.EquivalentTo(new[] { (fixture.SiteA["overdue"], "overdue"), (fixture.OverdueA, "overdue"), (fixture.OverdueB, "overdue") }));
            Assert.That(siteB, Is.EquivalentTo(new[] { fixture.SiteBOpen, fixture.OverdueB }));
            Assert.That(otherSite, Is.Empty);
            Assert.That(openAtA, Is.EqualTo(new[] { (fixture.SiteA["open"], "open") }));
        });
    }

    [Test]
    public async Task An_unknown_state_is_a_422_naming_the_field()
    {
        var world = await NewTrialAsync();
        var response = await Api.Get($"{world.Path}/reminders?state=soon", world.Manager);
        Assert.Multiple(() =>
        {
            Assert.That(response.Code, Is.EqualTo(422), response.ToString());
            Assert.That(response.ContentType, Is.EqualTo("application/problem+json"));
            Assert.That(response.Body, Does.Contain("state").And.Contain("not-yet"));
        });
    }

    [Test]
    public async Task Pages_walk_the_whole_list_once()
    {
        var fixture = await ReminderFixture.CreateAsync(Api, await NewTrialAsync());
        var path = $"{fixture.World.Path}/reminders";
        var all = Rows(await Api.Get(path, fixture.World.Manager));
        var walked = new List<(string, string)>();
        string? cursor = null;
        do
        {
            var page = await Api.Get($"{path}?limit=3{(cursor is null ? "" : $"&cursor={cursor}")}", fixture.World.Manager);
            Assert.That(page.Code, Is.EqualTo(200), page.ToString());
            Assert.That(page["items"].AsArray(), Has.Count.LessThanOrEqualTo(3));
            walked.AddRange(Rows(page));
            cursor = page.Json!["nextCursor"]?.GetValue<string>();
        } while (cursor is not null);
        Assert.That(walked, Is.EqualTo(all));
        Assert.That((await Api.Get($"{path}?cursor=nonsense", fixture.World.Manager)).Code, Is.EqualTo(422));
    }
}
