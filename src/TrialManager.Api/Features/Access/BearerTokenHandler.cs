using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Data;
using TrialManager.Api.Infrastructure.Http;

namespace TrialManager.Api.Features.Access;

/// <summary>
/// Authenticates `Authorization: Bearer &lt;token&gt;` against the stored token hashes (through <see cref="TokenCache"/>).
/// Revoked and expired tokens fail alike, and the answer never says which of the two it was.
/// </summary>
internal sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TrialManagerDbContext db,
    TimeProvider clock,
    TokenCache cache,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    /// <summary>
    /// Last use is recorded at this granularity, so that reads do not turn into a write per request. It is at least
    /// the cache's freshness, so every recorded use is within this much of the real last use.
    /// </summary>
    private static readonly TimeSpan LastUseResolution = TimeSpan.FromMinutes(1);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();
        var secret = header["Bearer ".Length..].Trim();
        if (secret.Length is 0 or > 512)
            return AuthenticateResult.Fail("Malformed bearer token.");

        var hash = Convert.ToHexString(TokenSecret.Hash(secret));
        var now = clock.GetUtcNow();
        if (!cache.TryGet(hash, now, out var token))
        {
            var generation = cache.Generation;
            token = await LookUpAsync(hash, now);
            if (token is null)
                return AuthenticateResult.Fail("Invalid, revoked or expired token.");
            cache.Keep(hash, token, generation);
        }
        if (token.ExpiresAt <= now)
            return AuthenticateResult.Fail("Invalid, revoked or expired token.");

        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, token.UserId.ToString()),
            new(ClaimTypes.Name, token.UserName),
            new(CurrentUser.TokenIdClaim, token.TokenId.ToString()),
        ];
        if (token.IsSystemAdmin)
            claims.Add(new Claim(ClaimTypes.Role, CurrentUser.SystemAdminRole));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    /// <summary>The token as stored, if valid; its last use is recorded at the same time.</summary>
    private async Task<TokenCache.VerifiedToken?> LookUpAsync(string hash, DateTimeOffset now)
    {
        var secretHash = Convert.FromHexString(hash);
        // Opened here, the connection serves every query of this request and returns to the pool once, at the end.
        await db.Database.OpenConnectionAsync(Context.RequestAborted);
        var token = await db.ApiTokens.AsNoTracking()
            .Where(t => t.SecretHash == secretHash && t.RevokedAt == null)
            .Select(t => new { t.Id, t.UserId, t.ExpiresAt, t.LastUsedAt, t.User!.IsSystemAdmin, t.User.UserName })
            .SingleOrDefaultAsync(Context.RequestAborted);
        if (token is null || token.ExpiresAt <= now)
            return null;
        if (token.LastUsedAt is null || now - token.LastUsedAt >= LastUseResolution)
            await db.ApiTokens.Where(t => t.Id == token.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(t => t.LastUsedAt, now), Context.RequestAborted);
        return new TokenCache.VerifiedToken(token.Id, token.UserId, token.UserName, token.IsSystemAdmin, token.ExpiresAt, now);
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return WriteProblem(StatusCodes.Status401Unauthorized, "A valid bearer token is required (Authorization: Bearer <token>).");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return WriteProblem(StatusCodes.Status403Forbidden, "Your role does not allow this.");
    }

    private async Task WriteProblem(int status, string detail) =>
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = status, Title = ProblemExceptionHandler.TitleFor(status), Detail = detail },
        });
}
