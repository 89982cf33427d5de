using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Jobs;
using TrialManager.Data;

namespace TrialManager.Api.Infrastructure;

/// <summary>
/// At start-up: apply pending migrations (unless `Database:MigrateOnStartup` is false, e.g. when a DBA applies the
/// idempotent script) and create or upgrade Hangfire's schema, then bootstrap the first admin and schedule the
/// recurring jobs.
/// With `ConnectionStrings:TrialManagerMigrations` set, migrations run as that (owning) role, and the runtime role
/// of `ConnectionStrings:TrialManager` is granted only what the service needs: it cannot change the schema, and
/// on the audit tables it may only insert and read.
/// </summary>
public static partial class DatabaseStartup
{
    public const string MigrationsConnectionName = "TrialManagerMigrations";

    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TrialManagerDbContext>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(nameof(DatabaseStartup));
        var stopping = app.Lifetime.ApplicationStopping;
        if (app.Configuration.GetValue("Database:MigrateOnStartup", true))
        {
            logger.LogInformation("Applying database migrations");
            if (app.Configuration.GetConnectionString(MigrationsConnectionName) is { Length: > 0 } owner)
            {
                await using var ownerDb = new TrialManagerDbContext(
                    new DbContextOptionsBuilder<TrialManagerDbContext>().UseTrialManagerDatabase(owner).Options);
                await ownerDb.Database.MigrateAsync(stopping);
                await GrantRuntimeRoleAsync(ownerDb, RuntimeRole(db), stopping);
            }
            else
            {
                await db.Database.MigrateAsync(stopping);
            }
        }
        // Hangfire's own schema, which the job workers need even while the service's migrations wait for a DBA.
        if (app.Configuration.GetConnectionString(MigrationsConnectionName) is { Length: > 0 } jobsOwner)
            await JobsSetup.InstallSchemaAsync(jobsOwner, RuntimeRole(db), stopping);
        else
            // The configured string: the one EF reports has had its password removed.
            await JobsSetup.InstallSchemaAsync(app.Configuration.GetConnectionString(TrialManagerDatabase.ConnectionStringName)!, null, stopping);
        if ((await db.Database.GetPendingMigrationsAsync(stopping)).Any())
        {
            logger.LogWarning("The database has pending migrations; the service is not ready until they are applied");
            return;
        }
        using (AuditScope.System(AdminBootstrap.AuditReason))
            await AdminBootstrap.EnsureAdminAsync(db, app.Configuration["Bootstrap:AdminToken"],
                scope.ServiceProvider.GetRequiredService<TimeProvider>(), logger, stopping);
        RecurringJobs.Register(app.Services, app.Configuration);
    }

    /// <summary>The runtime role's name, checked against a strict pattern: a role name cannot be a query parameter.</summary>
    private static string RuntimeRole(TrialManagerDbContext db)
    {
        var role = new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString()).Username ?? "";
        return RoleName().IsMatch(role)
            ? role
            : throw new InvalidOperationException($"The runtime role '{role}' must be a plain lower-case PostgreSQL name.");
    }

    private static async Task GrantRuntimeRoleAsync(TrialManagerDbContext ownerDb, string role, CancellationToken ct)
    {
        // Re-run at every start: idempotent, and it covers the tables of new migrations.
        var grants = $"""
            GRANT USAGE ON SCHEMA public TO {role};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
            REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_checkpoints FROM {role};
            """;
        await ownerDb.Database.ExecuteSqlRawAsync(grants, ct);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex RoleName();
}
