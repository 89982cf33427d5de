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
    /// once per connection, and a connection returned to the pool is not reset (DISCARD ALL): the app keeps no
    /// session state, only transaction-scoped locks and settings.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (settings.MaxAutoPrepare == 0)
            settings.MaxAutoPrepare = 64;
        settings.NoResetOnClose = true;
        return new NpgsqlDataSourceBuilder(settings.ConnectionString).Build();
    }

    public static TBuilder UseTrialManagerDatabase<TBuilder>(this TBuilder options, NpgsqlDataSource dataSource)
        where TBuilder : DbContextOptionsBuilder
    {
        options.UseNpgsql(dataSource, npgsql => npgsql.MigrationsAssembly(MigrationsAssembly)).UseSnakeCaseNamingConvention();
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
