using System.Text;
using TrialManager.Benchmarks.Infrastructure;

namespace TrialManager.Benchmarks.Figures;

/// <summary>
/// participants.create.rps: enrolments per second through `POST /api/v1/trials/{trialId}/participants` at 8
/// concurrent clients, against pgbench inserting the same row (one row in `participants`) at 8 clients in the same
/// run. The issue asks for at least 25% of pgbench's rate.
/// </summary>
public sealed class ParticipantsCreate : IFigure
{
    private const int Clients = 8;
    private const double RequiredRatio = 0.25;

    public string Name => "participants.create.rps";

    public async Task<FigureResult> RunAsync(BenchContext context, CancellationToken ct)
    {
        var tag = $"bench-{Guid.NewGuid().ToString("N")[..8]}";
        var (api, trial) = await MeasureApiAsync(context, tag, ct);
        // The API host is stopped by now, so that it does not compete with pgbench for the CPU.
        var reference = await PgBench.RunAsync(context.Database.ConnectionString, PgBenchScript(trial, tag), Clients, threads: 2,
            context.Settings, ct);

        var result = new FigureResult(Name, api, "req/s", reference, "tx/s");
        if (result.Ratio < RequiredRatio)
            Console.Error.WriteLine(
                $"WARNING: {Name} reaches ratio={result.Ratio:F2} of pgbench's rate; the issue requires at least {RequiredRatio:F2}.");
        return result;
    }

    private async Task<(double PerSecond, BenchTrial Trial)> MeasureApiAsync(BenchContext context, string tag, CancellationToken ct)
    {
        await using var host = ApiHost.Start(context.Database.ConnectionString);
        using var admin = host.CreateHttpClient(host.AdminToken);
        var trial = await BenchTrial.CreateAsync(admin, tag, ct);

        using var client = host.CreateHttpClient(trial.ManagerToken, Clients);
        var path = $"/api/v1/trials/{trial.TrialId}/participants";
        var load = await LoadGenerator.RunAsync(Clients, context.Settings.WarmUp, context.Settings.Measured, successStatus: 201,
            async n =>
            {
                // Written by hand rather than serialised, so that the client spends as little CPU as possible
                // (it shares the machine with the API and PostgreSQL).
                using var body = new StringContent(
                    $$"""{"externalId":"{{tag}}-{{n}}","clusterId":"{{trial.ClusterId}}","kind":"patient","consentDate":"2011-06-01","baselineDate":"2011-06-08"}""",
                    Encoding.UTF8, "application/json");
                using var response = await client.PostAsync(path, body, CancellationToken.None);
                return (int)response.StatusCode;
            }, ct);

        if (load.Failed > 0)
            Console.Error.WriteLine($"[{Name}] {load.Failed} answers were not 201 Created: " +
                string.Join(", ", load.FailedByStatus.OrderBy(p => p.Key).Select(p => $"{p.Key} x{p.Value}")));
        Console.Error.WriteLine($"[{Name}] API: {load.Succeeded} enrolments in {load.Elapsed.TotalSeconds:F1} s");
        return (load.PerSecond, trial);
    }

    /// <summary>
    /// The row the API writes for an enrolment (see migration Foundation, table participants), in the same trial
    /// and cluster so that the same foreign keys and unique index (trial_id, external_id) are checked. External ids
    /// are unique through pgbench's client id and a random number. Ids are random v4 UUIDs rather than the API's v7
    /// ones, which if anything makes pgbench slower (index inserts spread over the whole primary key).
    /// </summary>
    private static string PgBenchScript(BenchTrial trial, string tag) => $"""
        \set n random(1, 1000000000000000)
        INSERT INTO participants (id, trial_id, cluster_id, external_id, kind, consent_date, baseline_date, status, created_at)
        VALUES (gen_random_uuid(), '{trial.TrialId}', '{trial.ClusterId}', 'pgb-{tag}-' || :client_id || '-' || :n,
                'patient', DATE '2011-06-01', DATE '2011-06-08', 'active', now());

        """;
}
