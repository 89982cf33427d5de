using TrialManager.Api.Infrastructure;
using TrialManager.Data;
using TrialManager.Data.Audit;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// Appends events to a chain inside the current transaction: it locks the first free strand of the chain (so that
/// concurrent writers do not wait for each other), links the events after the strand's head and moves the head.
/// The lock is held until the transaction ends, so a strand is always one unbroken line.
/// </summary>
internal static class AuditAppender
{
    /// <summary>The first free strand, lowest first: a quiet trial keeps to strand 0; concurrent writers spread out.</summary>
    public const string FreeStrand =
        "SELECT strand, sequence, hash FROM audit_strand_heads WHERE chain_id = @chain ORDER BY strand LIMIT 1 FOR UPDATE SKIP LOCKED";

    /// <summary>
    /// Links the events after the head of a strand this transaction holds (locking a free one first, or waiting for
    /// one, if it holds none of this chain yet) and moves the head. Later appends in the transaction continue there.
    /// </summary>
    public static async Task AppendAsync(TrialManagerDbContext db, Guid chainId, List<AuditEvent> drafts, CancellationToken ct)
    {
        var scope = AuditScope.Current
            ?? throw new InvalidOperationException("A write must run inside an AuditScope that names who makes it.");
        var head = scope.HeldStrands.TryGetValue(chainId, out var held) ? held : await LockStrandAsync(db, chainId, ct);
        var hasher = new AuditChain.Hasher();
        var previous = head.Hash;
        var sequence = head.Sequence;
        foreach (var e in drafts)
        {
            (e.Strand, e.Sequence, e.PreviousHash) = (head.Strand, ++sequence, previous);
            e.Hash = hasher.Hash(e, previous);
            db.AuditEvents.Add(e);
            previous = e.Hash;
        }
        var tracked = db.AuditStrandHeads.Local.FirstOrDefault(h => h.ChainId == chainId && h.Strand == head.Strand);
        var entry = tracked is null
            ? db.Attach(new AuditStrandHead { ChainId = chainId, Strand = head.Strand, Sequence = head.Sequence, Hash = head.Hash })
            : db.Entry(tracked);
        entry.Property(h => h.Sequence).CurrentValue = sequence;
        entry.Property(h => h.Hash).CurrentValue = previous;
        scope.HeldStrands[chainId] = new StrandPosition(head.Strand, sequence, previous);
    }

    private static async Task<StrandPosition> LockStrandAsync(TrialManagerDbContext db, Guid chainId, CancellationToken ct)
    {
        if (await QueryHeadAsync(db, FreeStrand, chainId, null, ct) is { } free)
            return free;
        await ExecuteAsync(db, $"""
            INSERT INTO audit_strand_heads (chain_id, strand, sequence, hash)
            SELECT @chain, s, 0, @genesis FROM generate_series(0, {AuditChain.Strands - 1}) AS s
            ON CONFLICT DO NOTHING
            """, chainId, ct);
        // Every strand taken: write admission lets a process run no more writes than a chain has strands, and queues
        // the rest oldest first, so only writers of other processes and jobs get here; they wait on one strand.
        return await QueryHeadAsync(db, FreeStrand, chainId, null, ct)
            ?? await QueryHeadAsync(db, "SELECT strand, sequence, hash FROM audit_strand_heads WHERE chain_id = @chain AND strand = @strand FOR UPDATE",
                chainId, Random.Shared.Next(AuditChain.Strands), ct)
            ?? throw new InvalidOperationException("The audit strand heads of the chain are missing.");
    }

    private static async Task<StrandPosition?> QueryHeadAsync(TrialManagerDbContext db, string sql, Guid chainId, int? strand, CancellationToken ct)
    {
        await using var command = strand is { } s
            ? await db.CommandAsync(sql, ct, ("chain", chainId), ("strand", s))
            : await db.CommandAsync(sql, ct, ("chain", chainId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new StrandPosition(reader.GetInt32(0), reader.GetInt64(1), (byte[])reader.GetValue(2)) : null;
    }

    private static async Task ExecuteAsync(TrialManagerDbContext db, string sql, Guid chainId, CancellationToken ct)
    {
        await using var command = await db.CommandAsync(sql, ct, ("chain", chainId), ("genesis", AuditChain.Genesis));
        await command.ExecuteNonQueryAsync(ct);
    }
}
