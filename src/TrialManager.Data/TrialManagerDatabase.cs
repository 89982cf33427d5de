using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace TrialManager.Data;

/// <summary>The one way the app, the migrations tool and the tests configure the database.</summary>
public static class TrialManagerDatabase
{
    public const string ConnectionStringName = "TrialManager";
    public const string MigrationsAssembly = "TrialManager.Migrations";

    /// <summary>
    /// The connection pool. Unless the connection string says otherwise, statements the app repeats are prepared
    /// once per connection, a connection to this same machine skips TLS (nothing on the wire to protect, and it
    /// costs CPU on every round trip), and a connection returned to the pool is not reset (DISCARD ALL): the app
    /// keeps no session state, only transaction-scoped locks and settings.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (settings.MaxAutoPrepare == 0)
            settings.MaxAutoPrepare = 64;
        if (IsLoopback(settings.Host) && !Names(connectionString, "sslmode"))
            settings.SslMode = SslMode.Disable;
        settings.NoResetOnClose = true;
        return new NpgsqlDataSourceBuilder(settings.ConnectionString).Build();
    }

    private static bool IsLoopback(string? host) => host is "127.0.0.1" or "localhost" or "::1";

    /// <summary>Whether the connection string itself sets the keyword (in any of its spellings).</summary>
    private static bool Names(string connectionString, string keyword) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(key => key.Replace(" ", "").Equals(keyword, StringComparison.OrdinalIgnoreCase));

    public static TBuilder UseTrialManagerDatabase<TBuilder>(this TBuilder options, NpgsqlDataSource dataSource)
        where TBuilder : DbContextOptionsBuilder
    {
        options.UseNpgsql(dataSource, npgsql => npgsql.MigrationsAssembly(MigrationsAssembly)
                .ExecutionStrategy(dependencies => new ConflictRetryStrategy(dependencies)))
            .UseSnakeCaseNamingConvention();
        return options;
    }

    /// <summary>For the tools and the one-off owner connection that applies migrations.</summary>
    public static TBuilder UseTrialManagerDatabase<TBuilder>(this TBuilder options, string connectionString)
        where TBuilder : DbContextOptionsBuilder
    {
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly(MigrationsAssembly)).UseSnakeCaseNamingConvention();
        return options;
    }
}
