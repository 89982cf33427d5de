using System.Net;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using TrialManager.Api.Features.Exports;
using static TrialManager.Tests.Integration.TrialWorld;

namespace TrialManager.Tests.Integration.Exports;

/// <summary>
/// An export's row commits before its job is queued: one stranded in between is queued by the sweep, a second job for
/// the same export writes nothing, and a keyed retry of the request answers the same export instead of a second one.
/// </summary>
public sealed class ExportHandOffTests : IntegrationTest
{
    private ExportWorld _x = null!;

    [SetUp]
    public async Task TrialAsync() => _x = await ExportWorld.CreateAsync(Api, await NewTrialAsync());

    /// <summary>An export as a process that died after its row committed leaves it: queued, never attempted, no job.</summary>
    private async Task<Guid> StrandedExportAsync(TimeSpan age)
    {
        var id = Guid.CreateVersion7();
        var requester = (await Api.Get("/me", _x.World.Statistician)).Id;
        await Db.ScalarAsync<int>("""
            INSERT INTO exports (id, trial_id, requested_by, requester_role, format, blinded, status, progress, requested_at, attempts)
            VALUES ($1, $2, $3, 'statistician', 'csv', true, 'queued', 0, now() - $4, 0) RETURNING 1
            """, id, _x.World.TrialId, requester, age);
        return id;
    }

    private Task<ApiResponse> TriggerSweepAsync() => Expect(HttpStatusCode.Accepted, Api.Post("/jobs/export-sweep/trigger", null, Admin));

    [Test]
    public async Task A_stranded_export_is_queued_by_the_sweep_and_written_once()
    {
        var stranded = await StrandedExportAsync(TimeSpan.FromMinutes(2));
        var recent = await StrandedExportAsync(TimeSpan.Zero);
        await TriggerSweepAsync();
        var done = await ExportWorld.WaitAsync(Api, stranded, _x.World.Statistician);
        Assert.Multiple(async () =>
        {
            Assert.That(done["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
            Assert.That(await Db.ScalarAsync<int>("SELECT attempts FROM exports WHERE id = $1", stranded), Is.EqualTo(1));
            Assert.That(await Db.ScalarAsync<string>("SELECT status FROM exports WHERE id = $1", recent), Is.EqualTo("queued"),
                "an export requested a moment ago may still have its job on the way");
        });
    }

    [Test]
    public async Task A_second_job_for_an_export_writes_nothing()
    {
        var id = await StrandedExportAsync(TimeSpan.Zero);
        using var scope = TestHost.Factory.Services.CreateScope();
        var jobs = scope.ServiceProvider.GetRequiredService<IBackgroundJobClient>();
        for (var i = 0; i < 3; i++)
            jobs.Enqueue<ExportJob>(job => job.RunAsync(id, null, CancellationToken.None));
        var done = await ExportWorld.WaitAsync(Api, id, _x.World.Statistician);
        for (var i = 0; i < 100 && await Db.ScalarAsync<long>(
                 "SELECT count(*) FROM hangfire.job WHERE statename IN ('Enqueued', 'Processing')") > 0; i++)
            await Task.Delay(100);
        Assert.That(done["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
        Assert.That(await Db.ScalarAsync<int>("SELECT attempts FROM exports WHERE id = $1", id), Is.EqualTo(1), "one job wrote it");
    }

    [Test]
    public async Task A_keyed_retry_of_an_export_request_answers_the_same_export()
    {
        async Task<ApiResponse> RequestAsync() => await Api.Send(HttpMethod.Post, $"{_x.World.Path}/exports",
            System.Net.Http.Json.JsonContent.Create(new { format = "csv" }), _x.World.Statistician, r => r.Headers.Add("Idempotency-Key", "export-1"));
        var first = await RequestAsync();
        var retry = await RequestAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(first.Code, Is.EqualTo(202));
            Assert.That(retry.Code, Is.EqualTo(202));
            Assert.That(retry.Id, Is.EqualTo(first.Id));
            Assert.That(retry.Headers.GetValues("Idempotency-Replayed"), Is.EqualTo(new[] { "true" }));
            Assert.That(await Db.ScalarAsync<long>("SELECT count(*) FROM exports"), Is.EqualTo(1));
        });
        Assert.That((await ExportWorld.WaitAsync(Api, first.Id, _x.World.Statistician))["status"]!.GetValue<string>(), Is.EqualTo("succeeded"));
    }
}
