using System.Collections.Concurrent;
using System.Diagnostics;

namespace TrialManager.Benchmarks.Infrastructure;

/// <summary>What a load run measured: answers counted only while the measured window was open.</summary>
public sealed record LoadResult(long Succeeded, IReadOnlyDictionary<int, long> FailedByStatus, TimeSpan Elapsed)
{
    public double PerSecond => Succeeded / Elapsed.TotalSeconds;
    public long Failed => FailedByStatus.Values.Sum();
}

/// <summary>
/// Closed-loop load: a fixed number of workers, each sending its next request as soon as the previous one is
/// answered, like that many users entering data as fast as they can. Requests answered during the warm-up
/// (JIT, connection pools, PostgreSQL caches) are not counted; the rate is the answers that arrive while the
/// measured window is open, divided by its length.
/// </summary>
public static class LoadGenerator
{
    /// <param name="send">Sends request number n (unique across workers) and returns the HTTP status code.</param>
    public static async Task<LoadResult> RunAsync(int workers, TimeSpan warmUp, TimeSpan measured, int successStatus,
        Func<long, Task<int>> send, CancellationToken ct)
    {
        long sequence = 0, succeeded = 0;
        var measuring = false;
        var stopping = false;
        var failed = new ConcurrentDictionary<int, long>();

        async Task Worker()
        {
            while (!Volatile.Read(ref stopping) && !ct.IsCancellationRequested)
            {
                var status = await send(Interlocked.Increment(ref sequence));
                if (!Volatile.Read(ref measuring))
                    continue;
                if (status == successStatus)
                    Interlocked.Increment(ref succeeded);
                else
                    failed.AddOrUpdate(status, 1, (_, count) => count + 1);
            }
        }

        var tasks = Enumerable.Range(0, workers).Select(_ => Task.Run(Worker, CancellationToken.None)).ToList();
        try
        {
            await Task.Delay(warmUp, ct);
            Volatile.Write(ref measuring, true);
            var clock = Stopwatch.StartNew();
            await Task.Delay(measured, ct);
            Volatile.Write(ref measuring, false);
            var elapsed = clock.Elapsed;
            return new LoadResult(Interlocked.Read(ref succeeded), new Dictionary<int, long>(failed), elapsed);
        }
        finally
        {
            // Requests in flight finish (uncounted) rather than being cancelled, so that nothing is left half done.
            Volatile.Write(ref stopping, true);
            await Task.WhenAll(tasks);
        }
    }
}

/// <summary>What an open-loop run measured: the latency of every request sent in the measured window.</summary>
/// <param name="LatenciesMs">Successful answers only, sorted, in milliseconds from when each request was due.</param>
/// <param name="MaxLagMs">How late the generator itself sent a request at worst (a busy machine delays it too).</param>
public sealed record LatencyResult(IReadOnlyList<double> LatenciesMs, IReadOnlyDictionary<int, long> FailedByStatus, double MaxLagMs)
{
    public long Failed => FailedByStatus.Values.Sum();

    /// <summary>The nearest-rank percentile (p in 0-100) of the successful answers.</summary>
    public double Percentile(double p) =>
        LatenciesMs.Count == 0 ? double.NaN : LatenciesMs[Math.Clamp((int)Math.Ceiling(p / 100 * LatenciesMs.Count) - 1, 0, LatenciesMs.Count - 1)];
}

/// <summary>
/// Open-loop load: requests are sent at a fixed rate whether or not earlier ones have been answered, like many users
/// each saving now and then. A latency runs from when the request was due, not from when it was sent, so that a
/// slow answer that holds up the generator still counts in full (no coordinated omission).
/// </summary>
public static class OpenLoadGenerator
{
    /// <param name="send">Sends request number n (unique across the run) and returns the HTTP status code.</param>
    public static async Task<LatencyResult> RunAsync(double perSecond, TimeSpan warmUp, TimeSpan measured, int successStatus,
        Func<long, Task<int>> send, CancellationToken ct)
    {
        var interval = TimeSpan.FromSeconds(1 / perSecond);
        var total = warmUp + measured;
        var clock = Stopwatch.StartNew();
        var requests = new List<Task<(bool Measured, int Status, double Ms)>>();
        var maxLag = TimeSpan.Zero;
        for (long n = 0; interval * n < total; n++)
        {
            var due = interval * n;
            var wait = due - clock.Elapsed;
            // Task.Delay is as fine as the timer (about 1 ms); a request due sooner goes now.
            if (wait > TimeSpan.FromMilliseconds(1))
                await Task.Delay(wait, ct);
            var lag = clock.Elapsed - due;
            if (lag > maxLag && due >= warmUp)
                maxLag = lag;
            var number = n + 1;
            requests.Add(Task.Run(async () =>
            {
                var status = await send(number);
                return (due >= warmUp, status, (clock.Elapsed - due).TotalMilliseconds);
            }, CancellationToken.None));
        }

        // Requests in flight finish and count: each was due inside the measured window.
        var answers = await Task.WhenAll(requests);
        var latencies = answers.Where(a => a.Measured && a.Status == successStatus).Select(a => a.Ms).Order().ToList();
        var failed = answers.Where(a => a.Measured && a.Status != successStatus).GroupBy(a => a.Status)
            .ToDictionary(g => g.Key, g => (long)g.Count());
        return new LatencyResult(latencies, failed, maxLag.TotalMilliseconds);
    }
}
