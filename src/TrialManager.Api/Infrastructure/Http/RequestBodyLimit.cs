using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace TrialManager.Api.Infrastructure.Http;

/// <summary>`Limits:MaxRequestBodyBytes` (1 MiB): Kestrel answers 413 to a larger body before any handler reads it.</summary>
public sealed class RequestBodyLimitOptions : ISettings
{
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    public void Check(SettingsCheck check) => check.AtLeast(nameof(MaxRequestBodyBytes), MaxRequestBodyBytes, 1);
}

public static class RequestBodyLimit
{
    public static IServiceCollection AddRequestBodyLimit(this IServiceCollection services)
    {
        services.AddSettings<RequestBodyLimitOptions>("Limits");
        services.AddOptions<KestrelServerOptions>()
            .Configure<RequestBodyLimitOptions>((kestrel, limit) => kestrel.Limits.MaxRequestBodySize = limit.MaxRequestBodyBytes);
        return services;
    }
}
