using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Jobs;
using TrialManager.Data;

namespace TrialManager.Api.Infrastructure;

/// <summary>`Database:MigrateOnStartup` (true): apply pending migrations at start-up; off where a deployment applies
/// them once (`Hosting:Mode=migrate`) or a DBA runs the idempotent script.</summary>
public sealed class DatabaseOptions : ISettings
{
    public bool MigrateOnStartup { get; set; } = true;

    // A value that is no boolean already fails the binding, which names the key.
    public void Check(SettingsCheck check)
    {
    }
}

/// <summary>
/// Whether the start-up steps that need the migrated schema (admin bootstrap, job schedules) have run: until then
/// the service is live but not ready.
/// </summary>
public sealed class StartupSteps
{
    private volatile bool _finished;

    public bool Finished => _finished;

    internal void Finish() => _finished = true;
}

/// <summary>
/// At start-up: apply pending migrations (unless `Database:MigrateOnStartup` is false) and create or upgrade Hangfire's
/// schema, then bootstrap the first admin and schedule the recurring jobs. While migrations are pending (applied by
/// `Hosting:Mode=migrate` or by a DBA), the process serves its health endpoints, not ready, and
/// <see cref="PendingMigrationsWait"/> finishes those steps once they are applied, without a restart.
/// With `ConnectionStrings:TrialManagerMigrations` set, migrations run as that (owning) role, and the runtime role
/// of `ConnectionStrings:TrialManager` is granted only what the service needs: it cannot change the schema, and
/// on the audit tables it may only insert and read.
/// </summary>
public static partial class DatabaseStartup
{
    public const string MigrationsConnectionName = "TrialManagerMigrations";

    public static IServiceCollection AddDatabaseStartup(this IServiceCollection services)
    {
        services.AddSettings<DatabaseOptions>("Database");
        services.AddSettings<BootstrapOptions>("Bootstrap");
        services.AddSingleton<StartupSteps>();
        services.AddHostedService<PendingMigrationsWait>();
        return services;
    }

    /// <summary>`Hosting:Mode=migrate`: the schema changes only, then the exit code (0 when all went in).</summary>
    public static async Task<int> MigrateAsync(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(nameof(DatabaseStartup));
        try
        {
            // Hangfire's schema first: replicas that wait for the service's migrations then find it in place too.
            await InstallJobsSchemaAsync(app.Services, CancellationToken.None);
            await ApplyMigrationsAsync(app.Services, logger, CancellationToken.None);
            logger.LogInformation("Hosting:Mode=migrate: the database's migrations and Hangfire's schema are applied");
            return 0;
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "Hosting:Mode=migrate failed, the database is not migrated: {Reason}", e.Message);
            return 1;
        }
    }

    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(nameof(DatabaseStartup));
        var stopping = app.Lifetime.ApplicationStopping;
        var migrates = app.Services.GetRequiredService<DatabaseOptions>().MigrateOnStartup;
        if (migrates)
        {
            await ApplyMigrationsAsync(app.Services, logger, stopping);
            await InstallJobsSchemaAsync(app.Services, stopping);
        }
        try
        {
            if (await TryFinishAsync(app.Services, stopping))
                return;
            logger.LogWarning("The database has pending migrations; the service is not ready until they are applied (checked every {Seconds} s)",
                PendingMigrationsWait.Interval.TotalSeconds);
        }
        catch (Exception e) when (!migrates && e is NpgsqlException or TimeoutException)
        {
            // A replica that does not migrate may start before its database: it waits for it as for its migrations.
            logger.LogWarning(e, "The database is not reachable; the service is not ready until it is and its migrations are applied");
        }
    }

    /// <summary>The steps that need the migrated schema, once nothing is pending; false while something is.</summary>
    internal static async Task<bool> TryFinishAsync(IServiceProvider services, CancellationToken ct)
    {
        using var scope = services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TrialManagerDbContext>();
        if ((await db.Database.GetPendingMigrationsAsync(ct)).Any())
            return false;
        // Without migrations at start-up, Hangfire's schema waits for them too, so that replicas do not race to create it:
        // after `Hosting:Mode=migrate` it is there and this only reads its version; after a DBA's script it is made here.
        if (!services.GetRequiredService<DatabaseOptions>().MigrateOnStartup)
            await InstallJobsSchemaAsync(services, ct);
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(nameof(DatabaseStartup));
        using (AuditScope.System(AdminBootstrap.AuditReason))
            await AdminBootstrap.EnsureAdminAsync(db, services.GetRequiredService<BootstrapOptions>().AdminToken,
                scope.ServiceProvider.GetRequiredService<TimeProvider>(), logger, ct);
        RecurringJobs.Register(services);
        services.GetRequiredService<StartupSteps>().Finish();
        return true;
    }

    private static async Task ApplyMigrationsAsync(IServiceProvider services, ILogger logger, CancellationToken ct)
    {
        logger.LogInformation("Applying database migrations");
        if (OwnerConnection(services) is { } owner)
        {
            await using var ownerDb = new TrialManagerDbContext(
                new DbContextOptionsBuilder<TrialManagerDbContext>().UseTrialManagerDatabase(owner).Options);
            await ownerDb.Database.MigrateAsync(ct);
            await GrantRuntimeRoleAsync(ownerDb, RuntimeRole(services), ct);
        }
        else
        {
            using var scope = services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<TrialManagerDbContext>().Database.MigrateAsync(ct);
        }
    }

    /// <summary>Hangfire's own schema, as the owning role when there is one.</summary>
    private static Task InstallJobsSchemaAsync(IServiceProvider services, CancellationToken ct) =>
        OwnerConnection(services) is { } owner
            ? JobsSetup.InstallSchemaAsync(owner, RuntimeRole(services), ct)
            : JobsSetup.InstallSchemaAsync(RuntimeConnection(services), null, ct);

    private static string? OwnerConnection(IServiceProvider services) =>
        services.GetRequiredService<IConfiguration>().GetConnectionString(MigrationsConnectionName) is { Length: > 0 } owner ? owner : null;

    private static string RuntimeConnection(IServiceProvider services) =>
        services.GetRequiredService<IConfiguration>().GetConnectionString(TrialManagerDatabase.ConnectionStringName)!;

    /// <summary>The runtime role's name, checked against a strict pattern: a role name cannot be a query parameter.</summary>
    private static string RuntimeRole(IServiceProvider services)
    {
        var role = new NpgsqlConnectionStringBuilder(RuntimeConnection(services)).Username ?? "";
        return RoleName().IsMatch(role)
            ? role
            : throw new InvalidOperationException($"The runtime role '{role}' must be a plain lower-case PostgreSQL name.");
    }

    internal static async Task GrantRuntimeRoleAsync(TrialManagerDbContext ownerDb, string role, CancellationToken ct)
    {
        // Re-run at every start: idempotent, and it covers the tables of new migrations.
        var grants = $"""
            GRANT USAGE ON SCHEMA public TO {role};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
            REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_checkpoints FROM {role};
            """;
        // Processes that start together would update the same catalogue rows at once, which PostgreSQL refuses
        // ("tuple concurrently updated"): they take turns, on a lock that ends with the transaction.
        await ownerDb.InTransactionAsync(async token =>
        {
            await ownerDb.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({GrantLockKey})", token);
            await ownerDb.Database.ExecuteSqlRawAsync(grants, token);
        }, ct);
    }

    private const long GrantLockKey = 0x7472_6961_6c67_726e; // "trialgrn"

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex RoleName();
}
