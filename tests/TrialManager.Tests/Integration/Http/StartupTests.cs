using Microsoft.EntityFrameworkCore;
using Npgsql;
using TrialManager.Data;
using TrialManager.Tests.Integration.Faults;

namespace TrialManager.Tests.Integration.Http;

/// <summary>
/// Start-up on its own databases: settings checked before anything is touched, the migrate-only mode a deployment runs
/// once, and replicas that start before it and become ready when it has run, without a restart.
/// </summary>
public sealed class StartupTests
{
    /// <summary>A busy machine (2 cores shared with other runs) may take its time to migrate a database.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private static readonly int Migrations = MigrationCount();

    /// <summary>The database that hosts refusing their settings must leave untouched, one for all those cases.</summary>
    private TestDatabase? _untouched;

    [OneTimeTearDown]
    public async Task DropUntouchedAsync()
    {
        if (_untouched is not null)
            await _untouched.DisposeAsync();
    }

    private static int MigrationCount()
    {
        using var db = new TrialManagerDbContext(new DbContextOptionsBuilder<TrialManagerDbContext>()
            .UseTrialManagerDatabase("Host=unused").Options);
        return db.Database.GetMigrations().Count();
    }

    private static Dictionary<string, string> MigrateSettings(TestDatabase database) => new()
    {
        ["Hosting__Mode"] = "migrate",
        ["ConnectionStrings__TrialManager"] = database.RuntimeConnectionString,
        ["ConnectionStrings__TrialManagerMigrations"] = database.ConnectionString,
    };

    private static Task<long> TablesNamedAsync(TestDatabase database, string table) =>
        database.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE tablename = $1", table);

    [Test]
    public async Task Without_migrations_at_start_up_an_empty_database_is_live_but_not_ready()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var factory = new ApiFactory(database,
            new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "false" });
        factory.StartServer();
        var api = factory.Client();
        var live = await api.Get("/health/live");
        var ready = await api.Get("/health/ready");
        Assert.Multiple(() =>
        {
            Assert.That(live.Code, Is.EqualTo(200));
            Assert.That(ready.Code, Is.EqualTo(503));
            Assert.That(ready["checks"]["database"]!["description"]!.GetValue<string>(), Does.Contain("not applied"));
        });
        Assert.That(await TablesNamedAsync(database, "trials"), Is.Zero);
    }

    [Test]
    public async Task The_migrate_mode_applies_every_migration_and_Hangfires_schema_then_exits_0_without_serving()
    {
        await using var database = await TestDatabase.CreateAsync();

        var run = await ServiceRun.RunAsync(MigrateSettings(database), Patience);

        Assert.That(run.ExitCode, Is.Zero, run.Output);
        Assert.Multiple(async () =>
        {
            Assert.That(run.Output, Does.Contain("the database's migrations and Hangfire's schema are applied").And.Not.Contain("Now listening"));
            Assert.That(await database.ScalarAsync<long>("SELECT count(*) FROM \"__EFMigrationsHistory\""), Is.EqualTo(Migrations));
            Assert.That(await TablesNamedAsync(database, "trials"), Is.EqualTo(1));
            Assert.That(await database.ScalarAsync<long>("SELECT count(*) FROM hangfire.schema"), Is.EqualTo(1));
            Assert.That(await database.ScalarAsync<bool>(
                $"SELECT has_table_privilege('{TestDatabase.RuntimeRole}', 'trials', 'INSERT')"), Is.True, "the runtime role's grants");
            Assert.That(await database.ScalarAsync<bool>(
                $"SELECT has_table_privilege('{TestDatabase.RuntimeRole}', 'audit_events', 'UPDATE')"), Is.False, "the audit trail stays append-only");
        });

        var again = await ServiceRun.RunAsync(MigrateSettings(database), Patience);
        Assert.That(again.ExitCode, Is.Zero, "a second run finds nothing to do: " + again.Output);
    }

    [Test]
    public async Task The_migrate_mode_exits_non_zero_with_a_clear_line_when_the_database_cannot_be_migrated()
    {
        await using var database = await TestDatabase.CreateAsync();
        var settings = MigrateSettings(database);
        settings["ConnectionStrings__TrialManagerMigrations"] = database.ConnectionString + ";Password=wrong";

        var run = await ServiceRun.RunAsync(settings, Patience);

        Assert.That(run.ExitCode, Is.EqualTo(1), run.Output);
        Assert.That(run.Output, Does.Contain("Hosting:Mode=migrate failed, the database is not migrated"));
        Assert.That(await TablesNamedAsync(database, "trials"), Is.Zero);
    }

    [Test]
    public async Task A_replica_waiting_for_its_migrations_becomes_ready_with_its_admin_once_the_migrate_mode_has_run()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var replica = new ApiFactory(database, new Dictionary<string, string?> { ["Database:MigrateOnStartup"] = "false" });
        replica.StartServer();
        var api = replica.Client();
        Assert.Multiple(async () =>
        {
            Assert.That((await api.Get("/health/live")).Code, Is.EqualTo(200));
            Assert.That((await api.Get("/health/ready")).Code, Is.EqualTo(503));
        });

        var run = await ServiceRun.RunAsync(MigrateSettings(database), Patience);
        Assert.That(run.ExitCode, Is.Zero, run.Output);

        await UntilReadyAsync(api);
        Assert.Multiple(async () =>
        {
            Assert.That((await api.Get("/me", TestHost.AdminToken)).Code, Is.EqualTo(200), "the admin was bootstrapped");
            Assert.That(await database.ScalarAsync<long>("SELECT count(*) FROM hangfire.set WHERE key = 'recurring-jobs'"),
                Is.EqualTo(TrialManager.Api.Features.Jobs.RecurringJobs.Names.Count), "the recurring jobs are scheduled");
        });
    }

    [Test]
    public async Task A_replica_started_before_its_database_exists_waits_for_it_and_its_migrations()
    {
        await using var database = await TestDatabase.CreateAsync();
        var later = database.Name + "_later";
        string Later(string connection) => new NpgsqlConnectionStringBuilder(connection) { Database = later }.ConnectionString;
        try
        {
            await using var replica = new ApiFactory(database, new Dictionary<string, string?>
            {
                ["Database:MigrateOnStartup"] = "false",
                ["ConnectionStrings:TrialManager"] = Later(database.RuntimeConnectionString),
                ["ConnectionStrings:TrialManagerMigrations"] = Later(database.ConnectionString),
            });
            replica.StartServer();
            var api = replica.Client();
            Assert.Multiple(async () =>
            {
                Assert.That((await api.Get("/health/live")).Code, Is.EqualTo(200));
                Assert.That((await api.Get("/health/ready")).Code, Is.EqualTo(503));
            });

            await database.ExecuteAsAdminAsync($"CREATE DATABASE {later}");
            var settings = MigrateSettings(database);
            settings["ConnectionStrings__TrialManager"] = Later(database.RuntimeConnectionString);
            settings["ConnectionStrings__TrialManagerMigrations"] = Later(database.ConnectionString);
            var run = await ServiceRun.RunAsync(settings, Patience);
            Assert.That(run.ExitCode, Is.Zero, run.Output);

            await UntilReadyAsync(api);
            Assert.That((await api.Get("/me", TestHost.AdminToken)).Code, Is.EqualTo(200), "the admin was bootstrapped");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await database.ExecuteAsAdminAsync($"DROP DATABASE IF EXISTS {later} WITH (FORCE)");
        }
    }

    private static async Task UntilReadyAsync(ApiClient api)
    {
        var deadline = DateTime.UtcNow + Patience;
        ApiResponse ready;
        while ((ready = await api.Get("/health/ready")).Code != 200 && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        Assert.That(ready.Code, Is.EqualTo(200), ready.ToString());
    }

    /// <summary>Each setting the host refuses, on a database that stays untouched: the check comes before any start-up step.</summary>
    [TestCase("Reminders:Cron", "0 7 * *")]
    [TestCase("Reminders:TimeZone", "Europe/Lodnon")]
    [TestCase("Exports:RetentionDays", "0")]
    [TestCase("Jobs:WorkerCount", "0")]
    [TestCase("Paging:MaxPageSize", "plenty")]
    [TestCase("Exports:Path", "/proc/trialmanager-exports")]
    [TestCase("Bootstrap:AdminToken", "too-short")]
    public async Task A_host_with_a_wrong_setting_does_not_start_and_names_it(string key, string value)
    {
        _untouched ??= await TestDatabase.CreateAsync();
        await using var factory = new ApiFactory(_untouched, new Dictionary<string, string?> { [key] = value });

        Assert.That(factory.StartServer, Throws.Exception.With.Message.Contains(key));
        Assert.That(await TablesNamedAsync(_untouched, "__EFMigrationsHistory"), Is.Zero, "nothing was migrated");
    }

    [Test]
    public async Task The_process_with_a_wrong_setting_exits_non_zero_naming_it()
    {
        var exports = Path.Combine(Path.GetTempPath(), $"trialmanager-test-exports-{Guid.NewGuid():N}");
        var run = await ServiceRun.RunAsync(new Dictionary<string, string>
        {
            // No database is needed, nor reached: the settings are checked first.
            ["ConnectionStrings__TrialManager"] = "Host=127.0.0.1;Port=1;Database=none;Username=none",
            ["Reminders__TimeZone"] = "Mars/Olympus_Mons",
            ["Exports__Path"] = exports,
        }, Patience);
        Directory.Delete(exports);

        Assert.That(run.ExitCode, Is.Not.Zero);
        Assert.That(run.Output, Does.Contain("Wrong setting, the service does not start: Reminders:TimeZone is 'Mars/Olympus_Mons'")
            .And.Not.Contain("Now listening"));
    }
}
