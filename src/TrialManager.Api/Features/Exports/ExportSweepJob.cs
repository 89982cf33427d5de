using Hangfire;
using Microsoft.EntityFrameworkCore;
using TrialManager.Data;

namespace TrialManager.Api.Features.Exports;

/// <summary>
/// The recurring job `export-sweep`: an export's row commits before its job is queued, so a process that dies in
/// between leaves it `queued` with nothing to run it. The sweep queues a job for every export still queued and never
/// attempted `Exports:SweepAfterSeconds` (60) after it was requested. A second job for an export that already has one
/// does nothing (<see cref="ExportJob"/> writes each export once), so the sweep may err on the side of queueing.
/// </summary>
public sealed class ExportSweepJob(TrialManagerDbContext db, IBackgroundJobClient jobs, ExportOptions options, TimeProvider clock,
    ILogger<ExportSweepJob> logger)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var before = clock.GetUtcNow() - TimeSpan.FromSeconds(options.SweepAfterSeconds);
        var stranded = await db.Exports.AsNoTracking()
            .Where(e => e.Status == ExportJob.Queued && e.Attempts == 0 && e.RequestedAt < before)
            .Select(e => e.Id).ToListAsync(ct);
        foreach (var id in stranded)
            jobs.Enqueue<ExportJob>(job => job.RunAsync(id, null, CancellationToken.None));
        if (stranded.Count > 0)
            logger.LogWarning("Export sweep: queued {Count} export(s) whose job was never queued", stranded.Count);
        return stranded.Count;
    }
}
