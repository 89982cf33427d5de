using System.Net.Http.Json;
using System.Text.Json;

namespace TrialManager.Tests.Integration.Faults;

/// <summary>
/// Issue 12 (d): the service is SIGKILLed after an export's row commits but before its job is queued. Once the
/// service is back, the export sweep finds it (a client may never retry) and it is written; then the client's
/// identical keyed retry (one that got no answer does retry) answers that same export and queues a second job, which
/// writes nothing. The trial has one export, written by exactly one job run.
/// </summary>
public sealed class ExportCrashTests : FaultTest
{
    private const string Key = "fault-export";

    /// <summary>The sweep that queues exports left without a job (a recurring job; triggered here rather than waited for).</summary>
    private const string Sweep = "/api/v1/jobs/export-sweep/trigger";

    [Test]
    public async Task An_export_killed_between_its_row_and_its_job_is_swept_and_written_exactly_once()
    {
        var service = await StartServiceAsync(Database);
        var trial = await FaultTrial.CreateAsync(service.Client());

        var cutOff = RequestAsync(service.Client(), trial, pause: true);
        await service.WaitForLogAsync(FaultPointReached(ExportQueued), TimeSpan.FromSeconds(30));
        await service.KillAsync();
        Assert.That(async () => await cutOff, Throws.InstanceOf<HttpRequestException>(), "the kill cut the request off");
        var original = await Database.ScalarAsync<Guid?>("SELECT id FROM exports WHERE trial_id = $1", trial.TrialId);
        Assert.That(original, Is.Not.Null, "the export's row committed before the kill");
        var stranded = await Database.ScalarAsync<string>("SELECT status FROM exports WHERE id = $1", original!.Value);

        // Every export still queued counts as stranded, rather than only those a minute old.
        service = await StartServiceAsync(Database, new Dictionary<string, string> { ["Exports__SweepAfterSeconds"] = "0" });
        var api = service.Client();
        var sweep = await api.Post(Sweep, null, TestHost.AdminToken);
        var swept = await UntilAsync(async () => await StatusAsync(original.Value) == "succeeded", TimeSpan.FromSeconds(30));
        var retry = await RetryWhileKeyBusyAsync(() => RequestAsync(api, trial, pause: false), TimeSpan.FromSeconds(10));
        // The retry's job has run (and found the export written) once no export job waits or runs.
        var jobsDone = await UntilAsync(async () => await JobsAsync(original.Value, "Enqueued", "Scheduled", "Processing") == 0,
            TimeSpan.FromSeconds(30));

        var exports = await Database.ScalarAsync<long>("SELECT count(*) FROM exports WHERE trial_id = $1", trial.TrialId);
        var status = await StatusAsync(original.Value);
        var runs = await Database.ScalarAsync<int>("SELECT attempts FROM exports WHERE id = $1", original.Value);
        var written = await Database.ScalarAsync<long>(
            "SELECT count(*) FROM audit_events WHERE entity_id = $1 AND reason = 'export written'", original.Value);
        var jobs = await JobsAsync(original.Value);
        var retryId = retry.Json?["id"]?.GetValue<Guid>();
        var figures = new Figures("export killed before its job").Add("status at kill", stranded)
            .Add("sweep trigger", sweep.Code).Add("written after the sweep", swept)
            .Add("retry", $"{retry.Code}{(IsReplayed(retry) ? " replayed" : "")}{(retryId == original ? " original id" : " other id")}")
            .Add("exports", exports).Add("duplicate exports", exports - 1).Add("jobs queued for it", jobs)
            .Add("job runs that wrote it", runs).Add("'export written' events", written).Add("final status", status)
            .Add("start-ups s", StartUpSeconds);
        figures.Print();
        Assert.Multiple(() =>
        {
            Assert.That(stranded, Is.EqualTo("queued"), $"the export at the kill; {figures}");
            Assert.That(sweep.Code, Is.EqualTo(202), $"the sweep's trigger; {sweep}; {figures}");
            Assert.That(swept, Is.True, $"the stranded export written after the sweep; {figures}");
            Assert.That(retry.Code, Is.EqualTo(202), $"the retry; {retry}; {figures}");
            Assert.That(IsReplayed(retry), Is.True, $"the retry's answer replayed; {figures}");
            Assert.That(retryId, Is.EqualTo(original), $"the retry answers the original export; {figures}");
            Assert.That(jobsDone, Is.True, $"every export job finished; {figures}");
            Assert.That(jobs, Is.EqualTo(2), $"jobs queued for the export: the sweep's and the retry's; {figures}");
            Assert.That(exports, Is.EqualTo(1), $"exports of the trial; {figures}");
            Assert.That(status, Is.EqualTo("succeeded"), $"the original export; {figures}");
            Assert.That(runs, Is.EqualTo(1), $"job runs that claimed the export; {figures}");
            Assert.That(written, Is.EqualTo(1), $"the export written once; {figures}");
        });
    }

    /// <summary>Hangfire's jobs for the export: all of them, or those in one of the states.</summary>
    private static Task<long> JobsAsync(Guid exportId, params string[] states) => Database.ScalarAsync<long>("""
        SELECT count(*) FROM hangfire.job
        WHERE invocationdata->>'Type' LIKE 'TrialManager.Api.Features.Exports.ExportJob,%' AND arguments::text LIKE '%' || $1 || '%'
          AND (cardinality($2::text[]) = 0 OR statename = ANY($2))
        """, exportId.ToString(), states);

    private static Task<string?> StatusAsync(Guid exportId) =>
        Database.ScalarAsync<string?>("SELECT status FROM exports WHERE id = $1", exportId);

    private static Task<ApiResponse> RequestAsync(ApiClient api, FaultTrial trial, bool pause) =>
        api.Send(HttpMethod.Post, $"{trial.World.Path}/exports", JsonContent.Create(new { format = "csv" }, options: JsonSerializerOptions.Web),
            trial.World.Statistician, request =>
            {
                request.Headers.Add("Idempotency-Key", Key);
                if (pause)
                    request.Headers.Add(PauseHeader, ExportQueued);
            });
}
