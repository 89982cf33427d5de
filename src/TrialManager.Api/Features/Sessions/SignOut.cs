using System.Security.Claims;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;

namespace TrialManager.Api.Features.Sessions;

/// <summary>`DELETE /sessions/current`: ends the caller's web session for good and drops its cookie.</summary>
public static class SignOut
{
    public sealed record Command(Guid? SessionId) : ICommand;

    public sealed class Handler(TrialManagerDbContext db, TimeProvider clock, AccessAudit audit) : ICommandHandler<Command>
    {
        public async ValueTask<Unit> Handle(Command command, CancellationToken ct)
        {
            var session = await db.WebSessions.SingleOrDefaultAsync(s => s.Id == command.SessionId, ct)
                ?? throw ProblemException.NotFound("web session (this request was not made with a session cookie)");
            session.RevokedAt ??= clock.GetUtcNow();
            await audit.RecordSessionAsync(session.TokenId, "signed out of the web client", ct);
            return Unit.Value;
        }
    }

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapDelete("/sessions/current", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
            {
                var sessionId = Guid.TryParse(http.User.FindFirstValue(SessionCookieHandler.SessionIdClaim), out var id) ? id : (Guid?)null;
                await mediator.Send(new Command(sessionId), ct);
                SessionCookieHandler.Expire(http);
                return TypedResults.NoContent();
            })
            .WithName("SignOut")
            .WithSummary("Sign out of the web session this request was made with (its cookie and X-CSRF-Token)")
            .ProducesErrors(403, 404);
}
