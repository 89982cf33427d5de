using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Data;

namespace TrialManager.Api.Features.Access;

/// <summary>
/// Checks an API token secret against the stored hashes (through <see cref="TokenCache"/>) and names its caller: for a
/// bearer request, and for a sign-in to the web client, which exchanges a token for a session.
/// </summary>
public sealed class TokenVerifier(TrialManagerDbContext db, TimeProvider clock, TokenCache cache)
{
    /// <summary>Longer secrets are refused before hashing.</summary>
    public const int MaxLength = 512;

    /// <summary>
    /// Last use is recorded at this granularity, so that reads do not turn into a write per request. It is at least
    /// the cache's freshness, so every recorded use is within this much of the real last use.
    /// </summary>
    private static readonly TimeSpan LastUseResolution = TimeSpan.FromMinutes(1);

    /// <summary>The token's caller, or null when the token is unknown, revoked or expired.</summary>
    public async Task<ClaimsPrincipal?> VerifyAsync(string secret, string scheme, CancellationToken ct)
    {
        if (secret.Length is 0 or > MaxLength)
            return null;
        var hash = Convert.ToHexString(TokenSecret.Hash(secret));
        var now = clock.GetUtcNow();
        if (!cache.TryGet(hash, now, out var token))
        {
            var generation = cache.Generation;
            token = await LookUpAsync(hash, now, ct);
            if (token is null)
                return null;
            cache.Keep(hash, token, generation);
        }
        if (token.ExpiresAt <= now)
            return null;

        return Principal(token.UserId, token.UserName, token.TokenId, token.IsSystemAdmin, scheme);
    }

    /// <summary>Who a verified token speaks for, whichever way it came (bearer header, or a web session made from it).</summary>
    public static ClaimsPrincipal Principal(Guid userId, string userName, Guid tokenId, bool isSystemAdmin, string scheme,
        params IEnumerable<Claim> more)
    {
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, userId.ToString()),
            new(ClaimTypes.Name, userName),
            new(CurrentUser.TokenIdClaim, tokenId.ToString()),
            .. more,
        ];
        if (isSystemAdmin)
            claims.Add(new Claim(ClaimTypes.Role, CurrentUser.SystemAdminRole));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    /// <summary>The token as stored, if valid; its last use is recorded at the same time.</summary>
    private async Task<TokenCache.VerifiedToken?> LookUpAsync(string hash, DateTimeOffset now, CancellationToken ct)
    {
        var secretHash = Convert.FromHexString(hash);
        // Opened here, the connection serves every query of this request and returns to the pool once, at the end.
        await db.Database.OpenConnectionAsync(ct);
        var token = await db.ApiTokens.AsNoTracking()
            .Where(t => t.SecretHash == secretHash && t.RevokedAt == null)
            .Select(t => new { t.Id, t.UserId, t.ExpiresAt, t.LastUsedAt, t.User!.IsSystemAdmin, t.User.UserName })
            .SingleOrDefaultAsync(ct);
        if (token is null || token.ExpiresAt <= now)
            return null;
        if (token.LastUsedAt is null || now - token.LastUsedAt >= LastUseResolution)
            await db.ApiTokens.Where(t => t.Id == token.Id)
                .ExecuteUpdateAsync(set => set.SetProperty(t => t.LastUsedAt, now), ct);
        return new TokenCache.VerifiedToken(token.Id, token.UserId, token.UserName, token.IsSystemAdmin, token.ExpiresAt, now);
    }
}
