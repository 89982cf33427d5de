using Mediator;
using TrialManager.Api.Features.Audit;
using TrialManager.Data;
using TrialManager.Data.Access;
using TrialManager.Data.Conventions;
using TrialManager.Api.Infrastructure.Http;

namespace TrialManager.Api.Infrastructure.Mediation;

/// <summary>
/// Every command is one database transaction: access checks, validation, the handler's changes and one
/// SaveChanges, committed together or not at all. The audit trail is written by that SaveChanges, in the same
/// transaction, with the actor, role, request id and reason of this scope. Handlers only stage changes; they never
/// save or commit themselves.
/// A transaction that PostgreSQL aborts for a deadlock or a serialisation conflict is run again from the
/// start, a bounded number of times, so that concurrent writers see a conflict only when there is a real one.
/// </summary>
public sealed class UnitOfWorkBehaviour<TMessage, TResponse>(TrialManagerDbContext db, CurrentUser user, TrialCaller caller,
    IHttpContextAccessor http, Faults faults) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IBaseCommand
{
    private const int MaxAttempts = 4;

    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken ct)
    {
        using var audit = AuditScope.Begin(new AuditScope(user.Id, ActingRole, http.HttpContext?.TraceIdentifier,
            (message as IHasReason)?.Reason is { Length: > 0 } reason ? reason : null));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // The command fails or commits as a whole; savepoints around SaveChanges would only add round trips.
                db.Database.AutoSavepointsEnabled = false;
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                var response = await next(message, ct);
                await db.SaveChangesAsync(ct);
                await faults.PauseAsync(Faults.BeforeCommit);
                await transaction.CommitAsync(ct);
                await faults.PauseAsync(Faults.AfterCommit);
                return response;
            }
            catch (Exception e) when (attempt < MaxAttempts && TransientFailures.IsTransient(e))
            {
                db.ChangeTracker.Clear();
                AuditScope.Current!.HeldStrands.Clear();
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), ct);
            }
        }
    }

    /// <summary>The caller's role in the trial of the command, or their system role for commands outside a trial.</summary>
    private string? ActingRole() =>
        caller.Role is { } role ? KebabCaseEnumConverter<TrialRole>.ToWord(role)
        : user.IsSystemAdmin ? CurrentUser.SystemAdminRole
        : null;

}
