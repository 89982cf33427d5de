using System.Security.Cryptography;
using Mediator;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Api.Infrastructure.Mediation;
using TrialManager.Data;
using TrialManager.Data.Access;

namespace TrialManager.Api.Features.Sessions;

/// <summary>
/// `POST /sessions`: a person exchanges their API token for a web session: an HttpOnly, SameSite=Strict cookie and an
/// anti-forgery token, which the client keeps in memory and sends as `X-CSRF-Token` with every write. The token is
/// checked exactly as a bearer token is (a wrong one records nothing, as a failed bearer request does).
/// </summary>
public static class SignIn
{
    public sealed record Body(string? Token);

    public sealed record SessionView(Guid UserId, string UserName, string DisplayName, string? SystemRole, string AntiForgeryToken,
        DateTimeOffset ExpiresAt, double IdleMinutes);

    public sealed record Command : ICommand<Started>, INotReplayable;

    /// <summary>The cookie's secret goes into the cookie only, never into the body.</summary>
    public sealed record Started(string Secret, SessionView Session);

    public sealed class Handler(TrialManagerDbContext db, TimeProvider clock, RandomNumberGenerator random, CurrentUser caller,
        SessionOptions sessions, AccessAudit audit) : ICommandHandler<Command, Started>
    {
        public async ValueTask<Started> Handle(Command command, CancellationToken ct)
        {
            var now = clock.GetUtcNow();
            var tokenId = caller.TokenId ?? throw new InvalidOperationException("A session is made from an API token.");
            var token = await db.ApiTokens.AsNoTracking().Where(t => t.Id == tokenId)
                .Select(t => new { t.ExpiresAt, t.UserId, t.User!.UserName, t.User.DisplayName, t.User.IsSystemAdmin })
                .SingleAsync(ct);
            var secret = SessionSecret.Generate(random);
            var antiForgery = SessionSecret.Generate(random);
            var expires = now + sessions.Max;
            // A session never outlives its token.
            if (token.ExpiresAt < expires)
                expires = token.ExpiresAt.Value;
            db.WebSessions.Add(new WebSession
            {
                Id = Guid.CreateVersion7(now), UserId = token.UserId, TokenId = tokenId, SecretHash = TokenSecret.Hash(secret),
                AntiForgeryHash = TokenSecret.Hash(antiForgery), CreatedAt = now, LastSeenAt = now, ExpiresAt = expires,
            });
            await audit.RecordSessionAsync(tokenId, "signed in to the web client", ct);
            return new Started(secret, new SessionView(token.UserId, token.UserName, token.DisplayName,
                token.IsSystemAdmin ? SystemRoles.Admin : null, antiForgery, expires, sessions.IdleMinutes));
        }
    }

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/sessions", async (Body body, HttpContext http, TokenVerifier tokens, IMediator mediator, CancellationToken ct) =>
            {
                if (body.Token is not { Length: > 0 } token)
                    throw ProblemException.Invalid("token", "required", "'token' is required: your personal API token.");
                if (await tokens.VerifyAsync(token, BearerTokenHandler.SchemeName, ct) is not { } principal)
                    throw new ProblemException(StatusCodes.Status401Unauthorized, ProblemExceptionHandler.TitleFor(StatusCodes.Status401Unauthorized),
                        "The token is invalid, revoked or expired.",
                        [new Violation("token", "valid-token", "'token' is not a valid, unrevoked and unexpired API token.")]);
                // The rest of the request (audit attribution, the unit of work) acts as the token's user.
                http.User = principal;
                var started = await mediator.Send(new Command(), ct);
                http.Response.Cookies.Append(SessionCookieHandler.CookieName, started.Secret,
                    SessionCookieHandler.Cookie(http, started.Session.ExpiresAt));
                return TypedResults.Created($"{ApiEndpoints.Prefix}/sessions/current", started.Session);
            })
            .AllowAnonymous()
            .WithName("SignIn")
            .WithSummary("Exchange an API token for a web session: an HttpOnly session cookie and the anti-forgery token its writes must send as X-CSRF-Token")
            .ProducesErrors(400, 401, 413, 415, 422);
}
