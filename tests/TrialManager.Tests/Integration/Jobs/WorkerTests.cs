using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TrialManager.Tests.Integration.Jobs;

/// <summary>
/// Several workers share one database: each queued job runs once, each occurrence of a recurring job runs once, and a
/// job that outlives the invisibility timeout is not fetched again by another worker while its own is alive.
/// </summary>
[NonParallelizable]
public sealed class WorkerTests : IntegrationTest
{
    private static readonly Dictionary<string, string?> ProbeWorker = new()
    {
        ["Hosting:Mode"] = "worker",
        ["Jobs:Queues:0"] = ProbeJob.Queue,
        ["Jobs:InvisibilityTimeoutSeconds"] = "2",
        ["Jobs:WorkerCount"] = "2",
    };

    private ApiFactory _first = null!;
    private ApiFactory _second = null!;

    [OneTimeSetUp]
    public void StartWorkers()
    {
        _first = new ApiFactory(TestHost.Database, ProbeWorker);
        _second = new ApiFactory(TestHost.Database, ProbeWorker);
        _first.StartServer();
        _second.StartServer();
    }

    [OneTimeTearDown]
    public async Task StopWorkersAsync()
    {
        TestHost.Factory.Services.GetRequiredService<IRecurringJobManager>().RemoveIfExists("probe-recurring");
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Test]
    public async Task A_queued_job_that_outlives_the_invisibility_timeout_runs_once()
    {
        var client = _first.Services.GetRequiredService<IBackgroundJobClient>();
        var probe = Guid.NewGuid().ToString();
        client.Create<ProbeJob>(job => job.RunAsync(probe, 8_000, null, CancellationToken.None), new EnqueuedState(ProbeJob.Queue));

        // Four times the 2 s timeout, and a while after: a second fetch would have started long before the end.
        await WaitUntilAsync(() => ProbeJob.RunsOf(probe).Count > 0, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(12));
        Assert.That(ProbeJob.RunsOf(probe), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Each_occurrence_of_a_recurring_job_runs_once_across_workers()
    {
        var probe = Guid.NewGuid().ToString();
        var jobs = _first.Services.GetRequiredService<IRecurringJobManager>();
        jobs.AddOrUpdate<ProbeJob>("probe-recurring", ProbeJob.Queue, job => job.RunAsync(probe, 10, null, CancellationToken.None),
            "* * * * * *");
        await WaitUntilAsync(() => ProbeJob.RunsOf(probe).Count >= 4, TimeSpan.FromSeconds(40));
        jobs.RemoveIfExists("probe-recurring");
        await Task.Delay(TimeSpan.FromSeconds(2));

        var runs = ProbeJob.RunsOf(probe);
        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => r.Occurrence), Is.All.Not.Null);
            Assert.That(runs.Select(r => r.Occurrence), Is.Unique, "one job per occurrence, though three schedulers plan them");
            Assert.That(runs.Select(r => r.JobId), Is.Unique, "each job runs once");
        });
    }

    [Test]
    public async Task A_worker_serves_no_api_and_an_api_host_runs_no_jobs()
    {
        var worker = _first.Client();
        Assert.That((await worker.Get("/health/live")).Code, Is.EqualTo(200));
        Assert.That((await worker.Get("/trials", Admin)).Code, Is.EqualTo(404));
        Assert.That((await worker.Get("/hangfire", Admin)).Code, Is.EqualTo(404));

        await using var api = new ApiFactory(TestHost.Database, new Dictionary<string, string?> { ["Hosting:Mode"] = "api" });
        api.StartServer();
        Assert.That((await api.Client().Get("/trials", Admin)).Code, Is.EqualTo(200));
        Assert.That(api.Services.GetServices<IHostedService>().Select(s => s.GetType().Name), Has.None.Contains("BackgroundJobServer"));
        Assert.That(_first.Services.GetServices<IHostedService>().Select(s => s.GetType().Name), Has.Some.Contains("BackgroundJobServer"));
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > until)
                Assert.Fail($"Not reached within {timeout}.");
            await Task.Delay(200);
        }
    }
}
