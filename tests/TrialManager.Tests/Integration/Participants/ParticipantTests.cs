using System.Net;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Participants;

public sealed class ParticipantTests : IntegrationTest
{
    [Test]
    public async Task A_researcher_enrols_a_participant_at_their_site()
    {
        var world = await NewTrialAsync();
        var created = await Expect(HttpStatusCode.Created, Api.Post($"{world.Path}/participants", new
        {
            externalId = "P-A-001", clusterId = world.ClusterA, kind = "staff", consentDate = "2011-06-01", baselineDate = "2011-06-08",
        }, world.ResearcherA));
        Assert.Multiple(() =>
        {
            Assert.That(created.Headers.Location?.ToString(), Is.EqualTo($"/api/v1{world.Path}/participants/{created.Id}"));
            Assert.That(created["status"].GetValue<string>(), Is.EqualTo("active"));
            Assert.That(created["kind"].GetValue<string>(), Is.EqualTo("staff"));
            Assert.That(created["siteId"].GetValue<Guid>(), Is.EqualTo(world.SiteA));
            Assert.That(created["baselineDate"].GetValue<string>(), Is.EqualTo("2011-06-08"));
        });
    }

    [Test]
    public async Task A_researcher_cannot_enrol_into_another_sites_cluster_and_nothing_is_written()
    {
        var world = await NewTrialAsync();
        var before = await Db.ScalarAsync<long>("SELECT count(*) FROM participants");
        var response = await Api.Post($"{world.Path}/participants", NewParticipant(world.ClusterB), world.ResearcherA);
        Assert.That(response.Code, Is.EqualTo(422));
        Assert.That(response["errors"]["clusterId"], Is.Not.Null);
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM participants"), Is.EqualTo(before));
    }

    [Test]
    public async Task Another_sites_participant_is_not_found_for_a_researcher()
    {
        var world = await NewTrialAsync();
        var response = await Api.Get($"{world.Path}/participants/{world.ParticipantB}", world.ResearcherA);
        var unknown = await Api.Get($"{world.Path}/participants/{Guid.NewGuid()}", world.ResearcherA);
        Assert.That(response.Code, Is.EqualTo(404));
        Assert.That(response["detail"].GetValue<string>(), Is.EqualTo(unknown["detail"].GetValue<string>()), "no different from a participant that does not exist");
        var list = await Api.Get($"{world.Path}/participants", world.ResearcherA);
        Assert.That(list["items"].AsArray().Select(p => p!["id"]!.GetValue<Guid>()), Is.EqualTo(new[] { world.ParticipantA }));
    }

    [Test]
    public async Task External_ids_are_unique_within_a_trial()
    {
        var world = await NewTrialAsync();
        var body = new { externalId = "P-1", clusterId = world.ClusterA, kind = "patient", consentDate = "2011-06-01", baselineDate = "2011-06-08" };
        await Expect(HttpStatusCode.Created, Api.Post($"{world.Path}/participants", body, world.ResearcherA));
        var again = await Api.Post($"{world.Path}/participants", body, world.Manager);
        Assert.That(again.Code, Is.EqualTo(409));
        Assert.That(again["errors"]["externalId"], Is.Not.Null);
    }

    [Test]
    public async Task Enrolment_dates_are_checked()
    {
        var world = await NewTrialAsync();
        var response = await Api.Post($"{world.Path}/participants", new
        {
            externalId = "P-1", clusterId = world.ClusterA, kind = "patient", consentDate = "2999-01-01", baselineDate = "2998-01-01",
        }, world.ResearcherA);
        Assert.That(response.Code, Is.EqualTo(422));
        Assert.That(response["violations"].AsArray().Select(v => $"{v!["field"]}/{v["rule"]}"),
            Is.EquivalentTo(new[] { "consentDate/not-in-future", "baselineDate/on-or-after-consent", "baselineDate/not-in-future" }));
    }

    [Test]
    public async Task An_unknown_kind_is_a_400_naming_the_field()
    {
        var world = await NewTrialAsync();
        var response = await Api.Post($"{world.Path}/participants", new
        {
            externalId = "P-1", clusterId = world.ClusterA, kind = "alien", consentDate = "2011-06-01", baselineDate = "2011-06-08",
        }, world.ResearcherA);
        Assert.That(response.Code, Is.EqualTo(400));
        Assert.That(response["errors"]["kind"], Is.Not.Null);
    }

    [Test]
    public async Task A_status_change_needs_a_reason_and_keeps_its_date_and_reason_in_the_history()
    {
        var world = await NewTrialAsync();
        var path = $"{world.Path}/participants/{world.ParticipantA}";
        var refused = await Api.Patch(path, new { status = "withdrawn-follow-up" }, world.ResearcherA);
        Assert.That(refused.Code, Is.EqualTo(422));
        Assert.That(refused["errors"]["reason"], Is.Not.Null);

        var changed = await Expect(HttpStatusCode.OK, Api.Patch(path,
            new { status = "withdrawn-follow-up", statusDate = "2012-01-15", reason = "moved out of area" }, world.ResearcherA));
        Assert.Multiple(() =>
        {
            Assert.That(changed["status"].GetValue<string>(), Is.EqualTo("withdrawn-follow-up"));
            Assert.That(changed["statusDate"].GetValue<string>(), Is.EqualTo("2012-01-15"));
            Assert.That(changed["statusReason"].GetValue<string>(), Is.EqualTo("moved out of area"));
        });
        await Expect(HttpStatusCode.OK, Api.Patch(path, new { status = "died", statusDate = "2012-03-01", reason = "reported by GP" }, world.Manager));
        var read = await Api.Get(path, world.Monitor);
        var history = read["statusHistory"].AsArray().Select(c => $"{c!["from"]}>{c["to"]}@{c["effectiveDate"]}:{c["reason"]}").ToList();
        Assert.That(history, Is.EqualTo(new[]
        {
            "active>withdrawn-follow-up@2012-01-15:moved out of area",
            "withdrawn-follow-up>died@2012-03-01:reported by GP",
        }));
    }

    [Test]
    public async Task A_status_date_cannot_precede_consent_or_lie_in_the_future()
    {
        var world = await NewTrialAsync();
        var path = $"{world.Path}/participants/{world.ParticipantA}";
        var early = await Api.Patch(path, new { status = "lost", statusDate = "2010-01-01", reason = "r" }, world.ResearcherA);
        var future = await Api.Patch(path, new { status = "lost", statusDate = "2999-01-01", reason = "r" }, world.ResearcherA);
        Assert.That(new[] { early.Code, future.Code }, Is.All.EqualTo(422));
        Assert.That((await Api.Get(path, world.ResearcherA))["status"].GetValue<string>(), Is.EqualTo("active"));
    }

    [Test]
    public async Task Moving_a_participant_to_another_cluster_needs_a_reason_and_a_cluster_the_caller_sees()
    {
        var world = await NewTrialAsync();
        var path = $"{world.Path}/participants/{world.ParticipantA}";
        var otherA = await world.ClusterAsync(world.SiteA);
        Assert.That((await Api.Patch(path, new { clusterId = otherA }, world.ResearcherA)).Code, Is.EqualTo(422));
        Assert.That((await Api.Patch(path, new { clusterId = world.ClusterB, reason = "wrong team" }, world.ResearcherA)).Code, Is.EqualTo(422));
        var moved = await Expect(HttpStatusCode.OK, Api.Patch(path, new { clusterId = otherA, reason = "wrong team" }, world.ResearcherA));
        Assert.That(moved["clusterId"].GetValue<Guid>(), Is.EqualTo(otherA));
    }

    [Test]
    public async Task Participants_are_filtered_by_site_status_and_kind()
    {
        var world = await NewTrialAsync();
        await Expect(HttpStatusCode.OK, Api.Patch($"{world.Path}/participants/{world.ParticipantB}",
            new { status = "lost", reason = "no contact" }, world.ResearcherB));
        var lost = await Api.Get($"{world.Path}/participants?status=lost", world.Monitor);
        var atA = await Api.Get($"{world.Path}/participants?siteId={world.SiteA}", world.Monitor);
        var staff = await Api.Get($"{world.Path}/participants?kind=staff", world.Monitor);
        Assert.Multiple(() =>
        {
            Assert.That(lost["items"].AsArray().Select(p => p!["id"]!.GetValue<Guid>()), Is.EqualTo(new[] { world.ParticipantB }));
            Assert.That(atA["items"].AsArray().Select(p => p!["id"]!.GetValue<Guid>()), Is.EqualTo(new[] { world.ParticipantA }));
            Assert.That(staff["items"].AsArray(), Is.Empty);
        });
        Assert.That((await Api.Get($"{world.Path}/participants?status=gone", world.Monitor)).Code, Is.EqualTo(422));
    }

    [Test]
    public async Task A_participant_is_found_by_external_id_within_the_callers_sites()
    {
        var world = await NewTrialAsync();
        var path = $"{world.Path}/participants";
        // Near misses that a prefix, case-insensitive or pattern match would also find.
        foreach (var externalId in new[] { "REF-0042", "REF-00421", "ref-0042", "REF_0042" })
            await Expect(HttpStatusCode.Created, Api.Post(path,
                new { externalId, clusterId = world.ClusterA, kind = "patient", consentDate = "2011-06-01", baselineDate = "2011-06-08" }, world.ResearcherA));
        var atB = await Expect(HttpStatusCode.Created, Api.Post(path,
            new { externalId = "REF-0099", clusterId = world.ClusterB, kind = "patient", consentDate = "2011-06-01", baselineDate = "2011-06-08" }, world.ResearcherB));

        var found = await Expect(HttpStatusCode.OK, Api.Get($"{path}?externalId=REF-0042", world.ResearcherA));
        var otherSite = await Expect(HttpStatusCode.OK, Api.Get($"{path}?externalId=REF-0099", world.ResearcherA));
        var unknown = await Expect(HttpStatusCode.OK, Api.Get($"{path}?externalId=REF-7777", world.ResearcherA));
        var monitor = await Expect(HttpStatusCode.OK, Api.Get($"{path}?externalId=REF-0099", world.Monitor));
        Assert.Multiple(() =>
        {
            Assert.That(found["items"].AsArray().Select(p => p!["externalId"]!.GetValue<string>()), Is.EqualTo(new[] { "REF-0042" }));
            Assert.That(otherSite["items"].AsArray(), Is.Empty, "another site's participant is not found by a researcher of site A");
            Assert.That(unknown["items"].AsArray(), Is.Empty);
            Assert.That(monitor["items"].AsArray().Select(p => p!["id"]!.GetValue<Guid>()), Is.EqualTo(new[] { atB.Id }), "a role of every site finds it");
        });
    }

    [Test]
    public async Task A_search_by_external_id_refuses_control_characters_and_finds_nothing_for_an_over_long_one()
    {
        var world = await NewTrialAsync();
        var path = $"{world.Path}/participants";
        var nul = await Api.Get($"{path}?externalId=REF%00", world.ResearcherA);
        Assert.That(nul.Code, Is.EqualTo(400), nul.ToString());
        Assert.That(nul["violations"][0]!["field"]!.GetValue<string>(), Is.EqualTo("externalId"));
        var longer = await Api.Get($"{path}?externalId={new string('x', 4000)}", world.ResearcherA);
        Assert.That(longer.Code, Is.EqualTo(200), longer.ToString());
        Assert.That(longer["items"].AsArray(), Is.Empty);
        Assert.That((await Api.Get($"{path}?externalId=", world.ResearcherA))["items"].AsArray(), Is.Not.Empty, "an empty value is no filter");
    }
}
