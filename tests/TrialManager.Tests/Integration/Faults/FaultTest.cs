using FaultPoints = TrialManager.Api.Infrastructure.Faults;

namespace TrialManager.Tests.Integration.Faults;

/// <summary>
/// Base of the fault scenarios: each starts the service as processes of its own (<see cref="ServiceProcess"/>), on
/// the fault scenarios' database or a throwaway cluster's, and whatever it made (processes, clusters, export files)
/// is gone when it ends, passed or failed. A failed scenario attaches the logs of its service processes.
/// </summary>
[NonParallelizable]
public abstract class FaultTest
{
    public const string BeforeCommit = FaultPoints.BeforeCommit, AfterCommit = FaultPoints.AfterCommit, ExportQueued = FaultPoints.ExportQueued;

    /// <summary>The request header that names the fault point a request stops at.</summary>
    public const string PauseHeader = FaultPoints.Header;

    /// <summary>Start-up applies the migrations to a new database; this machine may be busy with other work.</summary>
    protected static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly List<ServiceProcess> _services = [];
    private readonly List<string> _logs = [];
    private readonly List<ThrowawayCluster> _clusters = [];
    private readonly List<IAsyncDisposable> _owned = [];
    private string _exports = null!;

    [SetUp]
    public void ExportFolder() =>
        _exports = Path.Combine(Path.GetTempPath(), $"trialmanager-fault-exports-{Guid.NewGuid():N}");

    [TearDown]
    public async Task CleanUpAsync()
    {
        foreach (var service in _services)
            await service.DisposeAsync();
        _services.Clear();
        // Last made, first gone: a database outlives whatever was using it.
        for (var i = _owned.Count - 1; i >= 0; i--)
            await _owned[i].DisposeAsync();
        _owned.Clear();
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
            foreach (var log in _logs.Where(File.Exists))
                TestContext.AddTestAttachment(log);
        _logs.Clear();
        foreach (var cluster in _clusters)
            await cluster.DisposeAsync();
        _clusters.Clear();
        if (Directory.Exists(_exports))
            Directory.Delete(_exports, recursive: true);
    }

    protected static TestDatabase Database => FaultDatabase.Database;

    /// <summary>Something the scenario made (a database, a tool process) that goes when it ends, after the service processes.</summary>
    protected T Own<T>(T thing) where T : IAsyncDisposable
    {
        _owned.Add(thing);
        return thing;
    }

    /// <summary>A log file of the scenario's, attached to its result when it fails.</summary>
    protected string LogFile(string name)
    {
        var log = Path.Combine(TestContext.CurrentContext.WorkDirectory, "fault-logs", $"{TestContext.CurrentContext.Test.MethodName}-{name}.log");
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        _logs.Add(log);
        return log;
    }

    /// <summary>A database on a throwaway cluster: it goes with the cluster.</summary>
    protected static Task<TestDatabase> NewDatabaseAsync(ThrowawayCluster cluster) => TestDatabase.CreateAsync(cluster.AdminConnectionString);

    /// <summary>A PostgreSQL cluster of the test's own; skips the test where none can be made, except on CI, where it fails.</summary>
    protected async Task<ThrowawayCluster> NewClusterAsync()
    {
        if (ThrowawayCluster.Unavailable() is { } why)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
                Assert.Fail($"CI must run this scenario, but no throwaway PostgreSQL cluster can be made: {why}.");
            Assert.Ignore($"No throwaway PostgreSQL cluster can be made here ({why}); CI runs this scenario.");
        }
        var cluster = await ThrowawayCluster.CreateAsync();
        _clusters.Add(cluster);
        return cluster;
    }

    /// <summary>Starts the service on the database, with fault points on and no recurring job on its own clock.</summary>
    protected async Task<ServiceProcess> StartServiceAsync(TestDatabase database, IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>
        {
            ["ConnectionStrings__TrialManager"] = database.RuntimeConnectionString,
            ["ConnectionStrings__TrialManagerMigrations"] = database.ConnectionString,
            ["Bootstrap__AdminToken"] = TestHost.AdminToken,
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Faults__Enabled"] = "true",
            ["Logging__LogLevel__Default"] = "Warning",
            // Says which port the OS gave it.
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            ["RateLimits__TokenBurst"] = "100000",
            ["RateLimits__TokenPerSecond"] = "100000",
            ["Reminders__Cron"] = ApiFactory.NeverCron,
            ["Audit__CheckpointCron"] = ApiFactory.NeverCron,
            ["Exports__CleanupCron"] = ApiFactory.NeverCron,
            ["Exports__SweepCron"] = ApiFactory.NeverCron,
            ["Idempotency__CleanupCron"] = ApiFactory.NeverCron,
            ["Sessions__CleanupCron"] = ApiFactory.NeverCron,
            ["Exports__Path"] = _exports,
            ["Jobs__SchedulePollSeconds"] = "1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            all[key] = value;
        var log = LogFile((_logs.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var service = await ServiceProcess.StartAsync(all, log, StartTimeout);
        // Several may be starting at once.
        lock (_services)
            _services.Add(service);
        return service;
    }

    /// <summary>How long each service process of the test took to become ready, for the figures.</summary>
    protected string StartUpSeconds => string.Join(" ", _services.Select(s => s.StartedIn.TotalSeconds.ToString("0.0")));

    protected static string FaultPointReached(string point) => $"Fault point {point} reached";

    /// <summary>Checks the condition every 50 ms until it holds (true) or the time is up (false).</summary>
    protected static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
                return false;
            await Task.Delay(50);
        }
        return true;
    }

    /// <summary>
    /// Sends a keyed request again while its key is held by a running request (409 with Retry-After), as a client does,
    /// for at most the limit: then the key counts as stuck, since no request of a killed process can still hold it.
    /// </summary>
    protected static async Task<ApiResponse> RetryWhileKeyBusyAsync(Func<Task<ApiResponse>> send, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        var response = await send();
        while (IsKeyBusy(response) && DateTime.UtcNow < until)
        {
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
            response = await send();
        }
        return response;
    }

    /// <summary>A 409 that says the key is held by a running request (rather than a refusal of the request itself).</summary>
    protected static bool IsKeyBusy(ApiResponse response) => response.Code == 409 && response.Headers.RetryAfter is not null;

    protected static bool IsReplayed(ApiResponse response) =>
        response.Headers.TryGetValues("Idempotency-Replayed", out var values) && values.Contains("true");

    protected static Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout) => UntilAsync(() => Task.FromResult(condition()), timeout);
}
