using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TrialManager.Api.Features.Audit;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Audit;

/// <summary>Every write leaves its events, with old and new values, actor, role, request id and reason.</summary>
public sealed class AuditTrailTests : IntegrationTest
{
    private async Task<List<JsonNode>> EventsAsync(TrialWorld world, string filter = "", string? token = null)
    {
        var events = new List<JsonNode>();
        string? cursor = null;
        do
        {
            var page = await Expect(HttpStatusCode.OK, Api.Get(
                $"{world.Path}/audit?order=oldest&limit=100{filter}{(cursor is null ? "" : $"&cursor={cursor}")}", token ?? world.Monitor));
            events.AddRange(page["items"].AsArray().Select(e => e!));
            cursor = page.Json!["nextCursor"]?.GetValue<string>();
        } while (cursor is not null);
        return events;
    }

    private static JsonNode Change(JsonNode e, string field) =>
        e["changes"]!.AsArray().Single(c => c!["field"]!.GetValue<string>() == field)!;

    private static string? Text(JsonNode? node) => node?.ToJsonString().Trim('"');

    [Test]
    public async Task Creating_a_trial_records_the_trial_and_its_arms_with_their_values()
    {
        var world = await NewTrialAsync();
        var events = await EventsAsync(world, "&action=insert");
        var trial = events.Single(e => e["entityType"]!.GetValue<string>() == "trial");
        Assert.Multiple(() =>
        {
            Assert.That(Text(Change(trial, "code")["new"]), Is.EqualTo("REFOCUS"));
            Assert.That(Change(trial, "code")["old"], Is.Null);
            Assert.That(Text(Change(trial, "status")["new"]), Is.EqualTo("setup"));
            Assert.That(trial["actor"]!["role"]!.GetValue<string>(), Is.EqualTo("system-admin"));
            Assert.That(events.Count(e => e["entityType"]!.GetValue<string>() == "trial-arm"), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task An_update_records_only_the_changed_fields_with_old_and_new_values_actor_role_request_id_and_reason()
    {
        var world = await NewTrialAsync();
        var manager = (await Api.Get("/me", world.Manager)).Id;
        var response = await Api.Send(HttpMethod.Patch, world.Path, System.Net.Http.Json.JsonContent.Create(new { title = "REFOCUS 2", reason = "typo" }),
            world.Manager, r => r.Headers.Add("X-Request-Id", "req-audit-1"));
        Assert.That(response.Code, Is.EqualTo(200));
        var update = (await EventsAsync(world, $"&entityId={world.TrialId}&action=update")).Single();
        Assert.Multiple(() =>
        {
            Assert.That(update["changes"]!.AsArray().Select(c => c!["field"]!.GetValue<string>()), Is.EqualTo(new[] { "title" }));
            Assert.That(Text(Change(update, "title")["old"]), Is.EqualTo("REFOCUS trial"));
            Assert.That(Text(Change(update, "title")["new"]), Is.EqualTo("REFOCUS 2"));
            Assert.That(update["actor"]!["userId"]!.GetValue<Guid>(), Is.EqualTo(manager));
            Assert.That(update["actor"]!["role"]!.GetValue<string>(), Is.EqualTo("trial-manager"));
            Assert.That(update["requestId"]!.GetValue<string>(), Is.EqualTo("req-audit-1"));
            Assert.That(update["reason"]!.GetValue<string>(), Is.EqualTo("typo"));
        });
    }

    [Test]
    public async Task A_status_change_records_old_and_new_status_the_reason_and_the_history_row()
    {
        var world = await NewTrialAsync();
        await Expect(HttpStatusCode.OK, Api.Patch($"{world.Path}/participants/{world.ParticipantA}",
            new { status = "withdrawn-follow-up", reason = "moved out of area" }, world.ResearcherA));
        var update = (await EventsAsync(world, $"&entityId={world.ParticipantA}&action=update")).Single();
        Assert.Multiple(() =>
        {
            Assert.That(Text(Change(update, "status")["old"]), Is.EqualTo("active"));
            Assert.That(Text(Change(update, "status")["new"]), Is.EqualTo("withdrawn-follow-up"));
            Assert.That(update["reason"]!.GetValue<string>(), Is.EqualTo("moved out of area"));
            Assert.That(update["actor"]!["role"]!.GetValue<string>(), Is.EqualTo("researcher"));
        });
        var history = await EventsAsync(world, "&entityType=participant-status-change");
        Assert.That(history, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Covariates_are_recorded_as_json_and_grants_and_revocations_of_roles_too()
    {
        var world = await NewTrialAsync();
        await Expect(HttpStatusCode.OK, Api.Patch($"{world.Path}/clusters/{world.ClusterA}", new { covariates = new { caseload = 300 } }, world.Manager));
        var cluster = (await EventsAsync(world, $"&entityId={world.ClusterA}&action=update")).Single();
        Assert.That(Change(cluster, "covariates")["old"]!["teamType"]!.GetValue<string>(), Is.EqualTo("support"));
        Assert.That(Change(cluster, "covariates")["new"]!["caseload"]!.GetValue<double>(), Is.EqualTo(300));

        var (userId, _) = await world.MemberAsync("monitor");
        await Expect(HttpStatusCode.NoContent, Api.Delete($"{world.Path}/members/{userId}?reason=left+the+team", Admin));
        var memberships = await EventsAsync(world, "&entityType=trial-membership");
        var removal = memberships.Single(e => e["action"]!.GetValue<string>() == "delete");
        Assert.Multiple(() =>
        {
            Assert.That(Text(Change(removal, "role")["old"]), Is.EqualTo("monitor"));
            Assert.That(removal["reason"]!.GetValue<string>(), Is.EqualTo("left the team"));
        });
    }

    [Test]
    public async Task Users_and_tokens_are_audited_in_the_system_chain_without_the_token_secret()
    {
        var (userId, token) = await NewUserAsync(Api, "user");
        var tokenId = (await Api.Get($"/users/{userId}/tokens", Admin))["items"].AsArray().Single()!["id"]!.GetValue<Guid>();
        await Expect(HttpStatusCode.NoContent, Api.Delete($"/tokens/{tokenId}?reason=lost+laptop", Admin));
        var rows = await Db.ScalarAsync<long>("SELECT count(*) FROM audit_events WHERE chain_id = $1 AND entity_id = ANY($2)",
            Guid.Empty, new[] { userId, tokenId });
        var revoked = await Db.ScalarAsync<string>("SELECT reason FROM audit_events WHERE entity_id = $1 AND action = 'update'", tokenId);
        var leaked = await Db.ScalarAsync<long>("SELECT count(*) FROM audit_events WHERE changes::text LIKE '%' || $1 || '%'", token[3..20]);
        var hashed = await Db.ScalarAsync<string>("SELECT changes::text FROM audit_events WHERE entity_id = $1 AND action = 'insert'", tokenId);
        var system = await Expect(HttpStatusCode.OK, Api.Get($"/audit/system?entityId={tokenId}", Admin));
        var verdict = await Expect(HttpStatusCode.OK, Api.Get("/audit/system/verify", Admin));
        Assert.Multiple(() =>
        {
            Assert.That(system["items"].AsArray(), Has.Count.EqualTo(2));
            Assert.That(verdict["valid"].GetValue<bool>(), Is.True);
            Assert.That(rows, Is.EqualTo(3), "user created, token created, token revoked");
            Assert.That(revoked, Is.EqualTo("lost laptop"));
            Assert.That(leaked, Is.Zero);
            Assert.That(hashed, Does.Contain("[secret]"));
        });
    }

    [Test]
    public async Task A_failed_request_writes_no_event()
    {
        var world = await NewTrialAsync();
        var before = await Db.ScalarAsync<long>("SELECT count(*) FROM audit_events");
        var refused = await Api.Post($"{world.Path}/participants", new { externalId = "", clusterId = world.ClusterA, kind = "patient" }, world.ResearcherA);
        var duplicate = await Api.Post($"{world.Path}/sites", new { code = "SLAM", name = "again" }, world.Manager);
        Assert.That(new[] { refused.Code, duplicate.Code }, Is.EqualTo(new[] { 422, 409 }));
        Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM audit_events"), Is.EqualTo(before));
    }

    [Test]
    public async Task The_trail_is_filtered_and_paged_newest_or_oldest_first()
    {
        var world = await NewTrialAsync();
        var all = await EventsAsync(world);
        var newest = await Expect(HttpStatusCode.OK, Api.Get($"{world.Path}/audit?limit=3", world.Monitor));
        var next = await Expect(HttpStatusCode.OK, Api.Get($"{world.Path}/audit?limit=3&cursor={newest["nextCursor"]}", world.Monitor));
        var ids = newest["items"].AsArray().Concat(next["items"].AsArray()).Select(e => e!["id"]!.GetValue<Guid>()).ToList();
        Assert.That(ids, Is.EqualTo(all.Select(e => e["id"]!.GetValue<Guid>()).Reverse().Take(6)));
        var researcherA = (await Api.Get("/me", world.ResearcherA)).Id;
        var byActor = await EventsAsync(world, $"&actor={researcherA}");
        Assert.That(byActor.Select(e => e["entityType"]!.GetValue<string>()), Is.EqualTo(new[] { "participant" }));
        var later = await EventsAsync(world, $"&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}");
        Assert.That(later, Is.Empty);
    }

    [Test]
    public async Task The_trail_exports_as_csv_and_json_lines()
    {
        var world = await NewTrialAsync();
        var count = (await EventsAsync(world)).Count;
        var csv = await Api.Get($"{world.Path}/audit/export", world.Monitor);
        var lines = await Api.Get($"{world.Path}/audit/export?format=jsonl", world.Monitor);
        Assert.Multiple(() =>
        {
            Assert.That(csv.ContentType, Is.EqualTo("text/csv"));
            Assert.That(csv.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(count + 1), "a header and a row per event");
            Assert.That(lines.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["id"]), Has.Exactly(count).Not.Null);
        });
    }

    [Test]
    public async Task A_read_of_unblinded_data_is_recorded_as_an_access_event_in_the_chain()
    {
        var world = await NewTrialAsync();
        var manager = (await Api.Get("/me", world.Manager)).Id;
        using (var scope = TestHost.Factory.Services.CreateScope())
        {
            var http = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Http.IHttpContextAccessor>();
            http.HttpContext = new Microsoft.AspNetCore.Http.DefaultHttpContext
            {
                User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
                    [new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.NameIdentifier, manager.ToString())], "test")),
                TraceIdentifier = "req-access-1",
            };
            await scope.ServiceProvider.GetRequiredService<AccessAudit>()
                .RecordAsync(world.TrialId, "allocation", null, "allocation list", CancellationToken.None);
        }
        var access = (await EventsAsync(world, "&action=access")).Single();
        Assert.Multiple(() =>
        {
            Assert.That(access["actor"]!["userId"]!.GetValue<Guid>(), Is.EqualTo(manager));
            Assert.That(access["requestId"]!.GetValue<string>(), Is.EqualTo("req-access-1"));
            Assert.That(Text(Change(access, "viewed")["new"]), Is.EqualTo("allocation list"));
        });
        var verdict = await Api.Get($"{world.Path}/audit/verify", world.Monitor);
        Assert.That(verdict["valid"].GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task Researchers_and_statisticians_cannot_read_the_trail()
    {
        var world = await NewTrialAsync();
        foreach (var token in new[] { world.ResearcherA, world.Statistician, world.UnblindedStatistician })
            Assert.That((await Api.Get($"{world.Path}/audit", token)).Code, Is.EqualTo(403));
    }

    [Test]
    public async Task The_runtime_role_cannot_update_delete_or_truncate_the_trail()
    {
        await NewTrialAsync();
        foreach (var sql in new[] { "UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events", "TRUNCATE audit_events",
                     "UPDATE audit_checkpoints SET event_count = 0", "DELETE FROM audit_checkpoints" })
        {
            await using var connection = new NpgsqlConnection(Db.RuntimeConnectionString);
            await connection.OpenAsync();
            var refused = Assert.ThrowsAsync<PostgresException>(async () => await new NpgsqlCommand(sql, connection).ExecuteNonQueryAsync())!;
            Assert.That(refused.SqlState, Is.EqualTo(PostgresErrorCodes.InsufficientPrivilege), sql);
        }
        await using var reader = new NpgsqlConnection(Db.RuntimeConnectionString);
        await reader.OpenAsync();
        Assert.That(await new NpgsqlCommand("SELECT count(*) FROM audit_events", reader).ExecuteScalarAsync(), Is.GreaterThan(0L));
    }

    [Test]
    public async Task Even_a_superuser_is_stopped_by_the_append_only_triggers()
    {
        await NewTrialAsync();
        foreach (var sql in new[] { "UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events", "TRUNCATE audit_events" })
        {
            var refused = Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(sql))!;
            Assert.That(refused.MessageText, Does.Contain("append-only"), sql);
        }
    }
}
