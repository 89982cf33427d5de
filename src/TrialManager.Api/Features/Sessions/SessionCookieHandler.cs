using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;

namespace TrialManager.Api.Features.Sessions;

/// <summary>
/// Authenticates the web client's session cookie as the API token it was exchanged for: the same user, token id
/// (so the same rate-limit budget) and system role, so that every rule downstream treats it as that token. The
/// session is looked up on every request, not cached: sign-out and token revocation end it at once on every instance,
/// whatever the pooler.
/// </summary>
internal sealed class SessionCookieHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TrialManagerDbContext db,
    TimeProvider clock,
    SessionOptions sessions,
    IProblemDetailsService problems)
    : ProblemAuthenticationHandler(options, logger, encoder, problems)
{
    public const string SchemeName = "WebSession";
    public const string CookieName = "tm_session";
    public const string SessionIdClaim = "session_id";
    public const string AntiForgeryHashClaim = "anti_forgery_hash";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Cookies.TryGetValue(CookieName, out var secret) || secret.Length == 0)
            return AuthenticateResult.NoResult();
        if (secret.Length > SessionSecret.MaxLength)
            return AuthenticateResult.Fail("Malformed session cookie.");

        var hash = TokenSecret.Hash(secret);
        var now = clock.GetUtcNow();
        var idleSince = now - sessions.Idle;
        // Opened here, the connection serves every query of this request and returns to the pool once, at the end.
        await db.Database.OpenConnectionAsync(Context.RequestAborted);
        var session = await db.WebSessions.AsNoTracking()
            .Where(s => s.SecretHash == hash && s.RevokedAt == null && s.ExpiresAt > now && s.LastSeenAt > idleSince
                && s.Token!.RevokedAt == null && (s.Token.ExpiresAt == null || s.Token.ExpiresAt > now))
            .Select(s => new { s.Id, s.UserId, s.TokenId, s.LastSeenAt, s.AntiForgeryHash, s.User!.UserName, s.User.IsSystemAdmin })
            .SingleOrDefaultAsync(Context.RequestAborted);
        if (session is null)
            return AuthenticateResult.Fail("Invalid, signed out or expired session.");
        if (now - session.LastSeenAt >= sessions.LastSeenResolution)
            await db.WebSessions.Where(s => s.Id == session.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(s => s.LastSeenAt, now), Context.RequestAborted);

        var principal = TokenVerifier.Principal(session.UserId, session.UserName, session.TokenId, session.IsSystemAdmin, SchemeName,
            new Claim(SessionIdClaim, session.Id.ToString()), new Claim(AntiForgeryHashClaim, Convert.ToHexString(session.AntiForgeryHash)));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    /// <summary>The session cookie's settings: Secure except over plain http on loopback, where a browser would not send it back.</summary>
    public static CookieOptions Cookie(HttpContext context, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps || context.Connection.RemoteIpAddress is not { } address || !IPAddress.IsLoopback(address),
        Path = "/",
        Expires = expires,
    };

    /// <summary>Tells the browser to drop the cookie.</summary>
    public static void Expire(HttpContext context) =>
        context.Response.Cookies.Append(CookieName, "", Cookie(context, DateTimeOffset.UnixEpoch));

    protected override string ChallengeDetail => "The session has ended (signed out, expired or its token revoked); sign in again.";

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Expire(Context);
        return base.HandleChallengeAsync(properties);
    }
}
