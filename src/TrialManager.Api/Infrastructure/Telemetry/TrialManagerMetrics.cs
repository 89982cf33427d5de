using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Hangfire;
using Npgsql;

namespace TrialManager.Api.Infrastructure.Telemetry;

/// <summary>
/// Every instrument of the `TrialManager` meter. Features record through it; it knows no feature. No tag ever holds
/// an arm, a participant's answer, a token or a person: only words from fixed vocabularies (job names, outcomes,
/// statuses, formats), so that a metric can be shown to anyone who runs the service.
/// Requests (count, duration, status) come from the ASP.NET Core instrumentation, database calls from Npgsql's.
/// </summary>
public sealed class TrialManagerMetrics
{
    public const string MeterName = "TrialManager";

    private readonly Counter<long> _assessmentSaves;
    private readonly Counter<long> _allocations;
    private readonly Counter<long> _jobRuns;
    private readonly Histogram<double> _jobDuration;
    private readonly Histogram<long> _exportBytes;
    private readonly Histogram<long> _exportRows;
    private RateLimiter? _writes;
    private JobStorage? _jobs;

    public TrialManagerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _assessmentSaves = meter.CreateCounter<long>("trialmanager.assessment.saves", "{save}",
            "Assessments saved (tags: outcome created|updated, status draft|complete)");
        _allocations = meter.CreateCounter<long>("trialmanager.allocations", "{cluster}", "Clusters allocated to an arm");
        _jobRuns = meter.CreateCounter<long>("trialmanager.job.runs", "{run}", "Background job runs (tags: job, outcome)");
        _jobDuration = meter.CreateHistogram<double>("trialmanager.job.duration", "s", "How long a background job run took (tags: job, outcome)");
        _exportBytes = meter.CreateHistogram<long>("trialmanager.export.size", "By", "Size of each export file written (tag: format)");
        _exportRows = meter.CreateHistogram<long>("trialmanager.export.rows", "{row}", "Rows of each export written, all its files together (tag: format)");
        meter.CreateObservableGauge("trialmanager.write.queue", () => _writes?.GetStatistics()?.CurrentQueuedCount ?? 0, "{request}",
            "Writes waiting for their turn in this process (Limits:QueuedWrites at most)");
        meter.CreateObservableGauge("trialmanager.job.queue", () => _jobs is { } jobs ? JobCounts(jobs) : [], "{job}",
            "Background jobs by state (enqueued, scheduled, processing, failed), in the database all workers share");
    }

    /// <summary>Called once the save is committed.</summary>
    public void AssessmentSaved(bool created, string status) =>
        _assessmentSaves.Add(1, new("outcome", created ? "created" : "updated"), new("status", status));

    /// <summary>Called once the allocation is committed; never with the arm.</summary>
    public void Allocated(int clusters) => _allocations.Add(clusters);

    public void JobRan(string job, string outcome, TimeSpan took)
    {
        KeyValuePair<string, object?>[] tags = [new("job", job), new("outcome", outcome)];
        _jobRuns.Add(1, tags);
        _jobDuration.Record(took.TotalSeconds, tags);
    }

    public void ExportWritten(string format, long bytes, long rows)
    {
        _exportBytes.Record(bytes, new KeyValuePair<string, object?>("format", format));
        _exportRows.Record(rows, new KeyValuePair<string, object?>("format", format));
    }

    /// <summary>The write admission's limiter, observed for the queue gauge; returned for a field initialiser.</summary>
    public T ObserveWrites<T>(T limiter) where T : RateLimiter
    {
        _writes = limiter;
        return limiter;
    }

    /// <summary>The job storage, observed for the job gauge as it is registered.</summary>
    public JobStorage ObserveJobs(JobStorage storage)
    {
        _jobs = storage;
        return storage;
    }

    /// <summary>
    /// Counted only when a metrics exporter asks (once a minute by default): one statistics query, which answers
    /// nothing while the database is away rather than failing the export of every other metric.
    /// </summary>
    private static IEnumerable<Measurement<long>> JobCounts(JobStorage jobs)
    {
        Hangfire.Storage.Monitoring.StatisticsDto counts;
        try
        {
            counts = jobs.GetMonitoringApi().GetStatistics();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return [];
        }
        return
        [
            new(counts.Enqueued, new KeyValuePair<string, object?>("state", "enqueued")),
            new(counts.Scheduled, new KeyValuePair<string, object?>("state", "scheduled")),
            new(counts.Processing, new KeyValuePair<string, object?>("state", "processing")),
            new(counts.Failed, new KeyValuePair<string, object?>("state", "failed")),
        ];
    }
}
