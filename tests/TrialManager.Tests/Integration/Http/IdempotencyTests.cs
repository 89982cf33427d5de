using System.Net;
using Npgsql;
using TrialManager.Tests.Integration.Outcomes;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Http;

/// <summary>
/// Idempotency-Key, on POST, PUT and PATCH: only a request that changed something stores its answer; a refused one leaves the key free for a
/// corrected retry, and a key held by a running request answers 409 with Retry-After.
/// </summary>
public sealed class IdempotencyTests : IntegrationTest
{
    private TrialWorld _world = null!;

    [SetUp]
    public async Task TrialAsync() => _world = await NewTrialAsync();

    private Task<ApiResponse> EnrolAsync(object body, string key) =>
        Api.Send(HttpMethod.Post, $"{_world.Path}/participants",
            System.Net.Http.Json.JsonContent.Create(body, options: System.Text.Json.JsonSerializerOptions.Web), _world.ResearcherA,
            r => r.Headers.Add("Idempotency-Key", key));

    private Task<long> RecordsAsync() => Db.ScalarAsync<long>("SELECT count(*) FROM idempotency_records");

    [Test]
    public async Task A_refused_request_leaves_its_key_free_for_a_corrected_retry()
    {
        var good = NewParticipant(_world.ClusterA);
        var refused = await EnrolAsync(new { externalId = "P-X", clusterId = Guid.NewGuid(), kind = "patient", consentDate = "2011-06-01", baselineDate = "2011-06-08" }, "k-1");
        Assert.That(refused.Code, Is.EqualTo(422));
        Assert.That(await RecordsAsync(), Is.Zero, "a refusal stores nothing");
        Assert.That((await EnrolAsync(new { externalId = "P-X", clusterId = Guid.NewGuid(), kind = "patient", consentDate = "2011-06-01", baselineDate = "2011-06-08" }, "k-1")).Code,
            Is.EqualTo(422), "the identical retry runs again and is refused again");
        var created = await EnrolAsync(good, "k-1");
        Assert.That(created.Code, Is.EqualTo(201), "the corrected retry runs");
        var replayed = await EnrolAsync(good, "k-1");
        Assert.Multiple(() =>
        {
            Assert.That(replayed.Code, Is.EqualTo(201));
            Assert.That(replayed.Id, Is.EqualTo(created.Id), "the same answer, not a second participant");
            Assert.That(replayed.Headers.GetValues("Idempotency-Replayed"), Is.EqualTo(new[] { "true" }));
        });
        var other = await EnrolAsync(NewParticipant(_world.ClusterA), "k-1");
        Assert.That(other.Code, Is.EqualTo(422), "the key now belongs to the first request");
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM participants WHERE external_id LIKE 'P-%'"), Is.EqualTo(3), "two from the world, one here");
    }

    [Test]
    public async Task A_patch_retried_with_its_key_is_answered_again_and_not_applied_again()
    {
        var path = $"{_world.Path}/participants/{_world.ParticipantA}";
        Task<ApiResponse> PatchAsync(object body, string? key) => Api.Send(HttpMethod.Patch, path,
            System.Net.Http.Json.JsonContent.Create(body, options: System.Text.Json.JsonSerializerOptions.Web), _world.ResearcherA,
            r => { if (key is not null) r.Headers.Add("Idempotency-Key", key); });

        var corrected = await PatchAsync(new { externalId = "P-FIXED" }, "fix-1");
        Assert.That(corrected.Code, Is.EqualTo(200), corrected.ToString());
        // Someone else corrects it again before the first client's retry arrives: the retry must not undo that.
        await Expect(HttpStatusCode.OK, PatchAsync(new { externalId = "P-FIXED-AGAIN" }, null));
        var retried = await PatchAsync(new { externalId = "P-FIXED" }, "fix-1");
        Assert.Multiple(() =>
        {
            Assert.That(retried.Code, Is.EqualTo(200), retried.ToString());
            Assert.That(retried.Headers.GetValues("Idempotency-Replayed"), Is.EqualTo(new[] { "true" }));
            Assert.That(System.Text.Json.Nodes.JsonNode.DeepEquals(retried.Json, corrected.Json), Is.True, retried.Body);
        });
        Assert.That(await Db.ScalarAsync<string>("SELECT external_id FROM participants WHERE id = $1", _world.ParticipantA), Is.EqualTo("P-FIXED-AGAIN"));
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM audit_events WHERE entity_id = $1 AND action = 'update'", _world.ParticipantA),
            Is.EqualTo(2), "one update per request that ran");
        Assert.That((await PatchAsync(new { externalId = "P-OTHER" }, "fix-1")).Code, Is.EqualTo(422), "the key belongs to the first request");
    }

    [Test]
    public async Task Every_put_and_patch_answer_is_given_again_to_a_retry_with_its_key()
    {
        // Each answer type goes through the stored JSON and back: one that did not would answer a retry with a 500.
        var (world, qpr) = await OutcomeFixture.CreateAsync(Api, _world);
        var (grantee, _) = await NewUserAsync(Api, "grantee");
        var writes = new (HttpMethod Method, string Path, object Body, string Token)[]
        {
            (HttpMethod.Patch, world.Path, new { title = "A better title", reason = "typo" }, world.Manager),
            (HttpMethod.Patch, $"{world.Path}/sites/{world.SiteA}", new { name = "South London trust", reason = "renamed" }, world.Manager),
            (HttpMethod.Patch, $"{world.Path}/clusters/{world.ClusterA}",
                new { covariates = new { caseload = 260, teamType = "support" }, reason = "recounted" }, world.Manager),
            (HttpMethod.Patch, $"{world.Path}/participants/{world.ParticipantA}", new { consentDate = "2011-06-02", reason = "paper form" },
                world.ResearcherA),
            (HttpMethod.Put, $"{world.Path}/members/{grantee}", new { role = "monitor", reason = "joins" }, Admin),
            (HttpMethod.Put, $"{world.Path}/randomisation/scheme", new { method = "simple" }, world.Manager),
            (HttpMethod.Put, $"{world.Path}/schedule",
                new { entries = new[] { new { timepointCode = "baseline", instrumentCode = "QPR", participantKind = "patient" } } }, world.Manager),
            (HttpMethod.Put, OutcomeFixture.AssessmentPath(world, world.ParticipantA, "baseline", "QPR"),
                new { answers = OutcomeFixture.All(qpr, 2), status = "complete", assessedOn = "2011-06-10" }, world.ResearcherA),
        };
        foreach (var (method, path, body, token) in writes)
        {
            Task<ApiResponse> SendAsync() => Api.Send(method, path,
                System.Net.Http.Json.JsonContent.Create(body, options: System.Text.Json.JsonSerializerOptions.Web), token,
                r => r.Headers.Add("Idempotency-Key", $"{method} {path}"));
            var first = await SendAsync();
            var again = await SendAsync();
            Assert.Multiple(() =>
            {
                Assert.That(first.Code, Is.InRange(200, 201), $"{method} {path}: {first}");
                Assert.That(again.Code, Is.EqualTo(first.Code), $"{method} {path}: {again}");
                Assert.That(again.Headers.TryGetValues("Idempotency-Replayed", out var replayed) ? replayed : [], Is.EqualTo(new[] { "true" }),
                    $"{method} {path}");
                Assert.That(System.Text.Json.Nodes.JsonNode.DeepEquals(again.Json, first.Json), Is.True, $"{method} {path}: {first.Body} / {again.Body}");
                Assert.That(again.Headers.ETag, Is.EqualTo(first.Headers.ETag), $"{method} {path}");
                Assert.That(again.Headers.Location, Is.EqualTo(first.Headers.Location), $"{method} {path}");
            });
        }
    }

    [Test]
    public async Task A_key_held_by_a_running_request_answers_409_with_retry_after()
    {
        var me = (await Api.Get("/me", _world.ResearcherA)).Id;
        // Held as a request with this key holds it while it runs.
        // Unpooled: closing it must end its session, and with it the lock.
        await using var other = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Db.ConnectionString) { Pooling = false }.ConnectionString);
        await other.OpenAsync();
        await using (var hold = new NpgsqlCommand($"SELECT pg_advisory_lock(hashtextextended('idempotency:{me}:k-2', 7))", other))
            await hold.ExecuteScalarAsync();
        var busy = await EnrolAsync(NewParticipant(_world.ClusterA), "k-2");
        Assert.Multiple(() =>
        {
            Assert.That(busy.Code, Is.EqualTo(409));
            Assert.That(busy.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(1)));
        });
        var holder = other.ProcessID;
        await other.CloseAsync();
        // The server ends the session (and releases its locks) after the client has gone: on a busy machine, a while after.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await Db.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", holder) > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.That((await EnrolAsync(NewParticipant(_world.ClusterA), "k-2")).Code, Is.EqualTo(201), "free again once the holder is gone");
    }

    [Test]
    public async Task Stored_answers_are_forgotten_after_the_retention_by_their_own_job()
    {
        var me = (await Api.Get("/me", _world.ResearcherA)).Id;
        await Db.ExecuteAsync($$"""
            INSERT INTO idempotency_records (user_id, key, request_hash, result, created_at) VALUES
              ('{{me}}', 'old', '\x00', '{}', now() - interval '2 days'), ('{{me}}', 'new', '\x00', '{}', now())
            """);

        await Expect(HttpStatusCode.Accepted, Api.Post("/jobs/idempotency-cleanup/trigger", new { }, Admin));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await RecordsAsync() != 1 && DateTime.UtcNow < deadline)
            await Task.Delay(100);

        Assert.That(await Db.ScalarAsync<string>("SELECT string_agg(key, ',') FROM idempotency_records"), Is.EqualTo("new"));
    }
}
