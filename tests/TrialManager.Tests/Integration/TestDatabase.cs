using Npgsql;

namespace TrialManager.Tests.Integration;

/// <summary>
/// A database of its own for one test run, created through the superuser connection that deploy/local/test.sh
/// provides in TRIALMANAGER_TEST_ADMIN_CONNECTION, and dropped when the run ends.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _adminConnection;

    /// <summary>The role the API runs as, as in production: it owns nothing and may only insert and read the audit trail.</summary>
    public const string RuntimeRole = "trialmanager_test_app";

    /// <summary>
    /// The runtime role is shared by every database of every run on this server, and setting its password again must
    /// not lock out a run that is still going (test runs of several checkouts can overlap): so the password follows
    /// from the superuser's, the same for all of them.
    /// </summary>
    private static string RuntimePassword(string adminConnection) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes("runtime:" + new NpgsqlConnectionStringBuilder(adminConnection).Password)))[..32];

    private TestDatabase(string adminConnection, string name, string runtimePassword)
    {
        _adminConnection = adminConnection;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(adminConnection) { Database = name }.ConnectionString;
        // Several hosts (API, workers) share PostgreSQL's 100 connections in a run: each waits for a pooled connection
        // rather than opening more than its share.
        RuntimeConnectionString = new NpgsqlConnectionStringBuilder(ConnectionString)
            { Username = RuntimeRole, Password = runtimePassword, MaxPoolSize = 40 }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>A superuser's connection: the tests' own, and the one that applies migrations.</summary>
    public string ConnectionString { get; }

    /// <summary>The API's connection, as the runtime role.</summary>
    public string RuntimeConnectionString { get; }

    public static Task<TestDatabase> CreateAsync() => CreateAsync(
        Environment.GetEnvironmentVariable("TRIALMANAGER_TEST_ADMIN_CONNECTION")
            ?? throw new InvalidOperationException(
                "TRIALMANAGER_TEST_ADMIN_CONNECTION is not set: run the tests with deploy/local/test.sh, which sets up PostgreSQL."));

    /// <summary>A database on the server of the given superuser connection (the fault tests' throwaway cluster).</summary>
    public static async Task<TestDatabase> CreateAsync(string admin)
    {
        var password = RuntimePassword(admin);
        var database = new TestDatabase(admin, $"trialmanager_test_{DateTime.UtcNow:yyyyMMddHHmmss}_{Random.Shared.Next(100000):D5}", password);
        await database.ExecuteAsAdminAsync($"CREATE DATABASE {database.Name}");
        await database.ExecuteAsAdminAsync($"""
            DO $$BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{RuntimeRole}') THEN CREATE ROLE {RuntimeRole} LOGIN; END IF;
                ALTER ROLE {RuntimeRole} LOGIN NOSUPERUSER PASSWORD '{password}';
            END$$;
            """);
        return database;
    }

    public async Task ExecuteAsAdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_adminConnection);
        await connection.OpenAsync();
        // Creating and dropping a database waits for a checkpoint, which takes longer than 30 s on a busy machine.
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs SQL in the test database as a superuser.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs SQL in the test database and returns the first column of the first row.</summary>
    public async Task<T?> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in parameters)
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)Convert.ChangeType(result, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T));
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsAdminAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }
}
