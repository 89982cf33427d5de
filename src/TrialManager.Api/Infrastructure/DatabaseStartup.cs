using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TrialManager.Api.Features.Access;
using TrialManager.Data;

namespace TrialManager.Api.Infrastructure;

/// <summary>
/// At start-up: apply pending migrations (unless `Database:MigrateOnStartup` is false, e.g. when a DBA applies the
/// idempotent script), then bootstrap the first admin.
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
                await GrantRuntimeRoleAsync(ownerDb, db.Database.GetConnectionString()!, stopping);
            }
            else
            {
                await db.Database.MigrateAsync(stopping);
            }
        }
        if ((await db.Database.GetPendingMigrationsAsync(stopping)).Any())
        {
            logger.LogWarning("The database has pending migrations; the service is not ready until they are applied");
            return;
        }
        await AdminBootstrap.EnsureAdminAsync(db, app.Configuration["Bootstrap:AdminToken"],
            scope.ServiceProvider.GetRequiredService<TimeProvider>(), logger, stopping);
    }

    private static async Task GrantRuntimeRoleAsync(TrialManagerDbContext ownerDb, string runtimeConnection, CancellationToken ct)
    {
        var role = new NpgsqlConnectionStringBuilder(runtimeConnection).Username ?? "";
        if (!RoleName().IsMatch(role))
            throw new InvalidOperationException($"The runtime role '{role}' must be a plain lower-case PostgreSQL name.");
        // Re-run at every start: idempotent, and it covers the tables of new migrations. (A role name cannot be a
        // parameter; it was checked against a strict pattern above.)
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
