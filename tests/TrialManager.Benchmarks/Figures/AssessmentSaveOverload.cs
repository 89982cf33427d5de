using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;
using TrialManager.Benchmarks.Infrastructure;

namespace TrialManager.Benchmarks.Figures;

/// <summary>
/// assessment.save.overload: the 99th percentile latency of the saves the service accepted (201) while saves arrived
/// open-loop at 1.5 times the assessment.save.rps of the same run, i.e. more than it can do. A service that queues
/// everything lets that latency grow with the queue; one that holds its load refuses the excess at once (503 with
/// Retry-After) and keeps the accepted ones fast. The line adds `refused=` (the share of saves not accepted) and
/// `lost=` (accepted saves whose assessment is not in the database afterwards). The issue asks for under 100 ms and
/// nothing lost.
/// </summary>
public sealed class AssessmentSaveOverload(AssessmentSaves saves) : IFigure
{
    private const double RequiredMs = 100;
    private const double Overload = 1.5;

    /// <summary>More than the service admits and queues together, so that the client is never what holds requests back.</summary>
    private const int Connections = 512;

    public string Name => "assessment.save.overload";

    public async Task<FigureResult> RunAsync(BenchContext context, CancellationToken ct)
    {
        var perSecond = await saves.PerSecondAsync(Name, context, ct) * Overload;
        if (perSecond <= 0)
            throw new InvalidOperationException("assessment.save.rps measured no successful saves to overload.");
        await using var host = ApiHost.Start(context.Database.ConnectionString);
        await saves.SetUpAsync(host, context, ct);
        var needed = perSecond * (context.Settings.WarmUpSeconds + context.Settings.MeasuredSeconds);
        if (saves.Remaining < needed * 1.1)
            throw new InvalidOperationException($"Only {saves.Remaining} new assessments are left for about {needed:F0} saves.");

        var accepted = new ConcurrentBag<(Guid Participant, string Timepoint)>();
        using var client = host.CreateHttpClient(saves.Trial.ManagerToken, Connections);
        var load = await OpenLoadGenerator.RunAsync(perSecond, context.Settings.WarmUp, context.Settings.Measured, successStatus: 201,
            async _ =>
            {
                var (status, participant, timepoint) = await saves.SaveNextAsync(client);
                if (status == 201)
                    accepted.Add((participant, timepoint));
                return status;
            }, ct);
        if (load.LatenciesMs.Count == 0)
            throw new InvalidOperationException("No save was accepted in the measured window.");
        var lost = accepted.Count - await StoredAsync(context.Database, saves.Trial.TrialId, [.. accepted], ct);
        var sent = load.LatenciesMs.Count + load.Failed;
        var refused = (double)load.Failed / sent;
        Console.Error.WriteLine($"[{Name}] API: {sent} saves due at {perSecond:F1}/s: {load.LatenciesMs.Count} accepted " +
            $"(p50 {load.Percentile(50):F1} ms, p90 {load.Percentile(90):F1} ms, p99 {load.Percentile(99):F1} ms, max {load.LatenciesMs[^1]:F1} ms), " +
            $"refused: {string.Join(", ", load.FailedByStatus.OrderBy(p => p.Key).Select(p => $"{p.Key} x{p.Value}"))}; " +
            $"{accepted.Count} accepted in the whole run, {lost} of them not stored (the generator sent at most {load.MaxLagMs:F1} ms late)");

        var result = new FigureResult(Name, load.Percentile(99), "ms",
            Extra: $"refused={refused.ToString("F3", CultureInfo.InvariantCulture)} lost={lost}");
        if (result.Value >= RequiredMs || lost > 0)
            Console.Error.WriteLine($"WARNING: {Name} is {result.Value:F1} ms with {lost} lost; the issue requires less than {RequiredMs:F0} ms and none lost.");
        return result;
    }

    /// <summary>How many of the accepted saves have their assessment in the database.</summary>
    private static async Task<long> StoredAsync(BenchDatabase database, Guid trialId, (Guid Participant, string Timepoint)[] accepted,
        CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("""
            SELECT count(*) FROM assessments a
            JOIN unnest(@participants, @timepoints) AS s(participant_id, timepoint_code)
              ON a.participant_id = s.participant_id AND a.timepoint_code = s.timepoint_code
            WHERE a.trial_id = @trial AND a.instrument_code = @instrument
            """, connection) { CommandTimeout = 600 };
        command.Parameters.AddWithValue("participants", accepted.Select(a => a.Participant).ToArray());
        command.Parameters.AddWithValue("timepoints", accepted.Select(a => a.Timepoint).ToArray());
        command.Parameters.AddWithValue("trial", trialId);
        command.Parameters.AddWithValue("instrument", AssessmentSaves.Instrument);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
