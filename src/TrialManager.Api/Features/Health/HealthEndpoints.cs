using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace TrialManager.Api.Features.Health;

public static class HealthEndpoints
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddTrialManagerHealth(this IServiceCollection services)
    {
        // Readiness also waits for the start-up steps; a host that runs none of them (a test's) is not ready either.
        services.TryAddSingleton<TrialManager.Api.Infrastructure.StartupSteps>();
        services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: [ReadyTag]);
        return services;
    }

    /// <summary>Liveness runs no checks (the process answers); readiness checks the database. Both are anonymous.</summary>
    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = Write })
            .WithMetadata(new HttpMethodMetadata(["GET", "HEAD"])).AllowAnonymous().DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = Write })
            .WithMetadata(new HttpMethodMetadata(["GET", "HEAD"])).AllowAnonymous().DisableRateLimiting();
    }

    private static Task Write(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString().ToLowerInvariant(), e.Value.Description }),
        }, JsonSerializerOptions.Web));
    }
}
