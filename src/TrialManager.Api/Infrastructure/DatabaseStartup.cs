using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Data;

namespace TrialManager.Api.Infrastructure;

/// <summary>
/// At start-up: apply pending migrations (unless `Database:MigrateOnStartup` is false, e.g. when a DBA
/// applies the idempotent script), then bootstrap the first admin.
/// </summary>
public static class DatabaseStartup
{
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<TrialManagerDbContext>();
        var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(nameof(DatabaseStartup));
        if (app.Configuration.GetValue("Database:MigrateOnStartup", true))
        {
            logger.LogInformation("Applying database migrations");
            await db.Database.MigrateAsync(app.Lifetime.ApplicationStopping);
        }
        if ((await db.Database.GetPendingMigrationsAsync()).Any())
        {
            logger.LogWarning("The database has pending migrations; the service is not ready until they are applied");
            return;
        }
        await AdminBootstrap.EnsureAdminAsync(db, app.Configuration["Bootstrap:AdminToken"],
            scope.ServiceProvider.GetRequiredService<TimeProvider>(), logger, app.Lifetime.ApplicationStopping);
    }
}
