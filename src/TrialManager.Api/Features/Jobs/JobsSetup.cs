using Hangfire;
using Hangfire.Common;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Exports;
using TrialManager.Api.Features.Reminders;
using TrialManager.Api.Features.Sessions;
using TrialManager.Api.Infrastructure;
using TrialManager.Api.Infrastructure.Http;
using TrialManager.Api.Infrastructure.Telemetry;
using TrialManager.Data;

namespace TrialManager.Api.Features.Jobs;

/// <summary>
/// Hangfire, stored in the service's own PostgreSQL database (schema `hangfire`). Each host gets its own storage
/// and filters rather than Hangfire's static globals, so that several hosts in one process (the tests) do not
/// overwrite each other's settings.
/// </summary>
public static class JobsSetup
{
    public const string Schema = "hangfire";

    public static IServiceCollection AddTrialManagerJobs(this IServiceCollection services, string connectionString,
        HostingMode mode, DatabasePooler pooler)
    {
        services.AddSettings<JobOptions>("Jobs");
        services.AddSingleton<JobStorage>(sp =>
        {
            var jobs = sp.GetRequiredService<JobOptions>();
            var storageOptions = new PostgreSqlStorageOptions
            {
                SchemaName = Schema,
                // Created and upgraded at start-up by DatabaseStartup, as the owning role, not by whichever host starts first.
                PrepareSchemaIfNecessary = false,
                // A fetched job stays invisible to other workers for as long as its worker is alive and renewing it, so a
                // long export is never picked up a second time; the timeout only matters when a worker dies.
                UseSlidingInvisibilityTimeout = true,
                InvisibilityTimeout = TimeSpan.FromSeconds(jobs.InvisibilityTimeoutSeconds),
                // Workers wake on PostgreSQL NOTIFY when a job is queued, and the poll is only a fallback; behind a
                // transaction pooler nothing can LISTEN, so the queues are polled, more often.
                EnableLongPolling = pooler == DatabasePooler.None,
                QueuePollInterval = TimeSpan.FromSeconds(jobs.QueuePollSeconds ?? (pooler == DatabasePooler.None ? 5.0 : 1.0)),
            };
            var storage = new PostgreSqlStorage(
                new NpgsqlConnectionFactory(TrialManagerDatabase.ConnectionSettings(connectionString, pooler).ConnectionString, storageOptions),
                storageOptions);
            return sp.GetRequiredService<TrialManagerMetrics>().ObserveJobs(storage);
        });

        // Every job is retried a bounded number of times, then stays failed with its error (dashboard, export status).
        services.AddSingleton<IJobFilterProvider>(sp =>
        {
            sp.GetRequiredService<IGlobalConfiguration>(); // the retry filter takes its logger from the configured provider
            var jobs = sp.GetRequiredService<JobOptions>();
            var retry = new AutomaticRetryAttribute
            {
                Attempts = jobs.RetryAttempts,
                DelaysInSeconds = jobs.RetryDelays,
                OnAttemptsExceeded = AttemptsExceededAction.Fail,
            };
            var telemetry = new JobTelemetry(sp.GetRequiredService<TrialManagerMetrics>(),
                sp.GetRequiredService<ILogger<JobTelemetry>>(), sp.GetRequiredService<TimeProvider>());
            return new JobFilterProviderCollection(new JobFilterAttributeFilterProvider(), new JobFilterCollection { retry, telemetry });
        });

        services.AddHangfire((sp, hangfire) => hangfire
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new HangfireLogs(sp.GetRequiredService<ILoggerFactory>())));
        if (mode.RunsJobs())
            services.AddHangfireServer((sp, options) =>
            {
                var jobs = sp.GetRequiredService<JobOptions>();
                options.WorkerCount = jobs.WorkerCount;
                options.Queues = jobs.QueueNames;
                options.SchedulePollingInterval = TimeSpan.FromSeconds(jobs.SchedulePollSeconds);
                options.ShutdownTimeout = TimeSpan.FromSeconds(jobs.ShutdownTimeoutSeconds);
            });

        services.AddScoped<AuditCheckpointJob>();
        services.AddScoped<FollowUpReminderJob>();
        services.AddScoped<ExportCleanupJob>();
        services.AddScoped<ExportSweepJob>();
        services.AddScoped<IdempotencyCleanupJob>();
        services.AddScoped<SessionCleanupJob>();
        return services;
    }

    /// <summary>Creates or upgrades Hangfire's schema; with a separate runtime role, lets that role use it.</summary>
    public static async Task InstallSchemaAsync(string connectionString, string? runtimeRole, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        PostgreSqlObjectsInstaller.Install(connection, Schema);
        if (runtimeRole is null)
            return;
        await using var grant = new NpgsqlCommand($"""
            GRANT USAGE ON SCHEMA {Schema} TO {runtimeRole};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {Schema} TO {runtimeRole};
            GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {Schema} TO {runtimeRole};
            """, connection);
        await grant.ExecuteNonQueryAsync(ct);
    }
}
