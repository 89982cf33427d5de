using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using TrialManager.Api.Infrastructure.Errors;

namespace TrialManager.Api.Infrastructure.Http;

/// <summary>Per-token request budgets (OWASP API4). Settings under `RateLimits`; the benchmark raises them.</summary>
public sealed class RateLimitOptions : ISettings
{
    /// <summary>Requests a token may make in a burst.</summary>
    public int TokenBurst { get; set; } = 600;

    /// <summary>Requests per second a token's budget refills by.</summary>
    public int TokenPerSecond { get; set; } = 100;

    /// <summary>Unauthenticated callers share a smaller budget per client address.</summary>
    public int AnonymousBurst { get; set; } = 60;
    public int AnonymousPerSecond { get; set; } = 10;

    public void Check(SettingsCheck check)
    {
        check.AtLeast(nameof(TokenBurst), TokenBurst, 1);
        check.AtLeast(nameof(TokenPerSecond), TokenPerSecond, 1);
        check.AtLeast(nameof(AnonymousBurst), AnonymousBurst, 1);
        check.AtLeast(nameof(AnonymousPerSecond), AnonymousPerSecond, 1);
    }
}

public static class RateLimitingSetup
{
    public static IServiceCollection AddTrialManagerRateLimits(this IServiceCollection services)
    {
        services.AddSettings<RateLimitOptions>("RateLimits");
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<RateLimitOptions>((options, limits) =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var token = context.User.FindFirstValue(CurrentUser.TokenIdClaim);
                return token is not null
                    ? Bucket("token:" + token, limits.TokenBurst, limits.TokenPerSecond)
                    : Bucket("address:" + context.Connection.RemoteIpAddress, limits.AnonymousBurst, limits.AnonymousPerSecond);
            });
            // The built-in default is 503, which would tell a client the server is down rather than that it should slow down.
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                context.HttpContext.Response.Headers.RetryAfter =
                    Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.TryWriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = ProblemExceptionHandler.TitleFor(StatusCodes.Status429TooManyRequests),
                        Detail = "This token has used its request budget; retry after the number of seconds in Retry-After.",
                    },
                });
            };
        });
        return services;
    }

    private static RateLimitPartition<string> Bucket(string key, int burst, int perSecond) =>
        RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
}
