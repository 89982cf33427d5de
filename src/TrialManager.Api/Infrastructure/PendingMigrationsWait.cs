namespace TrialManager.Api.Infrastructure;

/// <summary>
/// A replica started before its migrations were applied (by `Hosting:Mode=migrate`, or a DBA) checks every few seconds
/// and, once they are, finishes its start-up and becomes ready, instead of waiting for a restart.
/// </summary>
internal sealed class PendingMigrationsWait(IServiceProvider services, StartupSteps steps, TimeProvider clock,
    ILogger<PendingMigrationsWait> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!steps.Finished)
        {
            await Task.Delay(Interval, clock, stoppingToken);
            try
            {
                if (await DatabaseStartup.TryFinishAsync(services, stoppingToken))
                    logger.LogInformation("The database's migrations are applied; start-up finished, the service is ready");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database away or still changing: the next round tries again, and readiness says not ready meanwhile.
                logger.LogWarning(e, "Waiting for the database's migrations: {Reason}", e.Message);
            }
        }
    }
}
