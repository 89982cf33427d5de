using Mediator;
using TrialManager.Data;

namespace TrialManager.Api.Infrastructure.Mediation;

/// <summary>
/// Every command is one database transaction: access checks, validation, the handler's changes and one
/// SaveChanges, committed together or not at all. Anything that hooks SaveChanges (the audit trail) writes
/// in the same transaction. Handlers only stage changes; they never save or commit themselves.
/// </summary>
public sealed class UnitOfWorkBehaviour<TMessage, TResponse>(TrialManagerDbContext db)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IBaseCommand
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var response = await next(message, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return response;
    }
}
