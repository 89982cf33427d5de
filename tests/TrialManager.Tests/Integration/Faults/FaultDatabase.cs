namespace TrialManager.Tests.Integration.Faults;

/// <summary>
/// One database for the fault scenarios that run on the suite's PostgreSQL, so that each does not pay again for
/// creating it and migrating it at its first start. Each scenario writes to a trial of its own and checks only that
/// trial. It is not the test host's database: that host's job server would take the scenarios' jobs.
/// </summary>
[SetUpFixture]
public sealed class FaultDatabase
{
    private static TestDatabase? _database;

    public static TestDatabase Database => _database ?? throw new InvalidOperationException("The fault database does not exist.");

    [OneTimeSetUp]
    public async Task CreateAsync() => _database = await TestDatabase.CreateAsync();

    [OneTimeTearDown]
    public async Task DropAsync()
    {
        if (_database is not null)
            await _database.DisposeAsync();
    }
}
