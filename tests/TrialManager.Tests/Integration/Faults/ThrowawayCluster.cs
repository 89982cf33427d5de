using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace TrialManager.Tests.Integration.Faults;

/// <summary>
/// A PostgreSQL 15 server of the test's own, made with initdb in a temporary folder and listening on a port of its
/// own, so that a test can crash it (`stop -m immediate`) without touching the server the rest of the suite runs on.
/// PostgreSQL refuses to run as root, so as root (CI, these machines) it runs as the `postgres` user its package made;
/// as anyone else it runs as that user, with no root needed. Only the server's own socket (in its folder) is trusted;
/// over TCP the test logs in with a password.
/// </summary>
public sealed class ThrowawayCluster : IAsyncDisposable
{
    private const string Bin = "/usr/lib/postgresql/15/bin";

    /// <summary>Every throwaway cluster's folder starts so, followed by the id of the test process that made it.</summary>
    private const string Prefix = "tmfault_";

    private const string Superuser = "trialmanager_fault";

    private static readonly bool AsRoot = Environment.UserName == "root";

    /// <summary>Where the folders go: as root, one the `postgres` user can write to whatever TMPDIR says.</summary>
    private static readonly string Parent = AsRoot ? "/tmp" : Path.GetTempPath();

    private ThrowawayCluster(string directory, int port, string password)
    {
        Folder = directory;
        Port = port;
        AdminConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Database = "postgres", Username = Superuser, Password = password, SslMode = SslMode.Disable,
        }.ConnectionString;
    }

    private string Folder { get; }
    private int Port { get; }

    /// <summary>A superuser's connection to the cluster's `postgres` database, over TCP.</summary>
    public string AdminConnectionString { get; }

    /// <summary>Why no cluster can be made here, or null when one can.</summary>
    public static string? Unavailable() => File.Exists($"{Bin}/initdb") ? null : $"PostgreSQL 15 is not installed ({Bin}/initdb)";

    public static async Task<ThrowawayCluster> CreateAsync()
    {
        await DropAbandonedAsync();
        var cluster = new ThrowawayCluster(Path.Combine(Parent, $"{Prefix}{Environment.ProcessId}_{Guid.NewGuid().ToString("N")[..8]}"),
            FreePort(), Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
        try
        {
            // No fsync of the new files: the machine does not crash in these tests, only the server does.
            await PostgresAsync("initdb", "-D", cluster.Folder, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
                "--no-sync", "--no-instructions");
            await cluster.StartAsync();
            var password = new NpgsqlConnectionStringBuilder(cluster.AdminConnectionString).Password;
            await PostgresAsync("psql", "-h", cluster.Folder, "-p", cluster.Port.ToString(), "-U", "postgres", "-d", "postgres",
                "-v", "ON_ERROR_STOP=1", "-qAtX", "-c", $"CREATE ROLE {Superuser} LOGIN SUPERUSER PASSWORD '{password}'");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The server crashes: no checkpoint, every connection cut; it recovers from its WAL when started again.</summary>
    public Task StopImmediatelyAsync() => PostgresAsync("pg_ctl", "-D", Folder, "stop", "-m", "immediate", "-w");

    /// <summary>Returns once the server takes connections.</summary>
    public Task StartAsync() => PostgresAsync("pg_ctl", "-D", Folder, "-l", Path.Combine(Folder, "server.log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k {Folder} -c listen_addresses=127.0.0.1", "start");

    public async ValueTask DisposeAsync() => await DropAsync(Folder);

    private static async Task DropAsync(string directory)
    {
        if (File.Exists(Path.Combine(directory, "postmaster.pid")))
            await PostgresAsync(["pg_ctl", "-D", directory, "stop", "-m", "immediate", "-w"], mustSucceed: false);
        if (Directory.Exists(directory))
            Directory.Delete(directory, recursive: true);
    }

    /// <summary>Clusters left by test processes that ended without cleaning up (killed, or a crashed run).</summary>
    private static async Task DropAbandonedAsync()
    {
        foreach (var directory in Directory.EnumerateDirectories(Parent, $"{Prefix}*"))
        {
            var owner = Path.GetFileName(directory)[Prefix.Length..].Split('_')[0];
            if (int.TryParse(owner, out var processId) && !IsRunning(processId))
                await DropAsync(directory);
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

    private static Task PostgresAsync(params string[] command) => PostgresAsync(command, mustSucceed: true);

    /// <summary>Runs one of PostgreSQL's programs as the user the server runs as.</summary>
    private static async Task PostgresAsync(string[] command, bool mustSucceed)
    {
        string[] arguments = [$"{Bin}/{command[0]}", .. command[1..]];
        var start = AsRoot ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", .. arguments]) : new ProcessStartInfo(arguments[0], arguments[1..]);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0 && mustSucceed)
            throw new InvalidOperationException(
                $"{string.Join(' ', arguments)} exited with {process.ExitCode}: {await errors}{await output}");
    }
}
