using Npgsql;

namespace TrialManager.Tests.Integration;

/// <summary>
/// A database of its own for one test run, created through the superuser connection that deploy/local/test.sh
/// provides in TRIALMANAGER_TEST_ADMIN_CONNECTION, and dropped when the run ends.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _adminConnection;

    private TestDatabase(string adminConnection, string name)
    {
        _adminConnection = adminConnection;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(adminConnection) { Database = name, Pooling = true }.ConnectionString;
    }

    public string Name { get; }
    public string ConnectionString { get; }

    public static async Task<TestDatabase> CreateAsync()
    {
        var admin = Environment.GetEnvironmentVariable("TRIALMANAGER_TEST_ADMIN_CONNECTION")
            ?? throw new InvalidOperationException(
                "TRIALMANAGER_TEST_ADMIN_CONNECTION is not set: run the tests with deploy/local/test.sh, which sets up PostgreSQL.");
        var database = new TestDatabase(admin, $"trialmanager_test_{DateTime.UtcNow:yyyyMMddHHmmss}_{Random.Shared.Next(100000):D5}");
        await database.ExecuteAsAdminAsync($"CREATE DATABASE {database.Name}");
        return database;
    }

    public async Task ExecuteAsAdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_adminConnection);
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
