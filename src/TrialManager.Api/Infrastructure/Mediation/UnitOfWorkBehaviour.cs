using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;
using TrialManager.Data.Access;
using TrialManager.Data.Conventions;
using TrialManager.Data.Requests;

namespace TrialManager.Api.Infrastructure.Mediation;

/// <summary>
/// Every command is one database transaction (<see cref="Transactions"/>): access checks, validation, the handler's
/// changes and one SaveChanges, committed together or not at all, and run again from the start on a deadlock or a
/// serialisation conflict. The audit trail is written by that SaveChanges, in the same transaction, with the actor,
/// role, request id and reason of this scope. Handlers only stage changes; they never save or commit themselves.
/// A command sent with an Idempotency-Key stores its result in that same transaction, or finds the result an
/// earlier run with the key stored and answers with it (<see cref="Idempotency"/>).
/// </summary>
public sealed class UnitOfWorkBehaviour<TMessage, TResponse>(TrialManagerDbContext db, CurrentUser user, TrialCaller caller,
    IHttpContextAccessor http, Faults faults, IdempotentRequest idempotency, IOptions<JsonOptions> json, TimeProvider clock)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IBaseCommand
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken ct)
    {
        if (idempotency.Key is not null && message is INotReplayable)
            throw ProblemException.Invalid(Idempotency.Header, "not-replayable",
                "This request's answer is shown once and cannot be stored for a retry: send it without an Idempotency-Key.");
        using var audit = AuditScope.Begin(new AuditScope(user.Id, ActingRole, http.HttpContext?.TraceIdentifier,
            (message as IHasReason)?.Reason is { Length: > 0 } reason ? reason : null));
        // The command fails or commits as a whole; savepoints around SaveChanges would only add round trips.
        db.Database.AutoSavepointsEnabled = false;
        var response = await db.InTransactionAsync(async token =>
        {
            AuditScope.Current!.HeldStrands.Clear();
            if (idempotency.Key is { } key && await StoredResultAsync(key, token) is (true, var stored))
                return stored!;
            var result = await next(message, token);
            if (idempotency.Key is { } used)
                db.IdempotencyRecords.Add(new IdempotencyRecord
                {
                    UserId = idempotency.UserId, Key = used, RequestHash = idempotency.Hash, CreatedAt = clock.GetUtcNow(),
                    Result = JsonSerializer.Serialize(result, ResultJson),
                });
            await db.SaveChangesAsync(token);
            await faults.PauseAsync(Faults.BeforeCommit);
            return result;
        }, ct);
        await faults.PauseAsync(Faults.AfterCommit);
        return response;
    }

    /// <summary>
    /// Holds the key for this transaction (another request with it gets 409 until it ends) and reads what an earlier
    /// run with the key stored: its result, a 422 if that run asked something else, or null to run the command.
    /// </summary>
    private async Task<(bool Found, TResponse? Result)> StoredResultAsync(string key, CancellationToken ct)
    {
        var holds = await db.Database.SqlQuery<bool>(
            $"SELECT pg_try_advisory_xact_lock(hashtextextended({$"idempotency:{idempotency.UserId}:{key}"}, 7)) AS \"Value\"").SingleAsync(ct);
        if (!holds)
            throw ProblemException.Busy("A request with this Idempotency-Key is still running; retry it shortly.", TimeSpan.FromSeconds(1));
        var userId = idempotency.UserId;
        var stored = await db.IdempotencyRecords.AsNoTracking().SingleOrDefaultAsync(r => r.UserId == userId && r.Key == key, ct);
        if (stored is null)
            return (false, default);
        if (!stored.RequestHash.AsSpan().SequenceEqual(idempotency.Hash))
            throw ProblemException.Invalid(Idempotency.Header, "same-request", "This idempotency key was used for another request.");
        idempotency.MarkReplayed();
        return (true, JsonSerializer.Deserialize<TResponse>(stored.Result, ResultJson));
    }

    /// <summary>The app's JSON settings, with fields: some commands answer a tuple (the view and whether it was created).</summary>
    private JsonSerializerOptions ResultJson => _resultJson ??= new JsonSerializerOptions(json.Value.SerializerOptions) { IncludeFields = true };

    private static JsonSerializerOptions? _resultJson;

    /// <summary>The caller's role in the trial of the command, or their system role for commands outside a trial.</summary>
    private string? ActingRole() =>
        caller.Role is { } role ? KebabCaseEnumConverter<TrialRole>.ToWord(role)
        : user.IsSystemAdmin ? CurrentUser.SystemAdminRole
        : null;
}
