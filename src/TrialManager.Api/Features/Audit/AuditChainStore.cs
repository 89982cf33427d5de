using System.Data;
using System.Data.Common;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Infrastructure;
using TrialManager.Data;
using TrialManager.Data.Audit;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// Verification and checkpoints of a chain against the database. Verification reads one consistent snapshot
/// (repeatable read): the events, streamed in strand order, the strand heads and the checkpoints.
/// </summary>
public sealed class AuditChainStore(TrialManagerDbContext db, TimeProvider clock)
{
    public sealed record CheckpointHead(int Strand, long Sequence, string Hash);

    public async Task<ChainVerification> VerifyAsync(Guid chainId, CancellationToken ct)
    {
        return await db.InTransactionAsync(async token => await VerifyInSnapshotAsync(chainId, token), ct, IsolationLevel.RepeatableRead);
    }

    private async Task<ChainVerification> VerifyInSnapshotAsync(Guid chainId, CancellationToken ct)
    {
        var verifier = new ChainVerifier();
        foreach (var checkpoint in await db.AuditCheckpoints.AsNoTracking().Where(c => c.ChainId == chainId).ToListAsync(ct))
            verifier.ExpectCheckpoint(checkpoint.EventCount, ParseHeads(checkpoint.Heads));

        await using (var command = await db.CommandAsync("""
            SELECT id, chain_id, strand, sequence, trial_id, occurred_at, action, entity_type, entity_id, changes,
                   actor_user_id, actor_role, request_id, reason, previous_hash, hash, format, reason_commitment, sealed_values
            FROM audit_events WHERE chain_id = @chain ORDER BY strand, sequence
            """, ct, ("chain", chainId)))
        await using (var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct))
        {
            while (await reader.ReadAsync(ct))
                verifier.Add(ReadEvent(reader));
        }
        return verifier.Finish(await ReadHeadsAsync(chainId, ct));
    }

    /// <summary>Records the chain's state now: every strand's head and the number of events they add up to.</summary>
    public async Task<AuditCheckpoint> CheckpointAsync(Guid chainId, CancellationToken ct)
    {
        return await db.InTransactionAsync(async token =>
        {
            var checkpoint = await AddCheckpointAsync(chainId, token);
            await db.SaveChangesAsync(token);
            return checkpoint;
        }, ct, IsolationLevel.RepeatableRead);
    }

    /// <summary>Stages a checkpoint of the chain as the current transaction sees it.</summary>
    public async Task<AuditCheckpoint> AddCheckpointAsync(Guid chainId, CancellationToken ct)
    {
        var heads = await ReadHeadsAsync(chainId, ct);
        var checkpoint = new AuditCheckpoint
        {
            Id = Guid.CreateVersion7(clock.GetUtcNow()),
            ChainId = chainId,
            CreatedAt = clock.GetUtcNow(),
            EventCount = heads.Sum(h => h.Sequence),
            Heads = JsonSerializer.Serialize(heads.Select(h => new CheckpointHead(h.Strand, h.Sequence, Convert.ToHexStringLower(h.Hash))),
                JsonSerializerOptions.Web),
        };
        db.AuditCheckpoints.Add(checkpoint);
        return checkpoint;
    }

    public static IEnumerable<StrandPosition> ParseHeads(string json) =>
        JsonSerializer.Deserialize<List<CheckpointHead>>(json, JsonSerializerOptions.Web)!
            .Select(h => new StrandPosition(h.Strand, h.Sequence, Convert.FromHexString(h.Hash)));

    private async Task<List<StrandPosition>> ReadHeadsAsync(Guid chainId, CancellationToken ct) =>
        (await db.AuditStrandHeads.AsNoTracking().Where(h => h.ChainId == chainId).OrderBy(h => h.Strand).ToListAsync(ct))
            .Select(h => new StrandPosition(h.Strand, h.Sequence, h.Hash)).ToList();

    private static AuditEvent ReadEvent(DbDataReader r) => new()
    {
        Id = r.GetGuid(0),
        ChainId = r.GetGuid(1),
        Strand = r.GetInt32(2),
        Sequence = r.GetInt64(3),
        TrialId = r.IsDBNull(4) ? null : r.GetGuid(4),
        OccurredAt = r.GetFieldValue<DateTimeOffset>(5),
        Action = r.GetString(6),
        EntityType = r.GetString(7),
        EntityId = r.IsDBNull(8) ? null : r.GetGuid(8),
        Changes = r.GetString(9),
        ActorUserId = r.IsDBNull(10) ? null : r.GetGuid(10),
        ActorRole = r.IsDBNull(11) ? null : r.GetString(11),
        RequestId = r.IsDBNull(12) ? null : r.GetString(12),
        Reason = r.IsDBNull(13) ? null : r.GetString(13),
        PreviousHash = r.GetFieldValue<byte[]>(14),
        Hash = r.GetFieldValue<byte[]>(15),
        Format = r.GetInt16(16),
        ReasonCommitment = r.IsDBNull(17) ? null : r.GetString(17),
        SealedValues = r.IsDBNull(18) ? null : r.GetString(18),
    };
}
