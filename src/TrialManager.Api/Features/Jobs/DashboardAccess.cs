using System.Security.Claims;
using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Http;

namespace TrialManager.Api.Features.Jobs;

/// <summary>
/// The Hangfire dashboard at `/hangfire`, for system admins only. It accepts the API's bearer tokens; a browser,
/// which cannot send a header, opens `/hangfire?access_token=...` once and gets a short-lived HttpOnly cookie for
/// the dashboard's path instead (the token leaves the address bar by a redirect).
/// </summary>
public static class DashboardAccess
{
    public const string Path = "/hangfire";
    public const string CookieScheme = "HangfireDashboard";
    private const string TokenParameter = "access_token";

    public static AuthenticationBuilder AddDashboardCookie(this AuthenticationBuilder authentication)
    {
        authentication.Services.AddOptions<CookieAuthenticationOptions>(CookieScheme)
            .Configure<JobOptions>((cookie, jobs) => cookie.ExpireTimeSpan = TimeSpan.FromMinutes(jobs.DashboardCookieMinutes));
        return authentication.AddCookie(CookieScheme, cookie =>
        {
            cookie.Cookie.Name = "tm_dashboard";
            cookie.Cookie.Path = Path;
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.SlidingExpiration = false;
            // The dashboard answers 401/403 itself; no login page to redirect to.
            cookie.Events.OnRedirectToLogin = context =>
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            };
        });
    }

    /// <summary>Before authentication: the token from the query string is authenticated as the request's bearer token.</summary>
    public static void UseDashboardTokenExchange(this WebApplication app) =>
        app.UseWhen(context => context.Request.Path.StartsWithSegments(Path), branch => branch.Use(ExchangeTokenForCookie));

    public static void MapDashboard(this WebApplication app)
    {
        app.UseHangfireDashboard(Path, new DashboardOptions
        {
            Authorization = [],
            AsyncAuthorization = [new AdminOnly()],
            DashboardTitle = "TrialManager jobs",
            DisplayStorageConnectionString = false,
        });
    }

    /// <summary>`?access_token=` with a system admin's token: a dashboard cookie and a redirect to the same page without it.</summary>
    private static async Task ExchangeTokenForCookie(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Query[TokenParameter] is not [{ Length: > 0 } token])
        {
            await next(context);
            return;
        }
        context.Request.Headers.Authorization = $"Bearer {token}";
        var result = await context.AuthenticateAsync(BearerTokenHandler.SchemeName);
        if (!result.Succeeded)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }
        if (!result.Principal.IsInRole(CurrentUser.SystemAdminRole))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }
        var identity = new ClaimsIdentity(result.Principal.Claims, CookieScheme);
        await context.SignInAsync(CookieScheme, new ClaimsPrincipal(identity));
        var query = QueryString.Create(context.Request.Query.Where(q => q.Key != TokenParameter));
        context.Response.Redirect(context.Request.PathBase + context.Request.Path + query);
    }

    /// <summary>Lets in a system admin, by bearer token or by dashboard cookie; Hangfire answers 401 or 403 otherwise.</summary>
    private sealed class AdminOnly : IDashboardAsyncAuthorizationFilter
    {
        public async Task<bool> AuthorizeAsync(DashboardContext dashboard)
        {
            var context = dashboard.GetHttpContext();
            if (context.User.Identity?.IsAuthenticated != true
                && await context.AuthenticateAsync(CookieScheme) is { Succeeded: true } cookie)
                context.User = cookie.Principal;
            return context.User.IsInRole(CurrentUser.SystemAdminRole);
        }
    }
}
