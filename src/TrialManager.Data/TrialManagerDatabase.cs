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
    public static NpgsqlDataSource CreateDataSource(string connectionString, DatabasePooler pooler = DatabasePooler.None)
    {
        var settings = ConnectionSettings(connectionString, pooler);
        if (pooler == DatabasePooler.None && settings.MaxAutoPrepare == 0)
            settings.MaxAutoPrepare = 64;
        if (IsLoopback(settings.Host) && !Names(connectionString, "sslmode"))
            settings.SslMode = SslMode.Disable;
        settings.NoResetOnClose = true;
        return new NpgsqlDataSourceBuilder(settings.ConnectionString).Build();
    }

    /// <summary>
    /// The connection string as every pool of the process must use it behind the pooler. Behind PgBouncer in transaction
    /// mode, a statement prepared on one server session is unknown to the next (PgBouncer 1.18, Debian's, cannot carry
    /// prepared statements; 1.21 can, with max_prepared_statements), so nothing is prepared whatever the string says,
    /// and a connection going back to the pool sends no DISCARD ALL: the server session it would reset is not its own.
    /// </summary>
    public static NpgsqlConnectionStringBuilder ConnectionSettings(string connectionString, DatabasePooler pooler)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (pooler == DatabasePooler.Transaction)
        {
            settings.MaxAutoPrepare = 0;
            settings.NoResetOnClose = true;
        }
        return settings;
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
