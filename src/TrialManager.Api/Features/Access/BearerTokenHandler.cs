using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;

namespace TrialManager.Api.Features.Access;

/// <summary>
/// Authenticates `Authorization: Bearer &lt;token&gt;` (<see cref="TokenVerifier"/>). Revoked and expired tokens fail
/// alike, and the answer never says which of the two it was.
/// </summary>
internal sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TokenVerifier tokens,
    IProblemDetailsService problems)
    : ProblemAuthenticationHandler(options, logger, encoder, problems)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();
        var secret = header["Bearer ".Length..].Trim();
        if (secret.Length is 0 or > TokenVerifier.MaxLength)
            return AuthenticateResult.Fail("Malformed bearer token.");
        var principal = await tokens.VerifyAsync(secret, SchemeName, Context.RequestAborted);
        return principal is null
            ? AuthenticateResult.Fail("Invalid, revoked or expired token.")
            : AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override string ChallengeDetail => "A valid bearer token is required (Authorization: Bearer <token>).";

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return base.HandleChallengeAsync(properties);
    }
}
