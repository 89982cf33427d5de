using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using TrialManager.Data;
using TrialManager.Data.Access;
using TrialManager.Data.Audit;
using TrialManager.Data.Conventions;
using TrialManager.Api.Infrastructure.Http;

namespace TrialManager.Api.Features.Audit;

/// <summary>
/// Reads of unblinded data (views that show arms, allocations, unblinded extracts and reports) leave an `access`
/// event in the trial's chain: who looked, in which role, at what, and when. A read that cannot be recorded does not
/// happen.
/// </summary>
public sealed class AccessAudit(TrialManagerDbContext db, CurrentUser user, TrialCaller caller, IHttpContextAccessor http, TimeProvider clock)
{
    /// <summary>Records that a view showed the arms of these clusters or participants (nothing when it showed none).</summary>
    public async Task RecordArmsShownAsync(string entityType, IReadOnlyList<Guid> shown, string what, CancellationToken ct)
    {
        if (shown.Count > 0)
            await RecordAsync(caller.TrialId, entityType, shown.Count == 1 ? shown[0] : null, $"{what} with arms ({shown.Count})", ct);
    }

    public Task RecordAsync(Guid trialId, string entityType, Guid? entityId, string what, CancellationToken ct) =>
        AppendAsync(trialId, trialId, entityType, entityId, "viewed", what,
            caller.Role is { } role ? KebabCaseEnumConverter<TrialRole>.ToWord(role) : null, ct);

    /// <summary>
    /// Records a sign-in or sign-out of the web client in the system chain, beside the users and tokens: which token
    /// the session came from, never the token's or the session's secret.
    /// </summary>
    public Task RecordSessionAsync(Guid tokenId, string what, CancellationToken ct) =>
        AppendAsync(AuditChains.System, null, "api-token", tokenId, "session", what,
            user.IsSystemAdmin ? CurrentUser.SystemAdminRole : null, ct);

    private async Task AppendAsync(Guid chainId, Guid? trialId, string entityType, Guid? entityId, string field, string what,
        string? actorRole, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var e = new AuditEvent
        {
            Id = Guid.CreateVersion7(now),
            ChainId = chainId,
            TrialId = trialId,
            OccurredAt = now,
            Action = "access",
            EntityType = entityType,
            EntityId = entityId,
            Changes = JsonSerializer.Serialize(new[] { new { field, old = (string?)null, @new = what } }),
            ActorUserId = user.Id,
            ActorRole = actorRole,
            RequestId = http.HttpContext?.TraceIdentifier,
            PreviousHash = AuditChain.Genesis,
            Hash = AuditChain.Genesis,
        };
        // Inside a command this joins its transaction and audit scope; a read gets its own.
        using var scope = AuditScope.Current is null ? AuditScope.Begin(new AuditScope(e.ActorUserId, () => e.ActorRole, e.RequestId, null)) : null;
        if (db.Database.CurrentTransaction is not null)
        {
            await AuditAppender.AppendAsync(db, chainId, [e], ct);
            await db.SaveChangesAsync(ct);
            return;
        }
        await db.InTransactionAsync(async token =>
        {
            AuditScope.Current!.HeldStrands.Clear();
            await AuditAppender.AppendAsync(db, chainId, [e], token);
            await db.SaveChangesAsync(token);
        }, ct);
    }
}
