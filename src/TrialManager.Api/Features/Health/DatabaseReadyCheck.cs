using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using TrialManager.Api.Infrastructure;
using TrialManager.Data;

namespace TrialManager.Api.Features.Health;

/// <summary>Ready means the database answers, its schema is the one this build expects, and start-up has finished.</summary>
internal sealed class DatabaseReadyCheck(TrialManagerDbContext db, StartupSteps steps) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            if (!await db.Database.CanConnectAsync(ct))
                return HealthCheckResult.Unhealthy("The database is not reachable.");
            var pending = (await db.Database.GetPendingMigrationsAsync(ct)).Count();
            if (pending > 0)
                return HealthCheckResult.Unhealthy($"{pending} migration(s) not applied.");
            return steps.Finished
                ? HealthCheckResult.Healthy("Database reachable, migrations applied.")
                : HealthCheckResult.Unhealthy("Migrations applied; start-up (admin bootstrap, job schedules) not finished yet.");
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("The database is not reachable.");
        }
    }
}
