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
        return await db.InTransactionAsync(async token =>
        {
            if (!await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({AdvisoryLockKey}) AS \"Value\"").SingleAsync(token))
                return 0;
            var moved = await db.AuditStrandHeads.GroupBy(h => h.ChainId)
                .Select(g => new { ChainId = g.Key, Events = g.Sum(h => h.Sequence) })
                .Where(c => !db.AuditCheckpoints.Any(k => k.ChainId == c.ChainId && k.EventCount == c.Events))
                .Select(c => c.ChainId)
                .ToListAsync(token);
            foreach (var chain in moved)
                await store.AddCheckpointAsync(chain, token);
            await db.SaveChangesAsync(token);
            return moved.Count;
        }, ct, System.Data.IsolationLevel.RepeatableRead);
    }
}
