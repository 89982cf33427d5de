using Microsoft.EntityFrameworkCore;
using TrialManager.Data;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// The recurring job `audit-checkpoint` (hourly by default): a checkpoint for every chain whose head moved since its
/// last one. Idempotent, and instances agree through an advisory lock, so a round that runs twice writes once.
/// </summary>
public sealed class AuditCheckpointJob(TrialManagerDbContext db, AuditChainStore store)
{
    private const long AdvisoryLockKey = 0x7472_6961_6c63_6b70; // "trialckp"

    /// <summary>One round: a checkpoint for each chain with events since its last one. Returns how many were written.</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        if (!await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({AdvisoryLockKey}) AS \"Value\"").SingleAsync(ct))
            return 0;
        var moved = await db.AuditStrandHeads.GroupBy(h => h.ChainId)
            .Select(g => new { ChainId = g.Key, Events = g.Sum(h => h.Sequence) })
            .Where(c => !db.AuditCheckpoints.Any(k => k.ChainId == c.ChainId && k.EventCount == c.Events))
            .Select(c => c.ChainId)
            .ToListAsync(ct);
        foreach (var chain in moved)
            await store.AddCheckpointAsync(chain, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return moved.Count;
    }
}
