using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using TrialManager.Api.Infrastructure.Errors;
using TrialManager.Api.Infrastructure.Telemetry;

namespace TrialManager.Api.Infrastructure.Http;

/// <summary>
/// How many writes a process runs at once (`Limits:ConcurrentWrites`, default 8: a trial's audit chain has 8 strands,
/// and more writers than the database can serve only queue inside it), how many may wait (`Limits:QueuedWrites`,
/// 200) and for how long at most (`Limits:WriteQueueMilliseconds`, 2000), and what counts as a standing queue: waits
/// above `Limits:WriteQueueTargetMilliseconds` (10) for longer than `Limits:WriteQueueIntervalMilliseconds` (100).
/// </summary>
public sealed class WriteAdmissionOptions : ISettings
{
    public int ConcurrentWrites { get; set; } = 8;
    public int QueuedWrites { get; set; } = 200;
    public int WriteQueueMilliseconds { get; set; } = 2000;
    public int WriteQueueTargetMilliseconds { get; set; } = 10;
    public int WriteQueueIntervalMilliseconds { get; set; } = 100;

    public void Check(SettingsCheck check)
    {
        check.AtLeast(nameof(ConcurrentWrites), ConcurrentWrites, 1);
        check.AtLeast(nameof(QueuedWrites), QueuedWrites, 0);
        check.AtLeast(nameof(WriteQueueMilliseconds), WriteQueueMilliseconds, 1);
        check.AtLeast(nameof(WriteQueueTargetMilliseconds), WriteQueueTargetMilliseconds, 1);
        check.AtLeast(nameof(WriteQueueIntervalMilliseconds), WriteQueueIntervalMilliseconds, 1);
    }
}

/// <summary>
/// Load held instead of collapse. A write runs while fewer than the limit run; otherwise it waits its turn (oldest
/// first), so that a burst, or many clients at once, are served. But a queue that stands (every write waited longer
/// than the target for a whole interval, as CoDel tells a burst from overload) and grows means writes arrive faster
/// than they finish: from then on the queue is kept to one round of writes (as many as run at once), and a write that
/// finds it full is refused at once, 503 with Retry-After, before it touches the database, until a write starts
/// without waiting again. The writes the service accepts keep a bounded latency however many arrive.
/// </summary>
public sealed class WriteAdmission(RequestDelegate next, WriteAdmissionOptions options, IProblemDetailsService problems, TimeProvider clock,
    TrialManagerMetrics metrics)
    : IDisposable
{
    private readonly ConcurrencyLimiter _limiter = metrics.ObserveWrites(new ConcurrencyLimiter(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.ConcurrentWrites,
        QueueLimit = options.QueuedWrites,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    }));

    private readonly Lock _state = new();
    private long _aboveTargetSince;
    private long _queuedAtIntervalStart;
    private long _shedEndedAt;
    private bool _shedding;

    public async Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
            || !context.Request.Path.StartsWithSegments(ApiEndpoints.Prefix))
        {
            await next(context);
            return;
        }
        using var lease = await AdmitAsync(context.RequestAborted);
        if (lease.IsAcquired)
        {
            await next(context);
            return;
        }
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = "1";
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = ProblemExceptionHandler.TitleFor(StatusCodes.Status503ServiceUnavailable),
                Detail = "The service is taking all the writes it can; nothing was changed. Retry after the time given.",
            },
        });
    }

    private async Task<RateLimitLease> AdmitAsync(CancellationToken aborted)
    {
        var now = clock.GetTimestamp();
        var immediate = _limiter.AttemptAcquire();
        if (immediate.IsAcquired)
        {
            Waited(queued: false, TimeSpan.Zero, now);
            return immediate;
        }
        lock (_state)
            if (_shedding && _limiter.GetStatistics()!.CurrentQueuedCount >= options.ConcurrentWrites)
                return immediate;
        immediate.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(options.WriteQueueMilliseconds), clock);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(aborted, timeout.Token);
        try
        {
            var lease = await _limiter.AcquireAsync(1, wait.Token);
            if (lease.IsAcquired)
                Waited(queued: true, clock.GetElapsedTime(now), clock.GetTimestamp());
            return lease;
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            return Refused.Lease;
        }
    }

    /// <summary>
    /// CoDel's test, a queue that stands (every wait above the target for a whole interval), and one more: the queue
    /// grew by a round of writes over that interval. A queue that stands but does not grow is clients that wait for
    /// their answers before they send more (so it cannot grow beyond them); one that grows is arrivals outpacing the
    /// writes, which only refusing can stop. Shedding ends only when a write finds a free place: the front of the kept
    /// queue waits less than the target, and ending there let the queue grow again for a whole interval each time (the
    /// accepted saves' p99 doubled in the overload benchmark). And as CoDel re-enters its dropping state at once when
    /// it left it only recently, a queue that stands again with a round waiting, within ten intervals of the end of
    /// shedding, resumes it at once: a lull in an overload is not its end.
    /// </summary>
    private void Waited(bool queued, TimeSpan waited, long now)
    {
        var waiting = _limiter.GetStatistics()!.CurrentQueuedCount;
        lock (_state)
        {
            if (waited < TimeSpan.FromMilliseconds(options.WriteQueueTargetMilliseconds))
            {
                _aboveTargetSince = 0;
                if (_shedding && !queued)
                    (_shedding, _shedEndedAt) = (false, now);
                return;
            }
            if (!_shedding && _shedEndedAt != 0 && waiting >= options.ConcurrentWrites
                && clock.GetElapsedTime(_shedEndedAt, now) < TimeSpan.FromMilliseconds(10 * options.WriteQueueIntervalMilliseconds))
                _shedding = true;
            else if (_aboveTargetSince == 0)
                (_aboveTargetSince, _queuedAtIntervalStart) = (now, waiting);
            else if (clock.GetElapsedTime(_aboveTargetSince, now) >= TimeSpan.FromMilliseconds(options.WriteQueueIntervalMilliseconds))
            {
                _shedding |= waiting >= _queuedAtIntervalStart + options.ConcurrentWrites;
                (_aboveTargetSince, _queuedAtIntervalStart) = (now, waiting);
            }
        }
    }

    public void Dispose() => _limiter.Dispose();

    /// <summary>The answer for a write that waited as long as a write may.</summary>
    private sealed class Refused : RateLimitLease
    {
        public static readonly Refused Lease = new();
        public override bool IsAcquired => false;
        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
