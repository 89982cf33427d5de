using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Errors;

namespace TrialManager.Api.Features.Sessions;

/// <summary>
/// The API's callers: a bearer token, or the web client's session cookie (<see cref="SessionCookieHandler"/>). A
/// request that carries an Authorization header is judged by it alone; the cookie counts only on API paths, so that
/// other pages (the jobs dashboard) keep their own sign-in.
/// </summary>
public static class WebSessions
{
    public const string CallerScheme = "Caller";
    public const string AntiForgeryHeader = "X-CSRF-Token";

    public static AuthenticationBuilder AddCallerSchemes(this AuthenticationBuilder authentication)
    {
        authentication.Services.AddSettings<SessionOptions>("Sessions");
        return authentication
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, SessionCookieHandler>(SessionCookieHandler.SchemeName, null)
            .AddPolicyScheme(CallerScheme, null, policy => policy.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Count == 0
                && context.Request.Path.StartsWithSegments(ApiEndpoints.Prefix)
                && context.Request.Cookies.ContainsKey(SessionCookieHandler.CookieName)
                    ? SessionCookieHandler.SchemeName
                    : BearerTokenHandler.SchemeName);
    }

    /// <summary>
    /// A browser sends the cookie with any request, also one another site makes it send; it cannot be made to send
    /// this header, whose value only the sign-in's answer held. So a write authenticated by the cookie needs the
    /// header; a bearer token is no ambient credential and needs none. Sign-in is exempt: the token in its body is
    /// the proof, and a stale cookie must not stand in its way.
    /// </summary>
    public static void UseSessionAntiForgery(this WebApplication app) => app.Use(async (context, next) =>
    {
        if (!IsSafe(context.Request.Method)
            && context.User.Identity?.AuthenticationType == SessionCookieHandler.SchemeName
            && context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is null
            && !HoldsAntiForgeryToken(context))
            throw new ProblemException(StatusCodes.Status403Forbidden, "Forbidden",
                $"A write made with the session cookie needs the anti-forgery token of its sign-in in the {AntiForgeryHeader} header.",
                [new Violation(AntiForgeryHeader, "anti-forgery", $"The {AntiForgeryHeader} header is missing or does not match this session.")]);
        await next(context);
    });

    private static bool IsSafe(string method) =>
        HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);

    private static bool HoldsAntiForgeryToken(HttpContext context)
    {
        if (context.Request.Headers[AntiForgeryHeader] is not [{ Length: > 0 and <= SessionSecret.MaxLength } sent]
            || context.User.FindFirst(SessionCookieHandler.AntiForgeryHashClaim)?.Value is not { } expected)
            return false;
        return CryptographicOperations.FixedTimeEquals(TokenSecret.Hash(sent), Convert.FromHexString(expected));
    }
}
