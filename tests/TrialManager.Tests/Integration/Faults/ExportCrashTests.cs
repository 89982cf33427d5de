using System.Net.Http.Json;
using System.Text.Json;

namespace TrialManager.Tests.Integration.Faults;

/// <summary>
/// Issue 12 (d): the service is SIGKILLed after an export's row commits but before its job is queued. Once the
/// service is back, the identical keyed request is retried (a client that got no answer does) and the export sweep is
/// triggered: the one export the trial has completes, and its job ran exactly once.
/// </summary>
public sealed class ExportCrashTests : FaultTest
{
    private const string Key = "fault-export";

    /// <summary>The sweep that re-queues exports left without a job (a recurring job; triggered here rather than waited for).</summary>
    private const string Sweep = "/api/v1/jobs/export-sweep/trigger";

    [Test]
    public async Task An_export_killed_between_its_row_and_its_job_completes_exactly_once()
    {
        var service = await StartServiceAsync(Database);
        var trial = await FaultTrial.CreateAsync(service.Client());

        var cutOff = RequestAsync(service.Client(), trial, pause: true);
        await service.WaitForLogAsync(FaultPointReached(ExportQueued), TimeSpan.FromSeconds(30));
        await service.KillAsync();
        Assert.That(async () => await cutOff, Throws.InstanceOf<HttpRequestException>(), "the kill cut the request off");
        var original = await Database.ScalarAsync<Guid?>("SELECT id FROM exports WHERE trial_id = $1", trial.TrialId);
        Assert.That(original, Is.Not.Null, "the export's row committed before the kill");

        service = await StartServiceAsync(Database);
        var api = service.Client();
        var retry = await RetryWhileKeyBusyAsync(() => RequestAsync(api, trial, pause: false), TimeSpan.FromSeconds(10));
        var sweep = await api.Post(Sweep, null, TestHost.AdminToken);
        var settled = await UntilAsync(async () => await Database.ScalarAsync<long>(
            "SELECT count(*) FROM exports WHERE trial_id = $1 AND status NOT IN ('succeeded', 'failed')", trial.TrialId) == 0,
            TimeSpan.FromSeconds(30));

        var exports = await Database.ScalarAsync<long>("SELECT count(*) FROM exports WHERE trial_id = $1", trial.TrialId);
        var status = await Database.ScalarAsync<string>("SELECT status FROM exports WHERE id = $1", original!.Value);
        var runs = await Database.ScalarAsync<int>("SELECT attempts FROM exports WHERE id = $1", original.Value);
        var written = await Database.ScalarAsync<long>(
            "SELECT count(*) FROM audit_events WHERE entity_id = $1 AND reason = 'export written'", original.Value);
        var retryId = retry.Json?["id"]?.GetValue<Guid>();
        var figures = new Figures("export killed before its job").Add("exports", exports).Add("duplicate exports", exports - 1)
            .Add("original status", status).Add("original job runs", runs).Add("'export written' events", written)
            .Add("retry", $"{retry.Code}{(IsReplayed(retry) ? " replayed" : "")}{(retryId == original ? " original id" : " other id")}")
            .Add("sweep trigger", sweep.Code).Add("all settled within 30 s", settled).Add("start-ups s", StartUpSeconds);
        figures.Print();
        Assert.Multiple(() =>
        {
            Assert.That(exports, Is.EqualTo(1), $"exports of the trial; {figures}");
            Assert.That(retry.Code, Is.EqualTo(202), $"the retry; {retry}; {figures}");
            Assert.That(retryId, Is.EqualTo(original), $"the retry answers the original export; {figures}");
            Assert.That(status, Is.EqualTo("succeeded"), $"the original export; {figures}");
            Assert.That(runs, Is.EqualTo(1), $"runs of the original export's job; {figures}");
            Assert.That(written, Is.EqualTo(1), $"the original export written once; {figures}");
        });
    }

    private static Task<ApiResponse> RequestAsync(ApiClient api, FaultTrial trial, bool pause) =>
        api.Send(HttpMethod.Post, $"{trial.World.Path}/exports", JsonContent.Create(new { format = "csv" }, options: JsonSerializerOptions.Web),
            trial.World.Statistician, request =>
            {
                request.Headers.Add("Idempotency-Key", Key);
                if (pause)
                    request.Headers.Add("X-Fault-Pause", ExportQueued);
            });
}
