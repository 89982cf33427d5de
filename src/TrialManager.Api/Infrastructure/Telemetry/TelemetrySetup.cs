using System.Diagnostics;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace TrialManager.Api.Infrastructure.Telemetry;

/// <summary>
/// Traces, metrics and logs over OTLP once `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and only then: without a collector
/// nothing is recorded, so the service pays nothing for it. The other standard `OTEL_*` settings (service name,
/// resource attributes, protocol, headers, sampler) are read by the OpenTelemetry SDK itself.
/// </summary>
public static class TelemetrySetup
{
    public const string EndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The service's own spans (job runs); requests and database calls come from the instrumentations.</summary>
    public static readonly ActivitySource Source = new(TrialManagerMetrics.MeterName);

    /// <summary>
    /// ASP.NET Core's "Request starting" and "Request finished" lines write the raw query string, and the dashboard's
    /// `?access_token=` travels there: they stay off below Warning whatever the configured levels (per provider too).
    /// The request's span says the same with no query.
    /// </summary>
    private const string HostingRequestLines = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static WebApplicationBuilder AddTrialManagerTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<TrialManagerMetrics>();
        builder.Services.PostConfigure<LoggerFilterOptions>(options =>
        {
            foreach (var provider in options.Rules.Select(r => r.ProviderName).Append(null).Distinct().ToList())
                options.Rules.Add(new LoggerFilterRule(provider, HostingRequestLines, LogLevel.Warning, null));
        });
        if (string.IsNullOrWhiteSpace(builder.Configuration[EndpointSetting]))
            return builder;

        builder.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddSource(Source.Name)
                .AddAspNetCoreInstrumentation(aspNet =>
                {
                    // Probes call these every few seconds on every replica: noise, not traffic.
                    aspNet.Filter = context => !context.Request.Path.StartsWithSegments("/health");
                    // Redacted by default, but an operator can turn that off; the dashboard's token must never be in a span.
                    aspNet.EnrichWithHttpRequest = (activity, _) => activity.SetTag("url.query", null);
                })
                .AddHttpClientInstrumentation()
                // Npgsql's spans carry the SQL text, never parameter values.
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter(TrialManagerMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsqlInstrumentation())
            .UseOtlpExporter();
        // Log records sent over OTLP carry the request and trial scopes too.
        builder.Services.Configure<OpenTelemetryLoggerOptions>(logs => logs.IncludeScopes = true);
        return builder;
    }
}
