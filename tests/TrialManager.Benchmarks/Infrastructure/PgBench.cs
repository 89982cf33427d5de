using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

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
