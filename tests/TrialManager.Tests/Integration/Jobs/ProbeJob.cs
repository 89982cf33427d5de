using System.Collections.Concurrent;
using Hangfire.Server;

namespace TrialManager.Tests.Integration.Jobs;

/// <summary>A job the tests queue on a queue of their own ("probe"), which records every time it runs, and where.</summary>
public sealed class ProbeJob
{
    public const string Queue = "probe";

    public sealed record Run(string Probe, string JobId, string ServerId, long? Occurrence);

    public static readonly ConcurrentQueue<Run> Runs = new();

    public async Task RunAsync(string probe, int milliseconds, PerformContext? context, CancellationToken ct)
    {
        Runs.Enqueue(new Run(probe, context!.BackgroundJob.Id, context.ServerId, context.GetJobParameter<long?>("Time")));
        await Task.Delay(milliseconds, ct);
    }

    public static IReadOnlyList<Run> RunsOf(string probe) => Runs.Where(r => r.Probe == probe).ToList();
}
