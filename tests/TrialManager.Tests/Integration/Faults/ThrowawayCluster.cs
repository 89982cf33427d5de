using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace TrialManager.Tests.Integration.Faults;

/// <summary>
/// A PostgreSQL 15 cluster of the test's own (Debian's postgresql-common: pg_createcluster), on a port of its own, so
/// that a test can crash its server (`stop -m immediate`) without touching the cluster the rest of the suite runs on.
/// Managing clusters takes root, which CI has; elsewhere the test that needs one is skipped.
/// </summary>
public sealed class ThrowawayCluster : IAsyncDisposable
{
    private const string Version = "15";

    /// <summary>Every throwaway cluster's name starts so, followed by the id of the test process that made it.</summary>
    private const string Prefix = "tmfault_";

    private ThrowawayCluster(string name, int port, string adminConnectionString)
    {
        Name = name;
        Port = port;
        AdminConnectionString = adminConnectionString;
    }

    public string Name { get; }
    public int Port { get; }

    /// <summary>A superuser's connection to the cluster's `postgres` database, over TCP.</summary>
    public string AdminConnectionString { get; }

    /// <summary>Why no cluster can be made here, or null when one can.</summary>
    public static string? Unavailable() =>
        Environment.UserName != "root" ? $"managing PostgreSQL clusters takes root, and the tests run as {Environment.UserName}"
        : !File.Exists("/usr/bin/pg_createcluster") ? "pg_createcluster (postgresql-common) is not installed"
        : !File.Exists($"/usr/lib/postgresql/{Version}/bin/postgres") ? $"PostgreSQL {Version} is not installed"
        : null;

    public static async Task<ThrowawayCluster> CreateAsync()
    {
        await DropAbandonedAsync();
        var name = $"{Prefix}{Environment.ProcessId}_{Guid.NewGuid().ToString("N")[..8]}";
        var port = FreePort();
        // Started by hand only: a reboot in the middle of a run must not bring it back.
        await RunAsync("pg_createcluster", Version, name, "-p", port.ToString(), "--start-conf=manual", "--start");
        var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var cluster = new ThrowawayCluster(name, port, new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Database = "postgres", Username = "trialmanager_fault", Password = password,
            SslMode = SslMode.Disable,
        }.ConnectionString);
        try
        {
            await RunAsync("runuser", "-u", "postgres", "--", "psql", "-h", "/var/run/postgresql", "-p", port.ToString(), "-d", "postgres",
                "-v", "ON_ERROR_STOP=1", "-qAtX", "-c", $"CREATE ROLE trialmanager_fault LOGIN SUPERUSER PASSWORD '{password}'");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The server crashes: no checkpoint, every connection cut; it recovers from its WAL when started again.</summary>
    public Task StopImmediatelyAsync() => RunAsync("pg_ctlcluster", Version, Name, "stop", "-m", "immediate");

    public Task StartAsync() => RunAsync("pg_ctlcluster", Version, Name, "start");

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await RunAsync("pg_dropcluster", Version, Name, "--stop");
    }

    /// <summary>Clusters left by test processes that ended without cleaning up (killed, or a crashed run).</summary>
    private static async Task DropAbandonedAsync()
    {
        foreach (var line in (await RunAsync("pg_lsclusters", "-h")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (columns.Length < 2 || columns[0] != Version || !columns[1].StartsWith(Prefix, StringComparison.Ordinal))
                continue;
            if (int.TryParse(columns[1][Prefix.Length..].Split('_')[0], out var owner) && !IsRunning(owner))
                await RunAsync("pg_dropcluster", Version, columns[1], "--stop");
        }
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await errors}{await output}");
        return await output;
    }
}
