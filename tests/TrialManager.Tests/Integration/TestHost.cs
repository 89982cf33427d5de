using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Respawn;
using TrialManager.Api.Features.Access;
using TrialManager.Data;

namespace TrialManager.Tests.Integration;

/// <summary>
/// One API host for the whole test run, on real Kestrel (real HTTP over a socket) and a real PostgreSQL
/// database created for this run and dropped at the end. Every test starts from an empty database
/// (see <see cref="IntegrationTest"/>).
/// </summary>
[SetUpFixture]
public sealed class TestHost
{
    public const string AdminToken = "tm_test_admin_0123456789abcdefghijklmnopqrstuvwxyz";

    private static TestDatabase? _database;
    private static ApiFactory? _factory;
    private static Respawner? _respawner;

    public static ApiFactory Factory => _factory ?? throw new InvalidOperationException("The test host has not started.");
    public static TestDatabase Database => _database ?? throw new InvalidOperationException("The test database does not exist.");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _factory = new ApiFactory(_database);
        _factory.StartServer();
        _respawner = await RespawnerAsync(_database);
    }

    /// <summary>What empties a test database between tests; made once its tables exist (after a host migrated it).</summary>
    public static async Task<Respawner> RespawnerAsync(TestDatabase database)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        return await Respawner.CreateAsync(connection, new RespawnerOptions
        {
            DbAdapter = DbAdapter.Postgres,
            SchemasToInclude = ["public"],
            // Running hosts hold the Data Protection key ring in memory: deleting it under them would leave a host
            // started later with a key ring of its own, unable to read the others' cookies.
            TablesToIgnore = ["__EFMigrationsHistory", "data_protection_keys"],
        });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_factory is not null)
            await _factory.DisposeAsync();
        if (_database is not null)
            await _database.DisposeAsync();
    }

    /// <summary>Empties every table and bootstraps the system admin again, as on a fresh installation.</summary>
    public static Task ResetAsync() => ResetAsync(Database, _respawner!, Factory);

    /// <summary>The same for another run-long host on a database of its own (the end-to-end tests').</summary>
    public static async Task ResetAsync(TestDatabase database, Respawner respawner, ApiFactory host)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(database.ConnectionString);
                await connection.OpenAsync();
                // The audit tables refuse deletes through triggers; a superuser's session may skip triggers.
                await using (var replica = new NpgsqlCommand("SET session_replication_role = replica", connection))
                    await replica.ExecuteNonQueryAsync();
                await respawner.ResetAsync(connection);
                break;
            }
            // A background job left by the test before (an export's retry) may update a row the reset deletes.
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < 5)
            {
            }
        }
        foreach (var running in ApiFactory.Running)
            running.Services.GetRequiredService<TokenCache>().Clear();
        using var scope = host.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TrialManagerDbContext>();
        using var audit = TrialManager.Api.Features.Audit.AuditScope.System(AdminBootstrap.AuditReason);
        await AdminBootstrap.EnsureAdminAsync(db, AdminToken, TimeProvider.System,
            scope.ServiceProvider.GetRequiredService<ILogger<TestHost>>(), CancellationToken.None);
    }
}

/// <summary>The API as deployed, with settings for tests: generous rate limits and the test admin token.</summary>
public sealed class ApiFactory(TestDatabase database, IReadOnlyDictionary<string, string?>? settings = null,
    Action<IServiceCollection>? services = null) : WebApplicationFactory<Program>
{
    private static readonly List<ApiFactory> Hosts = [];

    /// <summary>30 February.</summary>
    public const string NeverCron = "0 0 31 2 *";

    /// <summary>The API instances of this test run, whose caches a database reset must clear.</summary>
    public static IReadOnlyList<ApiFactory> Running
    {
        get { lock (Hosts) return Hosts.ToList(); }
    }

    public override async ValueTask DisposeAsync()
    {
        lock (Hosts)
            Hosts.Remove(this);
        await base.DisposeAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        lock (Hosts)
            Hosts.Add(this);
        this.UseKestrel(0);
        builder.UseEnvironment("Production");
        // The host runs from the build output, where the web client's precompressed assets stay in obj/ (a publish puts
        // them in wwwroot): without the build's manifest of static web assets, which only Development reads by default,
        // an asset asked for with Accept-Encoding: gzip, as every browser does, is answered with an empty body.
        builder.UseStaticWebAssets();
        builder.UseSetting("ConnectionStrings:TrialManager", database.RuntimeConnectionString);
        builder.UseSetting("ConnectionStrings:TrialManagerMigrations", database.ConnectionString);
        builder.UseSetting("Bootstrap:AdminToken", TestHost.AdminToken);
        builder.UseSetting("RateLimits:TokenBurst", "100000");
        builder.UseSetting("RateLimits:TokenPerSecond", "100000");
        builder.UseSetting("RateLimits:AnonymousBurst", "100000");
        builder.UseSetting("RateLimits:AnonymousPerSecond", "100000");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Recurring jobs run when a test triggers them, never on their own clock in the middle of another test.
        builder.UseSetting("Reminders:Cron", NeverCron);
        builder.UseSetting("Audit:CheckpointCron", NeverCron);
        builder.UseSetting("Exports:CleanupCron", NeverCron);
        builder.UseSetting("Exports:SweepCron", NeverCron);
        builder.UseSetting("Idempotency:CleanupCron", NeverCron);
        builder.UseSetting("Sessions:CleanupCron", NeverCron);
        builder.UseSetting("Exports:Path", Path.Combine(Path.GetTempPath(), $"trialmanager-test-exports-{database.Name}"));
        builder.UseSetting("Jobs:RetryDelaysSeconds:0", "1");
        builder.UseSetting("Jobs:SchedulePollSeconds", "1");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            builder.UseSetting(key, value);
        if (services is not null)
            builder.ConfigureServices(services);
    }

    /// <summary>
    /// A client that keeps no cookies, so that each request carries exactly the credentials its test gives: a web
    /// session's cookie kept from one sign-in would authenticate every later request made without a token.
    /// </summary>
    public ApiClient Client()
    {
        using var started = CreateClient();
        return new ApiClient(new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = started.BaseAddress });
    }
}
