using System.Diagnostics;
using Hangfire.Server;
using TrialManager.Api.Infrastructure.Telemetry;

namespace TrialManager.Api.Features.Jobs;

/// <summary>
/// Each run of a background job as a span (no Hangfire instrumentation is served here), a log scope and a measurement:
/// the job's name (its recurring id, or its class), the attempt and the outcome. Never its arguments: they are ids
/// today, but nothing stops a job from taking something that must not leave the database.
/// </summary>
internal sealed class JobTelemetry(TrialManagerMetrics metrics, ILogger<JobTelemetry> logger, TimeProvider clock) : IServerFilter
{
    private const string RunKey = "trialmanager.run";

    public void OnPerforming(PerformingContext context)
    {
        var job = context.GetJobParameter<string>("RecurringJobId") ?? context.BackgroundJob.Job.Type.Name;
        var attempt = context.GetJobParameter<int>("RetryCount") + 1;
        // Started here and stopped in OnPerformed: Hangfire calls both, and the job between, on one thread, so the
        // job's own database spans are its children.
        var activity = TelemetrySetup.Source.StartActivity($"job {job}");
        activity?.SetTag("job.name", job);
        activity?.SetTag("job.id", context.BackgroundJob.Id);
        activity?.SetTag("job.attempt", attempt);
        var scope = logger.BeginScope(new Dictionary<string, object> { ["Job"] = job, ["JobId"] = context.BackgroundJob.Id, ["Attempt"] = attempt });
        context.Items[RunKey] = new Run(job, activity, scope, clock.GetTimestamp());
    }

    public void OnPerformed(PerformedContext context)
    {
        if (!context.Items.TryGetValue(RunKey, out var item) || item is not Run run)
            return;
        // Hangfire wraps what the job threw.
        var exception = context.Exception is JobPerformanceException { InnerException: { } thrown } ? thrown : context.Exception;
        var outcome = exception switch
        {
            null => "succeeded",
            OperationCanceledException => "cancelled",
            _ => "failed",
        };
        if (run.Activity is { } activity)
        {
            activity.SetTag("job.outcome", outcome);
            if (exception is { } failure)
            {
                // The type says what went wrong; the message may quote data.
                activity.SetTag("error.type", failure.GetType().FullName);
                activity.SetStatus(ActivityStatusCode.Error);
            }
            activity.Dispose();
        }
        run.Scope?.Dispose();
        metrics.JobRan(run.Job, outcome, clock.GetElapsedTime(run.Started));
    }

    private sealed record Run(string Job, Activity? Activity, IDisposable? Scope, long Started);
}
