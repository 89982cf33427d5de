using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using TrialManager.Api.Infrastructure;
using TrialManager.Data;
using TrialManager.Data.Audit;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// The one place where changes become audit events: every insert, update and delete that EF Core saves is turned
/// into an event with each changed field's old and new value, chained to its trial's audit chain and saved in the
/// same SaveChanges, in the same transaction. A feature added later is audited without code of its own. (Bulk
/// ExecuteUpdate/ExecuteDelete bypass this and must not be used for trial data.)
/// </summary>
public sealed class AuditInterceptor(TimeProvider clock, RandomNumberGenerator random, AuditOptions options) : SaveChangesInterceptor
{
    /// <summary>
    /// Rows that are not trial data: the trail itself, replayable answers, the Data Protection key ring (written by
    /// the framework's key repository, with no caller to name), and web sessions (their sign-in and sign-out are
    /// recorded as access events by <see cref="AccessAudit"/>).
    /// </summary>
    private static readonly Type[] Infrastructure =
    [
        typeof(AuditEvent), typeof(AuditStrandHead), typeof(AuditCheckpoint), typeof(TrialManager.Data.Requests.IdempotencyRecord),
        typeof(Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey), typeof(TrialManager.Data.Access.WebSession),
    ];

    public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData,
        InterceptionResult<int> result, CancellationToken ct = default)
    {
        if (options.Enabled && eventData.Context is TrialManagerDbContext db)
            await AppendEventsAsync(db, ct);
        return result;
    }

    /// <summary>
    /// Only a save with nothing to audit may be synchronous (the Data Protection key repository saves that way): audit
    /// events are appended with database round trips.
    /// </summary>
    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (options.Enabled && eventData.Context is TrialManagerDbContext db && AuditedEntries(db).Count > 0)
            throw new InvalidOperationException("Save asynchronously: audit events are appended with database round trips.");
        return result;
    }

    private static List<EntityEntry> AuditedEntries(TrialManagerDbContext db) =>
        db.ChangeTracker.Entries()
            .Where(e => e.State is EntityState.Added or EntityState.Modified or EntityState.Deleted && !Infrastructure.Contains(e.Metadata.ClrType))
            .ToList();

    private async Task AppendEventsAsync(TrialManagerDbContext db, CancellationToken ct)
    {
        db.ChangeTracker.DetectChanges();
        // Detected once here; every later look at the tracker in this call would otherwise detect again.
        var autoDetect = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            var entries = AuditedEntries(db);
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
                await AuditAppender.AppendAsync(db, chain.Key, chain.ToList(), ct);
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }
    }

    /// <summary>
    /// An event for one changed entity, not yet placed in its chain; none for an update that changed nothing. An event
    /// that seals a value seals its reason too: the reason given for a change that reveals an allocation (an
    /// unblinding's always explains one) may name the arm.
    /// </summary>
    private AuditEvent? Describe(EntityEntry entry, AuditScope scope, string? role, DateTimeOffset now)
    {
        var type = entry.Metadata.ClrType;
        if (AuditChanges.Write(entry, random) is not { } changes)
            return null;
        var reason = scope.Reason;
        var sealedReason = changes.Sealed.Count > 0 && reason is not null
            ? new AuditSeal.Opening("reason", false, AuditSeal.StringJson(reason), AuditSeal.NewSalt(random))
            : null;
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
            Changes = changes.Changes,
            ActorUserId = scope.UserId,
            ActorRole = role,
            RequestId = scope.RequestId,
            Reason = sealedReason is null ? reason : null,
            ReasonCommitment = sealedReason?.Commitment,
            SealedValues = changes.Sealed.Count > 0 ? AuditSeal.WriteSealedValues(changes.Sealed, sealedReason) : null,
            PreviousHash = AuditChain.Genesis,
            Hash = AuditChain.Genesis,
        };
    }
}

/// <summary>
/// `Audit:Enabled` exists for the benchmark that measures the audit trail's cost; production never turns it off.
/// `Audit:CheckpointCron` (UTC) is when the `audit-checkpoint` job checkpoints every chain that moved.
/// </summary>
public sealed class AuditOptions : ISettings
{
    public bool Enabled { get; set; } = true;
    public string CheckpointCron { get; set; } = "0 * * * *";

    public void Check(SettingsCheck check) => check.Cron(nameof(CheckpointCron), CheckpointCron);
}
