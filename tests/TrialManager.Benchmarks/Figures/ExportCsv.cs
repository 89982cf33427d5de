using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using TrialManager.Api.Features.Exports;
using TrialManager.Benchmarks.Infrastructure;

namespace TrialManager.Benchmarks.Figures;

/// <summary>
/// export.csv.1m.seconds and export.csv.1m.peak_mb: the CSV export job (run in this process, as a worker runs it)
/// over a trial with 1,000,032 item values (11,364 participants × 4 timepoints × one 22-item instrument, bulk-loaded
/// with SQL), against a plain `COPY (…) TO STDOUT` of the same item values in long form through Npgsql, in the same
/// run. Memory is the growth of this process's working set over its level just before the export, sampled every
/// 10 ms while the job runs. The issue asks for at most 3× the COPY time and under 300 MB.
/// Both figures come from one measurement: whichever runs first measures, the other reads its result.
/// </summary>
public sealed class ExportCsvSeconds : IFigure
{
    public string Name => "export.csv.1m.seconds";

    public async Task<FigureResult> RunAsync(BenchContext context, CancellationToken ct)
    {
        var m = await ExportCsvMeasurement.GetAsync(context, ct);
        var result = new FigureResult(Name, m.ExportSeconds, "s", m.CopySeconds, "s");
        if (result.Ratio > 3)
            Console.Error.WriteLine($"WARNING: {Name} takes {result.Ratio:F2}× the COPY of the same rows; the issue allows 3×.");
        return result;
    }
}

public sealed class ExportCsvPeakMemory : IFigure
{
    public string Name => "export.csv.1m.peak_mb";

    public async Task<FigureResult> RunAsync(BenchContext context, CancellationToken ct)
    {
        var m = await ExportCsvMeasurement.GetAsync(context, ct);
        if (m.PeakMegabytes >= 300)
            Console.Error.WriteLine($"WARNING: {Name} is {m.PeakMegabytes:F0} MB; the issue requires under 300 MB.");
        return new FigureResult(Name, m.PeakMegabytes, "MB");
    }
}

public sealed record ExportCsvMeasurement(double ExportSeconds, double CopySeconds, double PeakMegabytes)
{
    private const int Participants = 11_364, Items = 22, Runs = 3;
    private static readonly (string Code, int Offset)[] Timepoints = [("baseline", 0), ("6m", 182), ("12m", 365), ("24m", 730)];
    private static Task<ExportCsvMeasurement>? _measured;

    private const string ReferenceSql = """
        COPY (
          SELECT p.external_id, a.timepoint_code, a.instrument_code, a.instrument_version, a.status, a.assessed_on, a.out_of_window,
                 a.days_out_of_window, e.key, e.value
          FROM assessments a JOIN participants p ON p.id = a.participant_id
            JOIN timepoints t ON t.trial_id = a.trial_id AND t.code = a.timepoint_code
            CROSS JOIN LATERAL jsonb_each_text(a.answers) e
          WHERE a.trial_id = '{0}'
          ORDER BY p.external_id, t.offset_days, a.instrument_code
        ) TO STDOUT (FORMAT csv)
        """;

    public static Task<ExportCsvMeasurement> GetAsync(BenchContext context, CancellationToken ct) =>
        _measured ??= MeasureAsync(context, ct);

    private static async Task<ExportCsvMeasurement> MeasureAsync(BenchContext context, CancellationToken ct)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"trialmanager-bench-exports-{Guid.NewGuid():N}");
        try
        {
            await using var host = ApiHost.Start(context.Database.ConnectionString, new Dictionary<string, string?> { ["Exports:Path"] = folder });
            using var admin = host.CreateHttpClient(host.AdminToken);
            var tag = $"bench-{Guid.NewGuid().ToString("N")[..8]}";
            var trial = await BenchTrial.CreateAsync(admin, tag, ct);
            using var manager = host.CreateHttpClient(trial.ManagerToken);
            await SetUpOutcomesAsync(manager, trial, ct);
            await using var connection = await context.Database.OpenConnectionAsync(ct);
            var clock = Stopwatch.StartNew();
            await LoadAsync(connection, trial, ct);
            Console.Error.WriteLine($"[export.csv.1m] loaded {Participants * Timepoints.Length * Items} item values in {clock.Elapsed.TotalSeconds:F1} s");
            await ExecuteAsync(connection, "VACUUM (ANALYZE) participants, assessments", ct);

            var exports = new List<double>();
            var copies = new List<double>();
            var peak = 0.0;
            for (var run = 0; run <= Runs; run++)
            {
                var copy = await CopyAsync(connection, trial.TrialId, ct);
                var (export, growth) = await ExportAsync(host, connection, trial, ct);
                Console.Error.WriteLine($"[export.csv.1m] {(run == 0 ? "warm-up" : $"run {run}")}: export {export:F2} s (+{growth:F0} MB), COPY {copy:F2} s");
                if (run == 0)
                    continue;
                exports.Add(export);
                copies.Add(copy);
                peak = Math.Max(peak, growth);
            }
            return new ExportCsvMeasurement(Median(exports), Median(copies), peak);
        }
        finally
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task SetUpOutcomesAsync(HttpClient manager, BenchTrial trial, CancellationToken ct)
    {
        var path = $"/api/v1/trials/{trial.TrialId}";
        var items = Enumerable.Range(1, Items).Select(i => $"q{i}").ToArray();
        await PostAsync(manager, $"{path}/instruments", new
        {
            code = "BENCH22", title = "Twenty-two items", source = "benchmark",
            items = items.Select(code => new { code, label = $"Item {code}", type = "integer", min = 0, max = 4, required = true }),
            scales = new[] { new { code = "total", label = "Total", items, method = "sum", reverseItems = Array.Empty<string>(), minAnswered = Items, prorate = false } },
            missingCodes = new[] { new { value = -99, label = "refused" } },
        }, ct);
        foreach (var (code, offset) in Timepoints)
            await PostAsync(manager, $"{path}/timepoints", new { code, label = code, offsetDays = offset, windowDaysBefore = 30, windowDaysAfter = 30 }, ct);
    }

    /// <summary>Participants and their complete assessments in two statements: answers 0–4 from a hash, so that the run is repeatable.</summary>
    private static async Task LoadAsync(NpgsqlConnection connection, BenchTrial trial, CancellationToken ct)
    {
        var timepoints = string.Join(", ", Timepoints.Select(t => $"('{t.Code}', {t.Offset})"));
        await ExecuteAsync(connection, $"""
            INSERT INTO participants (id, trial_id, cluster_id, external_id, kind, consent_date, baseline_date, status, created_at)
            SELECT gen_random_uuid(), '{trial.TrialId}', '{trial.ClusterId}', 'P' || lpad(n::text, 6, '0'), 'patient',
                   date '2020-01-01' + (n % 365), date '2020-01-08' + (n % 365), 'active', now()
            FROM generate_series(1, {Participants}) n;
            INSERT INTO assessments (id, trial_id, participant_id, timepoint_code, instrument_code, instrument_version, answers, scores, status,
                                     assessed_on, out_of_window, days_out_of_window, assessed_by, updated_at, revision)
            SELECT gen_random_uuid(), p.trial_id, p.id, t.code, 'BENCH22', 1, a.answers, jsonb_build_object('total', a.total), 'complete',
                   p.baseline_date + t.offset_days, false, 0, '{trial.ManagerId}', now(), 1
            FROM participants p CROSS JOIN (VALUES {timepoints}) t(code, offset_days)
              CROSS JOIN LATERAL (
                SELECT jsonb_object_agg('q' || i, v) AS answers, sum(v) AS total
                FROM (SELECT i, abs(hashtext(p.id::text || t.code || i)) % 5 AS v FROM generate_series(1, {Items}) i) s
              ) a
            WHERE p.trial_id = '{trial.TrialId}';
            """, ct);
    }

    private static async Task<double> CopyAsync(NpgsqlConnection connection, Guid trialId, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var copy = await connection.BeginTextExportAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, ReferenceSql, trialId), ct);
        var buffer = new char[1 << 16];
        while (await copy.ReadAsync(buffer, ct) > 0)
        {
        }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>A new export row (as the API would insert it) and the job run on it, timed, with the working set sampled.</summary>
    private static async Task<(double Seconds, double GrowthMegabytes)> ExportAsync(ApiHost host, NpgsqlConnection connection, BenchTrial trial,
        CancellationToken ct)
    {
        var exportId = Guid.CreateVersion7();
        await ExecuteAsync(connection, $"""
            INSERT INTO exports (id, trial_id, requested_by, requester_role, format, blinded, status, progress, attempts, requested_at)
            VALUES ('{exportId}', '{trial.TrialId}', '{trial.ManagerId}', 'trial-manager', 'csv', false, 'queued', 0, 0, now())
            """, ct);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var baseline = process.WorkingSet64;
        var peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
                await Task.Delay(10, CancellationToken.None);
            }
        }, CancellationToken.None);

        var clock = Stopwatch.StartNew();
        using (var scope = host.Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<ExportJob>().RunAsync(exportId, null, ct);
        var seconds = clock.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        await sampler;

        // The export must have written every item value (and a score per assessment) in the long file.
        await using var check = new NpgsqlCommand(
            $"SELECT (row_counts ->> 'assessments_long.csv')::bigint FROM exports WHERE id = '{exportId}' AND status = 'succeeded'", connection);
        const long expected = (long)Participants * 4 * (Items + 1);
        if (await check.ExecuteScalarAsync(ct) is not long rows || rows != expected)
            throw new InvalidOperationException($"The export {exportId} did not succeed with {expected} long-form rows.");
        return (seconds, (peak - baseline) / (1024.0 * 1024.0));
    }

    private static async Task PostAsync(HttpClient client, string path, object body, CancellationToken ct)
    {
        using var response = await client.PostAsJsonAsync(path, body, ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync(ct);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
