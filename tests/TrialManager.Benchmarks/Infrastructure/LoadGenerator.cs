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
