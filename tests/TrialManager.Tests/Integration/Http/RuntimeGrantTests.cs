using Microsoft.EntityFrameworkCore;
using TrialManager.Api.Infrastructure;
using TrialManager.Data;

namespace TrialManager.Tests.Integration.Http;

/// <summary>
/// Every process that applies migrations grants the runtime role its rights again at start-up; replicas that start
/// together must not fail on each other ("tuple concurrently updated" from PostgreSQL's catalogue).
/// </summary>
public sealed class RuntimeGrantTests : IntegrationTest
{
    [Test]
    public async Task Processes_starting_together_grant_the_runtime_role_without_failing_on_each_other()
    {
        for (var round = 0; round < 3; round++)
        {
            var owners = Enumerable.Range(0, 8).Select(_ => new TrialManagerDbContext(
                new DbContextOptionsBuilder<TrialManagerDbContext>().UseTrialManagerDatabase(TestHost.Database.ConnectionString).Options)).ToList();
            try
            {
                await Task.WhenAll(owners.Select(db => DatabaseStartup.GrantRuntimeRoleAsync(db, TestDatabase.RuntimeRole, CancellationToken.None)));
            }
            finally
            {
                foreach (var db in owners)
                    await db.DisposeAsync();
            }
        }
        Assert.That(await Db.ScalarAsync<bool>($"SELECT has_table_privilege('{TestDatabase.RuntimeRole}', 'participants', 'INSERT')"), Is.True);
        Assert.That(await Db.ScalarAsync<bool>($"SELECT has_table_privilege('{TestDatabase.RuntimeRole}', 'audit_events', 'UPDATE')"), Is.False);
    }
}
