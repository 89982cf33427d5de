using System.Data.Common;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using TrialManager.Data;
using TrialManager.Data.Audit;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// The one place where changes become audit events: every insert, update and delete that EF Core saves is turned
/// into an event with each changed field's old and new value, chained to its trial's audit chain and saved in the
/// same SaveChanges, in the same transaction. A feature added later is audited without code of its own. (Bulk
/// ExecuteUpdate/ExecuteDelete bypass this and must not be used for trial data.)
/// </summary>
public sealed class AuditInterceptor(TimeProvider clock, AuditOptions options) : SaveChangesInterceptor
{
    private static readonly Type[] Infrastructure = [typeof(AuditEvent), typeof(AuditStrandHead), typeof(AuditCheckpoint)];

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData,
        InterceptionResult<int> result, CancellationToken ct = default)
    {
        if (options.Enabled && eventData.Context is TrialManagerDbContext db)
            await AppendEventsAsync(db, ct);
        return result;
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result) =>
        throw new InvalidOperationException("Save asynchronously: audit events are appended with database round trips.");

    private async Task AppendEventsAsync(TrialManagerDbContext db, CancellationToken ct)
    {
        db.ChangeTracker.DetectChanges();
        var entries = db.ChangeTracker.Entries()
            .Where(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted && !Infrastructure.Contains(e.Metadata.ClrType))
            .ToList();
        if (entries.Count == 0)
            return;
        var scope = AuditScope.Current
            ?? throw new InvalidOperationException("A write must run inside an AuditScope that names who makes it.");
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("Audited writes run in an explicit transaction, which keeps the strand locked until commit.");

        var now = clock.GetUtcNow();
        var role = scope.Role;
        var events = entries
            .Select(entry => Describe(entry, scope, role, now))
            .OfType<AuditEvent>()
            .GroupBy(e => e.ChainId);
        foreach (var chain in events)
            await AppendToChainAsync(db, chain.Key, chain.ToList(), ct);
    }

    /// <summary>An event for one changed entity, not yet placed in its chain; none for an update that changed nothing.</summary>
    private static AuditEvent? Describe(EntityEntry entry, AuditScope scope, string? role, DateTimeOffset now)
    {
        var type = entry.Metadata.ClrType;
        var changes = AuditChanges.Write(entry);
        if (changes is null)
            return null;
        var trialId = (entry.Entity as ITrialOwned)?.TrialId;
        return new AuditEvent
        {
            Id = Guid.CreateVersion7(now),
            ChainId = trialId ?? AuditChains.System,
            TrialId = trialId,
            OccurredAt = now,
            Action = entry.State switch { EntityState.Added => "insert", EntityState.Deleted => "delete", _ => "update" },
            EntityType = JsonNamingPolicy.KebabCaseLower.ConvertName(type.Name),
            EntityId = (entry.Entity as IEntity)?.Id,
            Changes = changes,
            ActorUserId = scope.UserId,
            ActorRole = role,
            RequestId = scope.RequestId,
            Reason = scope.Reason,
            PreviousHash = AuditChain.Genesis,
            Hash = AuditChain.Genesis,
        };
    }

    /// <summary>Locks a free strand of the chain (or waits for one), links the events after its head and moves the head.</summary>
    private static async Task AppendToChainAsync(TrialManagerDbContext db, Guid chainId, List<AuditEvent> drafts, CancellationToken ct)
    {
        var head = await LockStrandAsync(db, chainId, ct);
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
    }

    private static async Task<StrandPosition> LockStrandAsync(TrialManagerDbContext db, Guid chainId, CancellationToken ct)
    {
        // The first free strand, lowest first: a quiet trial keeps to strand 0; concurrent writers spread out.
        const string FreeStrand = "SELECT strand, sequence, hash FROM audit_strand_heads WHERE chain_id = @chain ORDER BY strand LIMIT 1 FOR UPDATE SKIP LOCKED";
        if (await QueryHeadAsync(db, FreeStrand, chainId, null, ct) is { } free)
            return free;
        await ExecuteAsync(db, $"""
            INSERT INTO audit_strand_heads (chain_id, strand, sequence, hash)
            SELECT @chain, s, 0, @genesis FROM generate_series(0, {AuditChain.Strands - 1}) AS s
            ON CONFLICT DO NOTHING
            """, chainId, ct);
        return await QueryHeadAsync(db, FreeStrand, chainId, null, ct)
            ?? await QueryHeadAsync(db, "SELECT strand, sequence, hash FROM audit_strand_heads WHERE chain_id = @chain AND strand = @strand FOR UPDATE",
                chainId, Random.Shared.Next(AuditChain.Strands), ct)
            ?? throw new InvalidOperationException("The audit strand heads of the chain are missing.");
    }

    private static async Task<StrandPosition?> QueryHeadAsync(TrialManagerDbContext db, string sql, Guid chainId, int? strand, CancellationToken ct)
    {
        await using var command = Command(db, sql, chainId);
        if (strand is { } s)
            Parameter(command, "strand", s);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new StrandPosition(reader.GetInt32(0), reader.GetInt64(1), (byte[])reader.GetValue(2)) : null;
    }

    private static async Task ExecuteAsync(TrialManagerDbContext db, string sql, Guid chainId, CancellationToken ct)
    {
        await using var command = Command(db, sql, chainId);
        Parameter(command, "genesis", AuditChain.Genesis);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static DbCommand Command(TrialManagerDbContext db, string sql, Guid chainId)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
        command.CommandText = sql;
        Parameter(command, "chain", chainId);
        return command;
    }

    private static void Parameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}

/// <summary>`Audit:Enabled` exists for the benchmark that measures the audit trail's cost; production never turns it off.</summary>
public sealed class AuditOptions
{
    public bool Enabled { get; set; } = true;
}
