using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using TrialManager.Data;

namespace TrialManager.Migrations;

/// <summary>
/// Lets `dotnet ef` build the model without starting the API. Adding a migration or scripting it
/// needs no database; applying one uses ConnectionStrings__TrialManager.
/// </summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<TrialManagerDbContext>
{
    public TrialManagerDbContext CreateDbContext(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__TrialManager")
            ?? "Host=127.0.0.1;Database=trialmanager;Username=trialmanager";
        var options = new DbContextOptionsBuilder<TrialManagerDbContext>().UseTrialManagerDatabase(connectionString);
        return new TrialManagerDbContext(options.Options);
    }
}
