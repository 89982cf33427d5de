using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Audit;
using TrialManager.Data;

namespace TrialManager.Api.Features.Exports;

/// <summary>
/// The recurring job `export-cleanup`: deletes export files past their expiry (the export stays, without a file:
/// fetching it answers 410 Gone). Idempotent: a file already gone is not an error, and a second run finds nothing
/// left to do.
/// </summary>
public sealed class ExportCleanupJob(TrialManagerDbContext db, IExportStorage storage, TimeProvider clock, ILogger<ExportCleanupJob> logger)
{
    private const int Batch = 100;

    public async Task RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var deleted = 0;
        while (true)
        {
            var expired = await db.Exports.AsNoTracking().Where(e => e.FileKey != null && e.ExpiresAt < now)
                .OrderBy(e => e.ExpiresAt).Select(e => new { e.Id, FileKey = e.FileKey! }).Take(Batch).ToListAsync(ct);
            if (expired.Count == 0)
                break;
            foreach (var export in expired)
                await storage.DeleteAsync(export.FileKey, ct);
            // The file goes first: if saving fails, the next run deletes nothing twice and clears the keys then.
            using (AuditScope.System("export files past their expiry deleted"))
                await db.InTransactionAsync(async token =>
                {
                    var ids = expired.Select(e => e.Id).ToList();
                    foreach (var export in await db.Exports.Where(e => ids.Contains(e.Id)).ToListAsync(token))
                        export.FileKey = null;
                    await db.SaveChangesAsync(token);
                }, ct);
            db.ChangeTracker.Clear();
            deleted += expired.Count;
        }
        logger.LogInformation("Export clean-up: {Files} expired files deleted", deleted);
    }
}
