using System.Net.Http.Json;
using System.Text.Json;

namespace TrialManager.Tests.Integration.Faults;

/// <summary>
/// Issue 12 (c): enrolments carrying an Idempotency-Key are cut off by SIGKILL, one before its transaction commits and
/// one after (before its answer is written), and retried identically once the service is back. The key's record
/// commits with the enrolment, so the retry of the one killed before commit runs cleanly (nothing was stored), and
/// the retry of the one killed after commit gets the original answer (replayed). The key is never stuck (a 409 that
/// outlasts the dead request) and the participant is never enrolled twice (which the unique external id turns into
/// a 409 duplicate for the retry).
/// </summary>
public sealed class IdempotentRetryTests : FaultTest
{
    /// <summary>Long enough for PostgreSQL to end the killed process's sessions, and so its hold on any key.</summary>
    private static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(10);

    /// <param name="Expected">what its retry must be: `clean` or `original` (see <see cref="Outcome"/>)</param>
    private sealed record Killed(string Point, string Key, string ExternalId, string Expected);

    [Test]
    public async Task A_keyed_request_killed_before_commit_runs_cleanly_when_retried_and_one_killed_after_commit_gets_its_original_answer()
    {
        var service = await StartServiceAsync(Database);
        var trial = await FaultTrial.CreateAsync(service.Client());
        Killed[] killed =
        [
            new(BeforeCommit, "fault-key-before", "K-BEFORE", "clean"),
            new(AfterCommit, "fault-key-after", "K-AFTER", "original"),
        ];

        var api = service.Client();
        var cutOff = killed.Select(k => SendAsync(api, trial, k, pause: true)).ToList();
        foreach (var k in killed)
            await service.WaitForLogAsync(FaultPointReached(k.Point), TimeSpan.FromSeconds(30));
        await service.KillAsync();
        foreach (var request in cutOff)
            Assert.That(async () => await request, Throws.InstanceOf<HttpRequestException>(), "the kill cut the request off");
        var storedAtKill = new Dictionary<string, long>();
        foreach (var k in killed)
            storedAtKill[k.Point] = await StoredAsync(trial, k.ExternalId);

        service = await StartServiceAsync(Database);
        api = service.Client();
        var outcomes = new List<Outcome>();
        foreach (var k in killed)
            outcomes.Add(await RetryAsync(api, trial, k));

        var figures = new Figures("keyed retries after SIGKILL").Add("keys killed", killed.Length)
            .Add("original answers", outcomes.Count(o => o.Kind == "original")).Add("clean executions", outcomes.Count(o => o.Kind == "clean"))
            .Add("stuck keys", outcomes.Count(o => o.Kind == "stuck")).Add("duplicates", outcomes.Count(o => o.Kind == "duplicate"))
            .Add("other", outcomes.Count(o => o.Kind == "other"))
            .Add("per point", string.Join("; ", killed.Zip(outcomes, (k, o) => $"{k.Point}: stored at kill {storedAtKill[k.Point]}, {o}")));
        figures.Print();
        Assert.Multiple(() =>
        {
            foreach (var (k, o) in killed.Zip(outcomes))
            {
                Assert.That(o.Kind, Is.EqualTo(k.Expected), $"{k.Point}: {o}; {figures}");
                Assert.That(storedAtKill[k.Point], Is.EqualTo(k.Point == AfterCommit ? 1 : 0), $"{k.Point}: stored when killed; {figures}");
                Assert.That(o.Stored, Is.EqualTo(1), $"{k.Point}: participants with its external id; {figures}");
                Assert.That(o.Inserts, Is.EqualTo(1), $"{k.Point}: audited inserts of the participant; {figures}");
                Assert.That(o.Again, Is.EqualTo("201 replayed, same id"), $"{k.Point}: a second retry; {figures}");
            }
        });
    }

    /// <param name="Kind">`original` (replayed, the stored participant), `clean` (ran, the only participant), `stuck` (409 with
    /// Retry-After for longer than a dead request can hold a key), `duplicate` (enrolled again, or refused as a duplicate), `other`</param>
    /// <param name="Answer">the retry's answer</param>
    /// <param name="Stored">participants with the external id afterwards</param>
    /// <param name="Inserts">audit events of their insert</param>
    /// <param name="Again">a further identical retry: its status, whether replayed, and whether it names the same participant</param>
    private sealed record Outcome(string Kind, string Answer, long Stored, long Inserts, string Again)
    {
        public override string ToString() => $"{Kind} ({Answer}), stored {Stored}, audited inserts {Inserts}, again: {Again}";
    }

    private static async Task<Outcome> RetryAsync(ApiClient api, FaultTrial trial, Killed k)
    {
        var retry = await RetryWhileKeyBusyAsync(() => SendAsync(api, trial, k, pause: false), StuckAfter);
        var stored = await StoredAsync(trial, k.ExternalId);
        var storedId = await Database.ScalarAsync<Guid?>("SELECT id FROM participants WHERE trial_id = $1 AND external_id = $2",
            trial.TrialId, k.ExternalId);
        var inserts = await Database.ScalarAsync<long>("""
            SELECT count(*) FROM audit_events a JOIN participants p ON a.entity_id = p.id
            WHERE p.trial_id = $1 AND p.external_id = $2 AND a.action = 'insert'
            """, trial.TrialId, k.ExternalId);
        var replayed = IsReplayed(retry);
        var kind = IsKeyBusy(retry) ? "stuck"
            : stored > 1 || retry.Code == 409 || (retry.Code == 201 && retry.Id != storedId) ? "duplicate"
            : retry.Code == 201 && replayed ? "original"
            : retry.Code == 201 ? "clean"
            : "other";
        var again = await SendAsync(api, trial, k, pause: false);
        return new Outcome(kind, $"{retry.Code}{(replayed ? " replayed" : "")}", stored, inserts,
            $"{again.Code}{(IsReplayed(again) ? " replayed" : "")}{(again.Code == 201 && again.Id == storedId ? ", same id" : "")}");
    }

    private static Task<ApiResponse> SendAsync(ApiClient api, FaultTrial trial, Killed k, bool pause) =>
        api.Send(HttpMethod.Post, $"{trial.World.Path}/participants",
            JsonContent.Create(FaultTrial.Participant(k.ExternalId, trial.World.ClusterA), options: JsonSerializerOptions.Web),
            trial.World.ResearcherA, request =>
            {
                request.Headers.Add("Idempotency-Key", k.Key);
                if (pause)
                    request.Headers.Add(PauseHeader, k.Point);
            });

    private static Task<long> StoredAsync(FaultTrial trial, string externalId) =>
        Database.ScalarAsync<long>("SELECT count(*) FROM participants WHERE trial_id = $1 AND external_id = $2", trial.TrialId, externalId);
}
