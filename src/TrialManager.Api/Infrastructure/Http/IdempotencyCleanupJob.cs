using Microsoft.EntityFrameworkCore;
using TrialManager.Data;

namespace TrialManager.Api.Infrastructure.Http;

/// <summary>
/// The recurring job `idempotency-cleanup`: forgets the results kept for Idempotency-Key retries once they are older
/// than `Idempotency:RetentionHours` (24); a retry after that runs as a new request.
/// </summary>
public sealed class IdempotencyCleanupJob(TrialManagerDbContext db, IdempotencyOptions options, TimeProvider clock,
    ILogger<IdempotencyCleanupJob> logger)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - TimeSpan.FromHours(options.RetentionHours);
        var forgotten = await db.IdempotencyRecords.Where(r => r.CreatedAt < cutoff).ExecuteDeleteAsync(ct);
        logger.LogInformation("Idempotency clean-up: {Records} records forgotten", forgotten);
        return forgotten;
    }
}

/// <summary>`Idempotency:RetentionHours` (24) and `Idempotency:CleanupCron` (UTC), the schedule of `idempotency-cleanup`.</summary>
public sealed class IdempotencyOptions : ISettings
{
    public double RetentionHours { get; set; } = 24;
    public string CleanupCron { get; set; } = "45 * * * *";

    public void Check(SettingsCheck check)
    {
        check.Positive(nameof(RetentionHours), RetentionHours);
        check.Cron(nameof(CleanupCron), CleanupCron);
    }
}
