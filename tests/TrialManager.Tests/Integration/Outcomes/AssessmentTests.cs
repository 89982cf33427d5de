using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static TrialManager.Tests.Integration.Outcomes.OutcomeFixture;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Outcomes;

public sealed class AssessmentTests : IntegrationTest
{
    private TrialWorld _world = null!;
    private List<string> _qpr = null!;
    private string _url = "";

    [SetUp]
    public async Task TrialWithScheduleAsync()
    {
        (_world, _qpr) = await CreateAsync(Api, await NewTrialAsync());
        _url = AssessmentPath(_world, _world.ParticipantA, "baseline", "QPR");
    }

    private Task<ApiResponse> PutAsync(string url, object body, string? etag = null, string? key = null) =>
        Api.Send(HttpMethod.Put, url, JsonContent.Create(body), _world.ResearcherA, r =>
        {
            if (etag is not null)
                r.Headers.TryAddWithoutValidation("If-Match", etag);
            if (key is not null)
                r.Headers.Add("Idempotency-Key", key);
        });

    [Test]
    public async Task The_library_ships_the_refocus_pack()
    {
        var library = await Api.Get("/instrument-library", _world.Monitor);
        Assert.That(library["items"].AsArray().Select(i => i!["code"]!.GetValue<string>()),
            Is.SupersetOf(new[] { "QPR", "QPR15", "INSPIRE", "HHI", "MANSA", "RKI" }));
    }

    [Test]
    public async Task Every_invalid_item_is_reported_at_once_and_nothing_is_written()
    {
        var bad = All(_qpr, 2);
        bad[_qpr[0]] = 7;
        bad[_qpr[1]] = "x";
        bad["NOPE"] = 1;
        var response = await PutAsync(_url, new { answers = bad, status = "complete", assessedOn = "2011-06-10" });
        Assert.That(response.Code, Is.EqualTo(422));
        Assert.That(response["violations"].AsArray().Select(v => $"{v!["field"]}/{v["rule"]}"),
            Is.EquivalentTo(new[] { $"answers.{_qpr[0]}/range", $"answers.{_qpr[1]}/integer", "answers.NOPE/known-item" }));
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM assessments"), Is.Zero);
        var partial = await PutAsync(_url, new { answers = All(_qpr.Take(10), 2), status = "complete", assessedOn = "2011-06-10" });
        Assert.That(partial.Code, Is.EqualTo(422), "a complete assessment needs its required items");
        var draft = await PutAsync(_url, new { answers = All(_qpr.Take(10), 2), status = "draft", assessedOn = "2011-06-10" });
        Assert.That(draft.Code, Is.EqualTo(201), "a draft may be partial");
        Assert.That(Scores(draft)["total"], Is.Null, "10 of 22 answered is too few for a total");
    }

    [Test]
    public async Task The_server_scores_and_ignores_client_scores()
    {
        var saved = await PutAsync(_url, new { answers = All(_qpr, 2), status = "complete", assessedOn = "2011-06-10", scores = new { total = 99 } });
        Assert.That(saved.Code, Is.EqualTo(201), saved.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(Scores(saved)["total"]!.GetValue<double>(), Is.EqualTo(44));
            Assert.That(Scores(saved)["intrapersonal"]!.GetValue<double>(), Is.EqualTo(34));
            Assert.That(Scores(saved)["interpersonal"]!.GetValue<double>(), Is.EqualTo(10));
            Assert.That(saved["instrumentVersion"].GetValue<int>(), Is.EqualTo(1));
            Assert.That(saved.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
        });
    }

    [Test]
    public async Task Editing_a_complete_assessment_needs_a_reason_and_the_current_etag()
    {
        var saved = await PutAsync(_url, new { answers = All(_qpr, 2), status = "complete", assessedOn = "2011-06-10" });
        var etag = saved.Headers.ETag!.Tag;
        var noMatch = await PutAsync(_url, new { answers = All(_qpr, 3), status = "complete", assessedOn = "2011-06-10", reason = "fix" });
        Assert.That(noMatch.Code, Is.EqualTo(428));
        var noReason = await PutAsync(_url, new { answers = All(_qpr, 3), status = "complete", assessedOn = "2011-06-10" }, etag);
        Assert.That(noReason.Code, Is.EqualTo(422));
        var edited = await PutAsync(_url, new { answers = All(_qpr, 3), status = "complete", assessedOn = "2011-06-10", reason = "transcription error" }, etag);
        Assert.That(edited.Code, Is.EqualTo(200));
        Assert.That(Scores(edited)["total"]!.GetValue<double>(), Is.EqualTo(66));
        var stale = await PutAsync(_url, new { answers = All(_qpr, 4), status = "complete", assessedOn = "2011-06-10", reason = "again" }, etag);
        Assert.That(stale.Code, Is.EqualTo(412));
        var audit = await Api.Get($"{_world.Path}/audit?entityType=assessment&action=update", _world.Monitor);
        Assert.That(audit["items"].AsArray().Single()!["reason"]!.GetValue<string>(), Is.EqualTo("transcription error"));
    }

    [Test]
    public async Task A_retried_save_with_its_idempotency_key_gets_the_first_answer_and_its_etag_not_a_412()
    {
        var first = await PutAsync(_url, new { answers = All(_qpr, 2), status = "draft", assessedOn = "2011-06-10" }, key: "save-1");
        var firstAgain = await PutAsync(_url, new { answers = All(_qpr, 2), status = "draft", assessedOn = "2011-06-10" }, key: "save-1");
        Assert.That(first.Code, Is.EqualTo(201), first.ToString());
        Assert.That(firstAgain.Code, Is.EqualTo(201), "a replayed creation, not 428 for an assessment that now exists: " + firstAgain);
        var edit = new { answers = All(_qpr, 3), status = "complete", assessedOn = "2011-06-10" };
        // The answer is lost on the way back; the client retries exactly what it sent, with the ETag it had.
        var saved = await PutAsync(_url, edit, first.Headers.ETag!.Tag, "save-2");
        var retried = await PutAsync(_url, edit, first.Headers.ETag!.Tag, "save-2");
        Assert.Multiple(() =>
        {
            Assert.That(saved.Code, Is.EqualTo(200), saved.ToString());
            Assert.That(retried.Code, Is.EqualTo(200), retried.ToString());
            Assert.That(retried.Headers.GetValues("Idempotency-Replayed"), Is.EqualTo(new[] { "true" }));
            Assert.That(JsonNode.DeepEquals(retried.Json, saved.Json), Is.True, $"the same body: {saved.Body} / {retried.Body}");
            Assert.That(retried.Headers.ETag?.Tag, Is.EqualTo("\"2\""));
            Assert.That(retried.Headers.ETag?.Tag, Is.EqualTo(saved.Headers.ETag?.Tag), "the replay carries the ETag of the answer it repeats");
            Assert.That(firstAgain.Headers.ETag?.Tag, Is.EqualTo("\"1\""));
            Assert.That(firstAgain.Headers.Location, Is.EqualTo(first.Headers.Location));
        });
        Assert.That(await Db.ScalarAsync<int>("SELECT revision FROM assessments"), Is.EqualTo(2), "saved once per key");
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM audit_events WHERE entity_type = 'assessment' AND action = 'update'"),
            Is.EqualTo(1));
    }

    [Test]
    public async Task The_same_idempotency_key_with_another_if_match_is_another_request()
    {
        var first = await PutAsync(_url, new { answers = All(_qpr, 2), status = "draft", assessedOn = "2011-06-10" });
        var edit = new { answers = All(_qpr, 3), status = "draft", assessedOn = "2011-06-10" };
        await Expect(HttpStatusCode.OK, PutAsync(_url, edit, first.Headers.ETag!.Tag, "save-3"));
        var other = await PutAsync(_url, edit, "\"2\"", "save-3");
        Assert.That(other.Code, Is.EqualTo(422), other.ToString());
        Assert.That(other["violations"].AsArray().Select(v => $"{v!["field"]}/{v["rule"]}"), Is.EqualTo(new[] { "Idempotency-Key/same-request" }));
        Assert.That(await Db.ScalarAsync<int>("SELECT revision FROM assessments"), Is.EqualTo(2));
    }

    [Test]
    public async Task Hhi_reverse_items_change_the_total()
    {
        var hhi = (await Api.Get($"{_world.Path}/instruments/HHI", _world.ResearcherA))["items"].AsArray().Select(i => i!["code"]!.GetValue<string>());
        var saved = await PutAsync(AssessmentPath(_world, _world.ParticipantA, "baseline", "HHI"),
            new { answers = All(hhi, 4), status = "complete", assessedOn = "2011-06-10" });
        Assert.That(Scores(saved)["total"]!.GetValue<double>(), Is.EqualTo(42));
    }

    [Test]
    public async Task An_assessment_outside_its_window_is_accepted_and_flagged()
    {
        var url = AssessmentPath(_world, _world.ParticipantA, "12m", "QPR");
        var late = await PutAsync(url, new { answers = All(_qpr, 1), status = "complete", assessedOn = "2013-01-15" });
        Assert.That(late.Code, Is.EqualTo(201));
        Assert.That(late["outOfWindow"].GetValue<bool>(), Is.True);
        // Baseline 2011-06-08 + 365 = 2012-06-07; the window closes 60 days later, on 2012-08-06; 2013-01-15 is 162 days after.
        Assert.That(late["daysOutOfWindow"].GetValue<int>(), Is.EqualTo(162));
    }

    [Test]
    public async Task An_instrument_not_scheduled_or_a_withdrawn_participant_is_refused()
    {
        await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/instruments", new { fromLibrary = "MANSA" }, _world.Manager));
        var unscheduled = await PutAsync(AssessmentPath(_world, _world.ParticipantA, "baseline", "MANSA"),
            new { answers = new { }, status = "draft", assessedOn = "2011-06-10" });
        Assert.That(unscheduled.Code, Is.EqualTo(422));
        await Expect(HttpStatusCode.OK, Api.Patch($"{_world.Path}/participants/{_world.ParticipantA}",
            new { status = "withdrawn-follow-up", reason = "moved away" }, _world.ResearcherA));
        var withdrawn = await PutAsync(_url, new { answers = All(_qpr, 2), status = "complete", assessedOn = "2011-06-10" });
        Assert.That(withdrawn.Code, Is.EqualTo(409));
        Assert.That(withdrawn["detail"].GetValue<string>(), Does.Contain("withdrawn-follow-up"));
    }

    [Test]
    public async Task A_changed_instrument_is_a_new_version_and_old_assessments_keep_theirs()
    {
        await PutAsync(_url, new { answers = All(_qpr, 2), status = "complete", assessedOn = "2011-06-10" });
        var qpr = (await Api.Get($"{_world.Path}/instruments/QPR", _world.Manager)).Json!.AsObject();
        qpr["title"] = "QPR, revised";
        var revised = await Api.Post($"{_world.Path}/instruments", qpr, _world.Manager);
        Assert.That(revised.Code, Is.EqualTo(201), revised.ToString());
        Assert.That(revised["version"].GetValue<int>(), Is.EqualTo(2));
        var same = await Api.Post($"{_world.Path}/instruments", new { fromLibrary = "HHI" }, _world.Manager);
        Assert.That(same.Code, Is.EqualTo(200), "an unchanged definition is not a new version");
        var list = await Api.Get($"{_world.Path}/participants/{_world.ParticipantA}/assessments", _world.Monitor);
        Assert.That(list["items"].AsArray().Single()!["instrumentVersion"]!.GetValue<int>(), Is.EqualTo(1));
    }

    [Test]
    public async Task Another_sites_researcher_cannot_see_or_save_the_assessment()
    {
        await PutAsync(_url, new { answers = All(_qpr, 2), status = "complete", assessedOn = "2011-06-10" });
        Assert.That((await Api.Get($"{_world.Path}/participants/{_world.ParticipantA}/assessments", _world.ResearcherB)).Code, Is.EqualTo(404));
        var other = await Api.Put(_url, new { answers = All(_qpr, 2), status = "complete", assessedOn = "2011-06-10" }, _world.ResearcherB);
        Assert.That(other.Code, Is.EqualTo(404));
    }
}
