using System.Text.Json;
using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using TrialManager.Api.Features.Audit;
using TrialManager.Data;
using TrialManager.Data.Exports;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Telemetry;

namespace TrialManager.Api.Features.Exports;

/// <summary>
/// Writes one requested extract to export storage. Hangfire runs a job at least once, and a sweep or a replayed
/// request may queue a second job for an export, so the job is idempotent: one job at a time writes an export, a
/// finished export is left alone, and a re-run after a crash or a failed attempt writes the file again from the
/// start. Progress is bookkeeping and is updated without audit; the outcome (file, checksum, expiry, or the final
/// error) is saved through EF Core and audited as the system's. A failed attempt records its error and leaves the
/// export queued for Hangfire's next attempt; the last attempt marks it failed and rethrows, so that the dashboard
/// shows the same failure.
/// </summary>
public sealed class ExportJob(TrialManagerDbContext db, NpgsqlDataSource data, IExportStorage storage, ExportOptions options,
    JobOptions jobs, TimeProvider clock, TrialManagerMetrics metrics, ILogger<ExportJob> logger)
{
    public const string Queued = "queued", Running = "running", Succeeded = "succeeded", Failed = "failed";

    /// <param name="context">Supplied by Hangfire (enqueue with null); without it, the run counts as the last attempt.</param>
    public async Task RunAsync(Guid exportId, PerformContext? context, CancellationToken ct)
    {
        // Claimed in one statement: a queued export, or one this same Hangfire job was writing when its worker died
        // (Hangfire re-runs a job under its own id). A second job for the export (queued by the sweep, or by a
        // replayed request) claims nothing and leaves it to the first.
        var runner = context?.BackgroundJob.Id ?? Guid.NewGuid().ToString("N");
        var startedAt = clock.GetUtcNow();
        var claimed = await db.Exports
            .Where(e => e.Id == exportId && (e.Status == Queued || (e.Status == Running && e.JobId == runner)))
            .ExecuteUpdateAsync(e => e
                .SetProperty(x => x.Status, Running).SetProperty(x => x.Progress, 0).SetProperty(x => x.JobId, runner)
                .SetProperty(x => x.StartedAt, startedAt).SetProperty(x => x.Attempts, x => x.Attempts + 1), ct);
        var export = await db.Exports.AsNoTracking().SingleOrDefaultAsync(e => e.Id == exportId, ct)
            ?? throw new InvalidOperationException($"Export {exportId} does not exist (yet); the job is retried.");
        if (claimed == 0)
        {
            logger.LogInformation("Export {ExportId} is {Status} under another job; nothing to do", exportId, export.Status);
            return;
        }

        var key = $"{export.TrialId}/{export.Id}.{(export.Format == "odm" ? "xml" : "zip")}";
        try
        {
            var (rowCounts, size, sha256) = await WriteAsync(export, key, startedAt, ct);
            var finishedAt = clock.GetUtcNow();
            await SaveOutcomeAsync(exportId, "export written", e =>
            {
                e.Status = Succeeded;
                e.Progress = 100;
                e.RowCounts = JsonSerializer.Serialize(rowCounts);
                e.SizeBytes = size;
                e.Sha256 = sha256;
                e.FileKey = key;
                e.Error = null;
                e.FinishedAt = finishedAt;
                e.ExpiresAt = finishedAt.AddDays(options.RetentionDays);
            }, CancellationToken.None);
            metrics.ExportWritten(export.Format, size, rowCounts.Values.Sum());
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            var error = $"{e.GetType().Name}: {e.Message}";
            var retryCount = context?.GetJobParameter<int>("RetryCount") ?? int.MaxValue;
            var lastAttempt = retryCount >= jobs.RetryAttempts;
            logger.LogWarning(e, "Export {ExportId} failed (attempt {Attempt}{Last})", exportId, retryCount + 1, lastAttempt ? ", the last" : "");
            await DeleteQuietlyAsync(key);
            if (lastAttempt)
                await SaveOutcomeAsync(exportId, "export failed", x =>
                {
                    x.Status = Failed;
                    x.Error = error;
                    x.FinishedAt = clock.GetUtcNow();
                }, CancellationToken.None);
            else
                await db.Exports.Where(x => x.Id == exportId).ExecuteUpdateAsync(x => x
                    .SetProperty(y => y.Status, Queued).SetProperty(y => y.Error, $"attempt {retryCount + 1} failed, retrying: {error}"), CancellationToken.None);
            throw;
        }
    }

    private async Task<(Dictionary<string, long> RowCounts, long Size, string Sha256)> WriteAsync(Export export, string key, DateTimeOffset createdAt,
        CancellationToken ct)
    {
        var extract = await ExtractReader.OpenAsync(db, data, export, createdAt, ct);
        var total = Math.Max(1, await extract.CountAssessmentsAsync(ct));
        var lastPercent = 0;
        async Task Progress(long rows)
        {
            var percent = (int)Math.Min(99, rows * 100 / total);
            if (percent <= lastPercent)
                return;
            lastPercent = percent;
            // Its own connection: the extract's streams hold theirs open while rows are read.
            await using var command = data.CreateCommand("UPDATE exports SET progress = @progress WHERE id = @id");
            command.Parameters.AddWithValue("progress", percent);
            command.Parameters.AddWithValue("id", export.Id);
            await command.ExecuteNonQueryAsync(ct);
        }

        Dictionary<string, long> rowCounts = [];
        long size = 0;
        var sha256 = "";
        await storage.WriteAsync(key, async (file, token) =>
        {
            await using var hashing = new HashingStream(file, leaveOpen: true);
            if (export.Format == "odm")
            {
                await OdmWriter.WriteAsync(hashing, extract.Header, extract.ParticipantsAsync(token), extract.ClustersAsync(token),
                    extract.AssessmentsAsync(Progress, token), token);
                rowCounts = new() { ["assessments"] = total };
            }
            else
                rowCounts = (await CsvExtractWriter.WriteAsync(hashing, extract, Progress, token))
                    .Where(f => f.Rows is not null).ToDictionary(f => f.Name, f => f.Rows!.Value);
            await hashing.FlushAsync(token);
            (size, sha256) = (hashing.BytesWritten, hashing.Sha256Hex);
        }, ct);
        return (rowCounts, size, sha256);
    }

    private async Task SaveOutcomeAsync(Guid exportId, string reason, Action<Export> change, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        using var scope = AuditScope.System(reason);
        await db.InTransactionAsync(async token =>
        {
            var export = await db.Exports.SingleAsync(e => e.Id == exportId, token);
            change(export);
            await db.SaveChangesAsync(token);
        }, ct);
    }

    private async Task DeleteQuietlyAsync(string key)
    {
        try
        {
            await storage.DeleteAsync(key, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or NotSupportedException)
        {
            logger.LogWarning(e, "Could not delete the export file {Key} of a failed attempt", key);
        }
    }
}
