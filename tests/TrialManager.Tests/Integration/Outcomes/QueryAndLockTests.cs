using System.Net;
using System.Net.Http.Json;
using static TrialManager.Tests.Integration.Outcomes.OutcomeFixture;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Outcomes;

public sealed class QueryAndLockTests : IntegrationTest
{
    private TrialWorld _world = null!;
    private List<string> _qpr = null!;
    private Guid _assessment;

    [SetUp]
    public async Task AssessedTrialAsync()
    {
        (_world, _qpr) = await CreateAsync(Api, await NewTrialAsync());
        var saved = await Expect(HttpStatusCode.Created, Api.Put(AssessmentPath(_world, _world.ParticipantA, "baseline", "QPR"),
            new { answers = All(_qpr, 2), status = "complete", assessedOn = "2011-06-10" }, _world.ResearcherA));
        _assessment = saved.Id;
    }

    [Test]
    public async Task Open_queries_are_listed_by_site_and_age_and_a_closed_one_can_be_reopened()
    {
        var query = await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/queries",
            new { assessmentId = _assessment, question = "Date of visit?" }, _world.Monitor));
        async Task<Guid[]> Listed(string filter) =>
            (await Expect(HttpStatusCode.OK, Api.Get($"{_world.Path}/queries?status=open&{filter}", _world.Monitor)))["items"].AsArray()
                .Select(q => q!["id"]!.GetValue<Guid>()).ToArray();

        Assert.That(await Listed($"siteId={_world.SiteA}"), Is.EqualTo(new[] { query.Id }));
        Assert.That(await Listed($"siteId={_world.SiteB}"), Is.Empty);
        Assert.That(await Listed("olderThanDays=0"), Is.EqualTo(new[] { query.Id }));
        Assert.That(await Listed("olderThanDays=7"), Is.Empty, "raised just now");
        await Db.ExecuteAsync($"UPDATE data_queries SET raised_at = raised_at - interval '10 days' WHERE id = '{query.Id}'");
        Assert.That(await Listed("olderThanDays=7"), Is.EqualTo(new[] { query.Id }));
        await Expect(HttpStatusCode.OK, Api.Post($"{_world.Path}/queries/{query.Id}/close", new { }, _world.Monitor));
        Assert.That(await Listed("olderThanDays=7"), Is.Empty, "closed");
        var reopened = await Expect(HttpStatusCode.OK, Api.Post($"{_world.Path}/queries/{query.Id}/reopen",
            new { note = "visit date still differs from the source" }, _world.Monitor));
        Assert.That(reopened["status"].GetValue<string>(), Is.EqualTo("open"));
        Assert.That(await Listed("olderThanDays=7"), Is.EqualTo(new[] { query.Id }), "open again, and as old as it was");
        Assert.That((await Api.Post($"{_world.Path}/queries/{query.Id}/reopen", new { }, _world.Monitor)).Code, Is.EqualTo(409));
                var refused = await Api.Get($"{_world.Path}/queries?olderThanDays=-1", _world.Monitor);
        Assert.That(refused.Code, Is.EqualTo(422));
        Assert.That(refused.Body, Does.Contain("olderThanDays"));
    }

    [Test]
    public async Task A_query_says_where_its_item_is_so_a_worklist_can_link_to_it()
    {
        var raised = await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/queries",
            new { assessmentId = _assessment, itemCode = _qpr[0], question = "Source says 3?" }, _world.Monitor));
        var participant = await Api.Get($"{_world.Path}/participants/{_world.ParticipantA}", _world.ResearcherA);
        var listed = (await Expect(HttpStatusCode.OK, Api.Get($"{_world.Path}/queries", _world.ResearcherA)))["items"].AsArray().Single()!;
        var answered = await Expect(HttpStatusCode.OK, Api.Post($"{_world.Path}/queries/{raised.Id}/answers", new { text = "Checked" }, _world.ResearcherA));
        foreach (var view in new[] { raised["place"], listed["place"], answered["place"] })
        {
            Assert.That(view!["participantId"]!.GetValue<Guid>(), Is.EqualTo(_world.ParticipantA));
            Assert.That(view["participantExternalId"]!.GetValue<string>(), Is.EqualTo(participant["externalId"].GetValue<string>()));
            Assert.That(view["timepointCode"]!.GetValue<string>(), Is.EqualTo("baseline"));
            Assert.That(view["instrumentCode"]!.GetValue<string>(), Is.EqualTo("QPR"));
        }
    }

    [Test]
    public async Task A_query_blocks_the_lock_until_answered_and_closed()
    {
        var query = await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/queries",
            new { assessmentId = _assessment, itemCode = _qpr[0], question = "Source says 3?" }, _world.Monitor));
        var open = await Api.Get($"{_world.Path}/queries?status=open", _world.ResearcherA);
        Assert.That(open["items"].AsArray().Select(q => q!["id"]!.GetValue<Guid>()), Is.EqualTo(new[] { query.Id }));
        Assert.That((await Api.Get($"{_world.Path}/queries", _world.ResearcherB))["items"].AsArray(), Is.Empty, "another site's query is not theirs");

        await _world.AdvanceToAsync("follow-up");
        var refused = await Api.Patch(_world.Path, new { status = "locked", reason = "database lock" }, _world.Manager);
        Assert.That(refused.Code, Is.EqualTo(409));

        var answered = await Expect(HttpStatusCode.OK, Api.Post($"{_world.Path}/queries/{query.Id}/answers",
            new { text = "corrected from source", correction = new { itemCode = _qpr[0], value = 3, reason = "query" } }, _world.ResearcherA));
        Assert.That(answered["status"].GetValue<string>(), Is.EqualTo("answered"));
        var assessment = (await Api.Get($"{_world.Path}/participants/{_world.ParticipantA}/assessments", _world.Monitor))["items"].AsArray().Single()!;
        Assert.That(assessment["scores"]!["total"]!.GetValue<double>(), Is.EqualTo(45), "the correction re-scores");
        await Expect(HttpStatusCode.OK, Api.Post($"{_world.Path}/queries/{query.Id}/close", new { }, _world.Monitor));

        var locked = await Api.Patch(_world.Path, new { status = "locked", reason = "database lock" }, _world.Manager);
        Assert.That(locked.Code, Is.EqualTo(200), locked.ToString());
        var after = (await Api.Get($"{_world.Path}/participants/{_world.ParticipantA}/assessments", _world.Monitor))["items"].AsArray().Single()!;
        Assert.That(after["status"]!.GetValue<string>(), Is.EqualTo("locked"));
        var write = await Api.Put(AssessmentPath(_world, _world.ParticipantA, "baseline", "QPR"),
            new { answers = All(_qpr, 1), status = "complete", assessedOn = "2011-06-10", reason = "late" }, _world.ResearcherA);
        Assert.That(write.Code, Is.EqualTo(409));
    }

    [Test]
    public async Task The_lock_may_override_open_queries_explicitly()
    {
        await Expect(HttpStatusCode.Created, Api.Post($"{_world.Path}/queries", new { assessmentId = _assessment, question = "?" }, _world.Monitor));
        await _world.AdvanceToAsync("follow-up");
        var locked = await Api.Patch(_world.Path, new { status = "locked", reason = "DMC deadline", overrideOpenQueries = true }, _world.Manager);
        Assert.That(locked.Code, Is.EqualTo(200));
    }

    [Test]
    public async Task Source_data_verification_marks_verified_or_raises_a_query()
    {
        var verified = await Expect(HttpStatusCode.OK, Api.Post($"{_world.Path}/assessments/{_assessment}/verification", new { verified = true }, _world.Monitor));
        Assert.That(verified["status"].GetValue<string>(), Is.EqualTo("verified"));
        var stored = (await Api.Get($"{_world.Path}/participants/{_world.ParticipantA}/assessments", _world.Monitor))["items"].AsArray().Single()!;
        Assert.That(stored["status"]!.GetValue<string>(), Is.EqualTo("verified"), "and it is kept");
        await Expect(HttpStatusCode.OK, Api.Post($"{_world.Path}/assessments/{_assessment}/verification",
            new { discrepancy = new { itemCode = _qpr[2], question = "CRF shows 1" } }, _world.Monitor));
        var queries = await Api.Get($"{_world.Path}/queries?assessmentId={_assessment}", _world.Monitor);
        Assert.That(queries["items"].AsArray().Single()!["itemCode"]!.GetValue<string>(), Is.EqualTo(_qpr[2]));
        Assert.That((await Api.Post($"{_world.Path}/queries", new { assessmentId = _assessment, question = "?" }, _world.ResearcherA)).Code,
            Is.EqualTo(403), "researchers answer queries, monitors raise them");
    }

    [Test]
    public async Task An_idempotency_key_replays_the_first_answer_and_refuses_another_body()
    {
        var body = new { externalId = "P-IDEM", clusterId = _world.ClusterA, kind = "patient", consentDate = "2011-06-01", baselineDate = "2011-06-08" };
        Task<ApiResponse> Post(object b) => Api.Send(HttpMethod.Post, $"{_world.Path}/participants", JsonContent.Create(b), _world.ResearcherA,
            r => r.Headers.Add("Idempotency-Key", "idem-1"));
        var first = await Post(body);
        var again = await Post(body);
        var other = await Post(new { externalId = "P-OTHER", clusterId = _world.ClusterA, kind = "patient", consentDate = "2011-06-01", baselineDate = "2011-06-08" });
        Assert.Multiple(() =>
        {
            Assert.That(first.Code, Is.EqualTo(201));
            Assert.That(again.Code, Is.EqualTo(201));
            Assert.That(again.Id, Is.EqualTo(first.Id));
            Assert.That(again.Headers.GetValues("Idempotency-Replayed").Single(), Is.EqualTo("true"));
            Assert.That(other.Code, Is.EqualTo(422));
        });
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM participants WHERE external_id = 'P-IDEM'"), Is.EqualTo(1));
    }
}
