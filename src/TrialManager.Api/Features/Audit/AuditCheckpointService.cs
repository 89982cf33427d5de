using Microsoft.EntityFrameworkCore;
using TrialManager.Data;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// Checkpoints every chain whose head moved since its last checkpoint, every `Audit:CheckpointIntervalMinutes`
/// (default 60). Instances agree through an advisory lock, so each round runs once however many are running.
/// </summary>
internal sealed class AuditCheckpointService(IServiceScopeFactory scopes, IConfiguration configuration, ILogger<AuditCheckpointService> logger)
    : BackgroundService
{
    private const long AdvisoryLockKey = 0x7472_6961_6c63_6b70; // "trialckp"

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMinutes(configuration.GetValue("Audit:CheckpointIntervalMinutes", 60.0));
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await CheckpointMovedChainsAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Audit checkpoint round failed; the next round tries again");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>One round: a checkpoint for each chain with events since its last one. Returns how many were written.</summary>
    public async Task<int> CheckpointMovedChainsAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TrialManagerDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<AuditChainStore>();
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
