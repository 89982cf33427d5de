using Microsoft.EntityFrameworkCore;

namespace TrialManager.Data;

/// <summary>The one way the app, the migrations tool and the tests configure the database.</summary>
public static class TrialManagerDatabase
{
    public const string ConnectionStringName = "TrialManager";
    public const string MigrationsAssembly = "TrialManager.Migrations";

    public static TBuilder UseTrialManagerDatabase<TBuilder>(this TBuilder options, string connectionString)
        where TBuilder : DbContextOptionsBuilder
    {
        options
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly(MigrationsAssembly))
            .UseSnakeCaseNamingConvention();
        return options;
    }
}
