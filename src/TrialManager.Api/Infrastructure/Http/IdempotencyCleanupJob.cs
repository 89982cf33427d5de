using Microsoft.EntityFrameworkCore;
using TrialManager.Data;

namespace TrialManager.Api.Infrastructure.Http;

/// <summary>
/// The recurring job `idempotency-cleanup`: forgets the results kept for Idempotency-Key retries once they are older
/// than `Idempotency:RetentionHours` (24); a retry after that runs as a new request.
/// </summary>
public sealed class IdempotencyCleanupJob(TrialManagerDbContext db, IConfiguration configuration, TimeProvider clock,
    ILogger<IdempotencyCleanupJob> logger)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var cutoff = clock.GetUtcNow() - TimeSpan.FromHours(configuration.GetValue("Idempotency:RetentionHours", 24.0));
        var forgotten = await db.IdempotencyRecords.Where(r => r.CreatedAt < cutoff).ExecuteDeleteAsync(ct);
        logger.LogInformation("Idempotency clean-up: {Records} records forgotten", forgotten);
        return forgotten;
    }
}
