using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using TrialManager.Api.Features.Audit;

namespace TrialManager.Benchmarks.Infrastructure;

/// <summary>
/// Runs pgbench with a custom script against the benchmark database: the physical reference of a figure, i.e. how
/// fast PostgreSQL on this machine writes the same rows with no application in between.
/// </summary>
public static partial class PgBench
{
    /// <summary>
    /// Runs the script for a warm-up (not counted) and then for the measured duration, and returns the measured
    /// transactions per second excluding connection time. -n: the custom script needs no vacuum of pgbench's own tables.
    /// </summary>
    public static async Task<double> RunAsync(string connectionString, string script, int clients, int threads,
        BenchSettings settings, CancellationToken ct)
    {
        var file = Path.Combine(Path.GetTempPath(), $"trialmanager-bench-{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(file, script, ct);
        try
        {
            if (settings.WarmUpSeconds > 0)
                await RunOnceAsync(connectionString, file, clients, threads, settings.WarmUpSeconds, ct);
            return await RunOnceAsync(connectionString, file, clients, threads, settings.MeasuredSeconds, ct);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// The scripts that write audit events have pgbench client n append to strand n of the trial's chain; the API
    /// has made strands 0-7 already when it wrote the set-up, but a head per client is made sure of here, the way
    /// the API makes them (at sequence 0).
    /// </summary>
    public static async Task EnsureStrandHeadsAsync(BenchDatabase database, Guid trialId, int clients, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("""
            INSERT INTO audit_strand_heads (chain_id, strand, sequence, hash)
            SELECT @chain, s, 0, @genesis FROM generate_series(0, @clients - 1) AS s
            ON CONFLICT DO NOTHING
            """, connection);
        command.Parameters.AddWithValue("chain", trialId);
        command.Parameters.AddWithValue("genesis", AuditChain.Genesis);
        command.Parameters.AddWithValue("clients", clients);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<double> RunOnceAsync(string connectionString, string file, int clients, int threads, int seconds,
        CancellationToken ct)
    {
        var start = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "-n", "-c", $"{clients}", "-j", $"{threads}", "-T", $"{seconds}", "-f", file })
            start.ArgumentList.Add(argument);
        // libpq reads the connection from the environment, which keeps the password off the command line.
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        start.Environment["PGHOST"] = connection.Host;
        start.Environment["PGPORT"] = connection.Port.ToString(CultureInfo.InvariantCulture);
        start.Environment["PGDATABASE"] = connection.Database;
        start.Environment["PGUSER"] = connection.Username;
        start.Environment["PGPASSWORD"] = connection.Password;
        start.Environment["PGSSLMODE"] = connection.SslMode == SslMode.Disable ? "disable" : "prefer";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        await using var kill = ct.Register(() => process.Kill(entireProcessTree: true));
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await process.WaitForExitAsync(CancellationToken.None);
        ct.ThrowIfCancellationRequested();

        // PostgreSQL 14+ prints "(without initial connection time)", older versions "(excluding connections establishing)".
        var match = TpsLine().Match(await output);
        if (process.ExitCode != 0 || !match.Success)
            throw new InvalidOperationException($"pgbench failed (exit code {process.ExitCode}):\n{await output}\n{await errors}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static string Executable() =>
        Environment.GetEnvironmentVariable("PGBENCH") is { Length: > 0 } configured ? configured
        : File.Exists("/usr/bin/pgbench") ? "/usr/bin/pgbench"
        : "pgbench";

    [GeneratedRegex(@"^tps = ([0-9.]+) \((?:without initial connection time|excluding connections establishing)\)", RegexOptions.Multiline)]
    private static partial Regex TpsLine();
}
