using System.Data.Common;
using Mediator;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Data;
using TrialManager.Data.Access;
using TrialManager.Data.Conventions;
using TrialManager.Data.Trials;
using TrialManager.Api.Infrastructure.Http;

namespace TrialManager.Api.Features.Access;

/// <summary>A request about one trial names the permission it needs; the access behaviour enforces it.</summary>
public interface ITrialRequest
{
    Guid TrialId { get; }
    static abstract TrialPermission Permission { get; }
}

/// <summary>
/// Work a trial write does in the round trip of its access check, after the trial row is locked. The audit trail
/// leases a strand of the trial's chain this way (Audit/StrandLease), so that saving its events needs no round trip
/// of its own.
/// </summary>
public interface ITrialWriteCompanion
{
    /// <summary>SQL run after the access check's own, with the trial's id as @trial; null when there is nothing to do.</summary>
    string? Sql { get; }

    /// <summary>Reads what <see cref="Sql"/> answered (the reader is on its result set).</summary>
    Task ReadAsync(DbDataReader reader, Guid trialId, CancellationToken ct);
}

/// <summary>
/// Checks every trial request against <see cref="TrialPolicy"/> before validation or the handler run, with one
/// query for the trial's status and the caller's membership. Writes lock the trial row as they read it: a key-share
/// lock (the lock a foreign key check takes anyway), or an update lock for a change to the trial itself and for
/// allocations (one at a time per trial), so that no write slips past a concurrent status change to `locked`.
/// </summary>
public sealed class TrialAccessBehaviour<TMessage, TResponse>(TrialManagerDbContext db, CurrentUser user, TrialCaller caller,
    IEnumerable<ITrialWriteCompanion> companions)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : ITrialRequest, IMessage
{
    private const string Standing = """
        SELECT t.status, m.role, m.site_ids
        FROM trials t LEFT JOIN trial_memberships m ON m.trial_id = t.id AND m.user_id = @user
        WHERE t.id = @trial
        """;

    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken ct)
    {
        // Locks come in one order, trial row first, then whatever a companion locks, so that no two requests wait for each other.
        var lockClause = TrialPolicy.LocksTrial(TMessage.Permission) ? " FOR UPDATE OF t"
            : TrialPolicy.ChangesTrialData(TMessage.Permission) ? " FOR KEY SHARE OF t"
            : "";
        var joining = TrialPolicy.ChangesTrialData(TMessage.Permission)
            ? companions.Where(c => c.Sql is not null).ToList()
            : [];
        var sql = string.Join(";\n", joining.Select(c => c.Sql).Prepend(Standing + lockClause));
        var (status, role, siteIds) = await ReadStandingAsync(message.TrialId, sql, joining, ct)
            ?? throw ProblemException.NotFound("trial");

        switch (TrialPolicy.Decide(TMessage.Permission, user.IsSystemAdmin, role, status))
        {
            case TrialAccess.Hidden:
                throw ProblemException.NotFound("trial");
            case TrialAccess.Forbidden:
                throw ProblemException.Forbidden("Your role in this trial does not allow this.");
            case TrialAccess.Locked:
                throw ProblemException.Conflict("The trial is locked: its data can no longer change.");
        }
        caller.Set(message.TrialId, role, siteIds, allSites: role is not { } r || !TrialPolicy.IsSiteScoped(r));
        return await next(message, ct);
    }

    private async Task<(TrialStatus Status, TrialRole? Role, Guid[] SiteIds)?> ReadStandingAsync(Guid trialId, string sql,
        IReadOnlyList<ITrialWriteCompanion> joining, CancellationToken ct)
    {
        await using var command = await db.CommandAsync(sql, ct, ("trial", trialId), ("user", user.Id));
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        var standing = (KebabCaseEnumConverter<TrialStatus>.FromWord(reader.GetString(0)),
            reader.IsDBNull(1) ? (TrialRole?)null : KebabCaseEnumConverter<TrialRole>.FromWord(reader.GetString(1)),
            reader.IsDBNull(2) ? [] : reader.GetFieldValue<Guid[]>(2));
        foreach (var companion in joining)
        {
            await reader.NextResultAsync(ct);
            await companion.ReadAsync(reader, trialId, ct);
        }
        return standing;
    }
}
