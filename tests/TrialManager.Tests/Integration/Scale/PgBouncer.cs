using Npgsql;

namespace TrialManager.Tests.Integration.Scale;

/// <summary>
/// PgBouncer (Debian's package: 1.18, which cannot carry prepared statements) in transaction mode in front of the
/// test's PostgreSQL, as CloudNativePG's `Pooler` puts it in front of a cluster: its own configuration in a temporary
/// folder, one database (the test's), the runtime role's password in its auth file, a free port. The package's own
/// service and configuration are not used. It refuses to run as root, so as root it switches to `postgres`.
/// </summary>
public sealed class PgBouncer : IAsyncDisposable
{
    public const string Program = "/usr/sbin/pgbouncer";

    /// <summary>Server connections per database and role: fewer than the clients, as a pooler is there for.</summary>
    public const int ServerPoolSize = 20;

    private readonly ToolProcess _process;
    private readonly string _folder;

    private PgBouncer(ToolProcess process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public static async Task<PgBouncer> StartAsync(TestDatabase database, string logPath)
    {
        ToolProcess.Require(Program, "pgbouncer");
        var server = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        var runtime = new NpgsqlConnectionStringBuilder(database.RuntimeConnectionString);
        var folder = Directory.CreateTempSubdirectory("trialmanager-pgbouncer-").FullName;
        var port = ToolProcess.FreePort();
        // The auth file holds the password in clear, from which PgBouncer does SCRAM both with its clients and with the server.
        await File.WriteAllTextAsync(Path.Combine(folder, "users.txt"), $"\"{runtime.Username}\" \"{runtime.Password}\"\n");
        await File.WriteAllTextAsync(Path.Combine(folder, "pgbouncer.ini"), $"""
            [databases]
            {database.Name} = host={server.Host} port={server.Port} dbname={database.Name}

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            auth_type = scram-sha-256
            auth_file = {folder}/users.txt
            pool_mode = transaction
            default_pool_size = {ServerPoolSize}
            max_client_conn = 400
            ; Npgsql sets it at start-up; PgBouncer cannot pass it on to the shared server sessions.
            ignore_startup_parameters = extra_float_digits
            logfile =
            pidfile =
            """);
        string[] arguments = Environment.UserName == "root" ? ["-u", "postgres", $"{folder}/pgbouncer.ini"] : [$"{folder}/pgbouncer.ini"];
        try
        {
            return new PgBouncer(await ToolProcess.StartAsync(Program, arguments, port, logPath, TimeSpan.FromSeconds(30)), folder, port);
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>The runtime role's connection through PgBouncer.</summary>
    public string ConnectionString(TestDatabase database) =>
        new NpgsqlConnectionStringBuilder(database.RuntimeConnectionString) { Host = "127.0.0.1", Port = Port }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
