using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Data;

namespace TrialManager.Api.Features.Access;

/// <summary>A request about one trial names the permission it needs; the access behaviour enforces it.</summary>
public interface ITrialRequest
{
    Guid TrialId { get; }
    static abstract TrialPermission Permission { get; }
}

/// <summary>
/// Checks every trial request against <see cref="TrialPolicy"/> before validation or the handler run.
/// Writes lock the trial row first (a share lock; an update lock for changes to the trial itself), so that no write
/// slips past a concurrent status change to `locked`.
/// </summary>
public sealed class TrialAccessBehaviour<TMessage, TResponse>(TrialManagerDbContext db, CurrentUser user, TrialCaller caller)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : ITrialRequest, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken ct)
    {
        var userId = user.Id;
        if (TMessage.Permission == TrialPermission.ManageTrial)
            await db.Database.ExecuteSqlAsync($"SELECT 1 FROM trials WHERE id = {message.TrialId} FOR UPDATE", ct);
        else if (TrialPolicy.ChangesTrialData(TMessage.Permission))
            await db.Database.ExecuteSqlAsync($"SELECT 1 FROM trials WHERE id = {message.TrialId} FOR SHARE", ct);

        var standing = await db.Trials.AsNoTracking()
            .Where(t => t.Id == message.TrialId)
            .Select(t => new
            {
                t.Status,
                Membership = db.TrialMemberships.Where(m => m.TrialId == t.Id && m.UserId == userId)
                    .Select(m => new { m.Role, m.SiteIds }).FirstOrDefault(),
            })
            .SingleOrDefaultAsync(ct)
            ?? throw ProblemException.NotFound("trial");

        switch (TrialPolicy.Decide(TMessage.Permission, user.IsSystemAdmin, standing.Membership?.Role, standing.Status))
        {
            case TrialAccess.Hidden:
                throw ProblemException.NotFound("trial");
            case TrialAccess.Forbidden:
                throw ProblemException.Forbidden("Your role in this trial does not allow this.");
            case TrialAccess.Locked:
                throw ProblemException.Conflict("The trial is locked: its data can no longer change.");
        }
        caller.Set(message.TrialId, standing.Membership?.Role, standing.Membership?.SiteIds ?? []);
        return await next(message, ct);
    }
}
