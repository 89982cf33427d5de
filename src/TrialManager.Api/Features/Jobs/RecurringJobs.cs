using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Exports;
using TrialManager.Api.Features.Reminders;
using TrialManager.Api.Features.Sessions;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Http;

namespace TrialManager.Api.Features.Jobs;

/// <summary>
/// The recurring jobs, their schedules (from settings) and `POST /jobs/{jobName}/trigger`, with which a system admin
/// runs one now. Hangfire plans each occurrence once across all workers, and a triggered run is one queued job.
/// </summary>
public static class RecurringJobs
{
    public const string FollowUpReminders = "follow-up-reminders";
    public const string AuditCheckpoint = "audit-checkpoint";
    public const string ExportCleanup = "export-cleanup";
    public const string ExportSweep = "export-sweep";
    public const string IdempotencyCleanup = "idempotency-cleanup";
    public const string SessionCleanup = "session-cleanup";

    public static readonly IReadOnlyList<string> Names =
        [FollowUpReminders, AuditCheckpoint, ExportCleanup, ExportSweep, IdempotencyCleanup, SessionCleanup];

    public sealed record Triggered(string JobName, string JobId);

    /// <summary>Creates or updates the schedules (checked at start-up); every host does it, which is idempotent.</summary>
    public static void Register(IServiceProvider services)
    {
        var jobs = services.GetRequiredService<IRecurringJobManager>();
        var utc = new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc };
        var reminders = services.GetRequiredService<ReminderOptions>();
        jobs.AddOrUpdate<FollowUpReminderJob>(FollowUpReminders, job => job.RunAsync(CancellationToken.None),
            reminders.Cron, new RecurringJobOptions { TimeZone = reminders.Zone });
        jobs.AddOrUpdate<AuditCheckpointJob>(AuditCheckpoint, job => job.RunAsync(CancellationToken.None),
            services.GetRequiredService<AuditOptions>().CheckpointCron, utc);
        var exports = services.GetRequiredService<ExportOptions>();
        jobs.AddOrUpdate<ExportCleanupJob>(ExportCleanup, job => job.RunAsync(CancellationToken.None), exports.CleanupCron, utc);
        jobs.AddOrUpdate<ExportSweepJob>(ExportSweep, job => job.RunAsync(CancellationToken.None), exports.SweepCron, utc);
        jobs.AddOrUpdate<IdempotencyCleanupJob>(IdempotencyCleanup, job => job.RunAsync(CancellationToken.None),
            services.GetRequiredService<IdempotencyOptions>().CleanupCron, utc);
        jobs.AddOrUpdate<SessionCleanupJob>(SessionCleanup, job => job.RunAsync(CancellationToken.None),
            services.GetRequiredService<Sessions.SessionOptions>().CleanupCron, utc);
    }

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/jobs/{jobName}/trigger", Trigger)
            .RequireAuthorization(AccessPolicies.SystemAdmin)
            .WithName("TriggerJob")
            .WithSummary("Runs a recurring job now (follow-up-reminders, audit-checkpoint, export-cleanup, export-sweep, idempotency-cleanup, session-cleanup)")
            .SafeToRepeatPost();

    private static Accepted<Triggered> Trigger(string jobName, IRecurringJobManagerV2 jobs)
    {
        if (!Names.Contains(jobName))
            throw ProblemException.NotFound($"recurring job '{jobName}' (the jobs are {string.Join(", ", Names)})");
        var jobId = jobs.TriggerJob(jobName);
        return TypedResults.Accepted((string?)null, new Triggered(jobName, jobId));
    }
}
