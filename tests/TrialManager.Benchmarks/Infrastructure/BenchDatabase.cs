using System.Diagnostics;
using Npgsql;

namespace TrialManager.Benchmarks.Infrastructure;

/// <summary>
/// The PostgreSQL database of one benchmark run: the one in ConnectionStrings__TrialManager when set, otherwise a
/// fresh database on the local server of deploy/local/postgres.sh, dropped when the run ends. A fresh database
/// means every run starts from the same (empty) tables, so runs compare.
/// </summary>
public sealed class BenchDatabase : IAsyncDisposable
{
    private const string LoginRole = "trialmanager_bench";

    /// <summary>Set only when this run created the database and therefore drops it.</summary>
    private readonly string? _adminConnection;
    private readonly string? _createdName;

    private BenchDatabase(string connectionString, string? adminConnection = null, string? createdName = null)
    {
        ConnectionString = connectionString;
        _adminConnection = adminConnection;
        _createdName = createdName;
    }

    public string ConnectionString { get; }

    /// <summary>A connection of its own (not the API's pool), for a figure's set-up and its plain SQL references.</summary>
    public async Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken ct)
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    public static async Task<BenchDatabase> OpenAsync(CancellationToken ct)
    {
        var given = Environment.GetEnvironmentVariable("ConnectionStrings__TrialManager");
        if (!string.IsNullOrWhiteSpace(given))
        {
            Console.Error.WriteLine("Using the database of ConnectionStrings__TrialManager.");
            return new BenchDatabase(given);
        }

        var (port, password) = await EnsureLocalServerAsync(ct);
        var admin = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Database = "postgres", Username = LoginRole, Password = password,
            // Loopback needs no TLS; the API and pgbench connect alike (PgBench passes the mode on).
            SslMode = SslMode.Disable,
        }.ConnectionString;
        var name = $"trialmanager_bench_{DateTime.UtcNow:yyyyMMddHHmmss}_{Random.Shared.Next(100000):D5}";
        await ExecuteAsync(admin, $"CREATE DATABASE {name}", ct);
        Console.Error.WriteLine($"Created database {name} on 127.0.0.1:{port}.");
        var connection = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
        return new BenchDatabase(connection, admin, name);
    }

    /// <summary>
    /// Lets deploy/local/postgres.sh start (or install) PostgreSQL and make a superuser login for the benchmark,
    /// the same way deploy/local/test.sh does for the tests; the password is kept in .local/ like theirs.
    /// Superuser, because the run creates and drops its own database.
    /// </summary>
    private static async Task<(int Port, string Password)> EnsureLocalServerAsync(CancellationToken ct)
    {
        const string script = """
            set -e
            source deploy/local/postgres.sh
            ensure_postgres >&2
            password=$(local_secret bench-db-password)
            ensure_login_role trialmanager_bench "$password" SUPERUSER >&2
            echo "$PGPORT $password"
            """;
        var start = new ProcessStartInfo("bash") { WorkingDirectory = RepositoryRoot(), RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start bash.");
        var output = await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var words = output.Trim().Split(' ');
        if (process.ExitCode != 0 || words.Length != 2 || !int.TryParse(words[0], out var port))
            throw new InvalidOperationException(
                $"deploy/local/postgres.sh could not set up PostgreSQL (exit code {process.ExitCode}). " +
                "Alternatively, set ConnectionStrings__TrialManager.");
        return (port, words[1]);
    }

    /// <summary>The repository holds deploy/local/postgres.sh; found from the build output, which lies inside it.</summary>
    private static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "deploy", "local", "postgres.sh")))
                    return dir.FullName;
        throw new InvalidOperationException("Cannot find deploy/local/postgres.sh above " + AppContext.BaseDirectory);
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_adminConnection is null)
            return;
        // Pooled connections of the API host would otherwise keep the database in use.
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(_adminConnection, $"DROP DATABASE IF EXISTS {_createdName} WITH (FORCE)", CancellationToken.None);
        Console.Error.WriteLine($"Dropped database {_createdName}.");
    }
}
