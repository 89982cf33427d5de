using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using TrialManager.Api.Features.Access;
using TrialManager.Api.Features.Audit;
using TrialManager.Api.Features.Exports;
using TrialManager.Api.Features.Reminders;
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

    public static readonly IReadOnlyList<string> Names = [FollowUpReminders, AuditCheckpoint, ExportCleanup, ExportSweep, IdempotencyCleanup];

    public sealed record Triggered(string JobName, string JobId);

    /// <summary>Creates or updates the schedules; every host does it at start-up, which is idempotent.</summary>
    public static void Register(IServiceProvider services, IConfiguration configuration)
    {
        var jobs = services.GetRequiredService<IRecurringJobManager>();
        var reminders = new RecurringJobOptions
        {
            TimeZone = TimeZoneInfo.FindSystemTimeZoneById(configuration["Reminders:TimeZone"] ?? "Europe/London"),
        };
        jobs.AddOrUpdate<FollowUpReminderJob>(FollowUpReminders, job => job.RunAsync(CancellationToken.None),
            configuration["Reminders:Cron"] ?? "0 7 * * *", reminders);
        jobs.AddOrUpdate<AuditCheckpointJob>(AuditCheckpoint, job => job.RunAsync(CancellationToken.None),
            configuration["Audit:CheckpointCron"] ?? Cron.Hourly(), new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        jobs.AddOrUpdate<ExportCleanupJob>(ExportCleanup, job => job.RunAsync(CancellationToken.None),
            configuration["Exports:CleanupCron"] ?? "30 3 * * *", new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        jobs.AddOrUpdate<ExportSweepJob>(ExportSweep, job => job.RunAsync(CancellationToken.None),
            configuration["Exports:SweepCron"] ?? Cron.Minutely(), new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        jobs.AddOrUpdate<IdempotencyCleanupJob>(IdempotencyCleanup, job => job.RunAsync(CancellationToken.None),
            configuration["Idempotency:CleanupCron"] ?? "45 * * * *", new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
    }

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/jobs/{jobName}/trigger", Trigger)
            .RequireAuthorization(AccessPolicies.SystemAdmin)
            .WithName("TriggerJob")
            .WithSummary("Runs a recurring job now (follow-up-reminders, audit-checkpoint, export-cleanup, export-sweep, idempotency-cleanup)")
            .SafeToRepeatPost();

    private static Accepted<Triggered> Trigger(string jobName, IRecurringJobManagerV2 jobs)
    {
        if (!Names.Contains(jobName))
            throw ProblemException.NotFound($"recurring job '{jobName}' (the jobs are {string.Join(", ", Names)})");
        var jobId = jobs.TriggerJob(jobName);
        return TypedResults.Accepted((string?)null, new Triggered(jobName, jobId));
    }
}
